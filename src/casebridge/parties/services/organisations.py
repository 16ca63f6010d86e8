"""Organisations and customer relationships."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from casebridge.core.audit import audit_record, changed, snapshot
from casebridge.core.errors import Conflict
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_choice, clean_single_line
from casebridge.parties import events, permissions
from casebridge.parties.choices import (
    AutoAssignment,
    OrganisationKind,
    Role,
    Scenario,
)
from casebridge.parties.models import (
    CustomerRelationship,
    OperatingModel,
    Organisation,
    Person,
    SupportPlan,
)
from casebridge.parties.phones import is_known_region
from casebridge.parties.services._validation import clean_email, clean_phone, require, time_zones
from casebridge.parties.tokens import api_tokens_revoke_all

ORGANISATION_FIELDS = [
    "name",
    "slug",
    "kind",
    "helpdesk_email",
    "helpdesk_phone",
    "is_active",
    "auto_assignment",
]


def _casebridge_address(address: str) -> bool:
    """Whether ``address`` is casebridge's own sender or one of its reply addresses."""
    own_local, _, own_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower().rpartition("@")
    local, _, domain = address.lower().rpartition("@")
    return bool(own_local) and domain == own_domain and local.partition("+")[0] == own_local


def _check_identity(
    errors: Errors, *, name: str | None, helpdesk_email: str | None, exclude_pk: int | None
) -> None:
    """Names are unique across every kind (case-insensitive); a help desk address belongs to
    one organisation and is never casebridge's own (it routes inbound mail)."""
    others = Organisation.objects.exclude(pk=exclude_pk) if exclude_pk else Organisation.objects
    if name and "name" not in errors.fields and others.filter(name__iexact=name).exists():
        errors.add("name", "There is already an organisation with this name.")
    if helpdesk_email and "helpdesk_email" not in errors.fields:
        if _casebridge_address(helpdesk_email):
            errors.add("helpdesk_email", "This is casebridge's own address.")
        elif others.filter(helpdesk_email__iexact=helpdesk_email).exists():
            errors.add("helpdesk_email", "This address is already another organisation's desk.")


def _free_slug(name: str) -> str:
    """``Rijnland Care Group`` → ``rijnland-care-group`` (``-2``, ``-3`` … when taken)."""
    base = slugify(name)[:70].strip("-") or "organisation"
    taken = set(Organisation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


@transaction.atomic
def organisation_create(
    *,
    actor: Person | None,
    name: str,
    kind: str,
    helpdesk_email: str = "",
    helpdesk_phone: str = "",
) -> Organisation:
    """Create an organisation. ``actor=None`` is the system (setup, demo); people need the right."""
    if actor is not None:
        require(
            permissions.can_manage_organisations(actor),
            "Only the vendor's administrators and managers create organisations.",
        )
    errors = Errors()
    name = clean_single_line(name, errors, "name", max_length=200)
    kind = clean_choice(kind, OrganisationKind, errors, "kind")
    if helpdesk_email:
        helpdesk_email = clean_email(helpdesk_email, errors, "helpdesk_email")
    if helpdesk_phone:
        helpdesk_phone = clean_phone(helpdesk_phone, errors, "helpdesk_phone")
    if kind == OrganisationKind.VENDOR and Organisation.objects.filter(kind=kind).exists():
        errors.add("kind", "There is already a vendor; a deployment has exactly one.")
    _check_identity(errors, name=name, helpdesk_email=helpdesk_email, exclude_pk=None)
    errors.raise_if_any("The organisation was not created.")
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                name=name,
                kind=kind,
                slug=_free_slug(name),
                helpdesk_email=helpdesk_email,
                helpdesk_phone=helpdesk_phone,
            )
    except IntegrityError as error:  # a concurrent write won the race: say which field
        raced = Errors()
        _check_identity(raced, name=name, helpdesk_email=helpdesk_email, exclude_pk=None)
        raise Conflict(
            "The organisation was not created: one like it was just created.",
            fields=raced.fields or {"name": ["Already exists."]},
        ) from error
    audit_record(
        actor=actor,
        action="organisation.created",
        target=organisation,
        organisation_id=organisation.pk,
        after=snapshot(organisation, ORGANISATION_FIELDS),
    )
    outbox_record(
        kind=events.ORGANISATION_CREATED,
        payload={"organisation_id": organisation.pk, "kind": organisation.kind},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Person,
    organisation: Organisation,
    name: str | None = None,
    helpdesk_email: str | None = None,
    helpdesk_phone: str | None = None,
    is_active: bool | None = None,
    auto_assignment: str | None = None,
) -> Organisation:
    """Change an organisation's details; its kind never changes."""
    own = actor.organisation_id == organisation.pk
    # How the desk's cases are given out is also its managers' to decide.
    only_assignment = (name, helpdesk_email, helpdesk_phone, is_active) == (None,) * 4
    require(
        permissions.can_manage_organisations(actor)
        or (own and actor.has_role(Role.ADMIN))
        or (own and only_assignment and actor.has_role(Role.MANAGER)),
        "Only the vendor's managers or the organisation's own administrators edit it.",
    )
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = snapshot(organisation, ORGANISATION_FIELDS)
    errors = Errors()
    if name is not None:
        organisation.name = clean_single_line(name, errors, "name", max_length=200)
    if helpdesk_email is not None:
        organisation.helpdesk_email = (
            clean_email(helpdesk_email, errors, "helpdesk_email") if helpdesk_email else ""
        )
    _check_identity(
        errors,
        name=organisation.name if name is not None else None,
        helpdesk_email=organisation.helpdesk_email if helpdesk_email is not None else None,
        exclude_pk=organisation.pk,
    )
    if helpdesk_phone is not None:
        organisation.helpdesk_phone = (
            clean_phone(helpdesk_phone, errors, "helpdesk_phone") if helpdesk_phone else ""
        )
    if is_active is not None:
        if organisation.is_vendor and not is_active:
            errors.add("is_active", "The vendor cannot be deactivated.")
        organisation.is_active = is_active
    if auto_assignment is not None:
        if auto_assignment not in AutoAssignment.values:
            errors.add("auto_assignment", f"One of: {', '.join(AutoAssignment.values)}.")
        elif auto_assignment != AutoAssignment.OFF and organisation.kind not in (
            OrganisationKind.PARTNER,
            OrganisationKind.VENDOR,
        ):
            errors.add("auto_assignment", "Only a desk that works cases assigns them.")
        else:
            organisation.auto_assignment = auto_assignment
    errors.raise_if_any("The organisation was not changed.")
    after = snapshot(organisation, ORGANISATION_FIELDS)
    difference = changed(before, after)
    if difference:
        try:
            with transaction.atomic():
                organisation.save(update_fields=[*difference.keys(), "updated_at"])
        except IntegrityError as error:  # a concurrent write took the name or the address
            raced = Errors()
            _check_identity(
                raced,
                name=organisation.name,
                helpdesk_email=organisation.helpdesk_email,
                exclude_pk=organisation.pk,
            )
            raise Conflict(
                "The organisation was not changed: another just took its name or address.",
                fields=raced.fields or {"name": ["Already exists."]},
            ) from error
        if "is_active" in difference and not organisation.is_active:
            api_tokens_revoke_all(
                actor=actor,
                people=Person.objects.filter(organisation=organisation),
                reason="the organisation was deactivated",
            )
        audit_record(
            actor=actor,
            action="organisation.updated",
            target=organisation,
            organisation_id=organisation.pk,
            before=before,
            after=after,
        )
    return organisation


RELATIONSHIP_FIELDS = [
    "partner_id",
    "operating_model_id",
    "scenario",
    "support_plan_id",
    "time_zone",
    "country",
]


def _clean_relationship(
    *,
    errors: Errors,
    customer: Organisation,
    partner: Organisation | None,
    operating_model: OperatingModel | None,
    scenario: str,
    support_plan: str,
    time_zone: str,
    country: str,
) -> str:
    if customer.kind != OrganisationKind.CUSTOMER:
        errors.add("customer", "Must be a customer organisation.")
    clean_choice(scenario, Scenario, errors, "scenario")
    if not SupportPlan.objects.filter(code=support_plan).exists():
        known = ", ".join(SupportPlan.objects.values_list("code", flat=True))
        errors.add("support_plan", f"{support_plan!r} is not a support plan; known: {known}.")
    if operating_model is not None and operating_model.partner_in_between:
        if partner is None:
            errors.add(
                "partner", f"{operating_model.name} needs the partner that serves the customer."
            )
        elif partner.kind != OrganisationKind.PARTNER:
            errors.add("partner", "Must be a partner organisation.")
    elif operating_model is not None and partner is not None:
        errors.add("partner", f"{operating_model.name} has no partner between customer and vendor.")
    if time_zone not in time_zones():
        errors.add("time_zone", f"{time_zone!r} is not a known time zone, e.g. Europe/Amsterdam.")
    country = (country or "").strip().upper()
    if not is_known_region(country):
        errors.add("country", f"{country!r} is not a two-letter country code, e.g. NL.")
    return country


@transaction.atomic
def relationship_set(
    *,
    actor: Person | None,
    customer: Organisation,
    partner: Organisation | None,
    operating_model: str,
    scenario: str,
    support_plan: str,
    time_zone: str,
    country: str,
) -> CustomerRelationship:
    """Create or replace how a customer is served (one relationship per customer)."""
    if actor is not None:
        require(
            permissions.can_manage_organisations(actor),
            "Only the vendor's administrators and managers set customer relationships.",
        )
    errors = Errors()
    model = OperatingModel.objects.filter(code=operating_model).first()
    if model is None:
        known = ", ".join(OperatingModel.objects.values_list("code", flat=True))
        errors.add(
            "operating_model", f"{operating_model!r} is not an operating model; known: {known}."
        )
    country = _clean_relationship(
        errors=errors,
        customer=customer,
        partner=partner,
        operating_model=model,
        scenario=scenario,
        support_plan=support_plan,
        time_zone=time_zone,
        country=country,
    )
    errors.raise_if_any("The customer relationship was not saved.")
    values = {
        "partner": partner,
        "operating_model": model,
        "scenario": scenario,
        "support_plan_id": support_plan,
        "time_zone": time_zone,
        "country": country,
    }
    relationship = (
        CustomerRelationship.objects.select_for_update().filter(customer=customer).first()
    )
    before: dict[str, Any] = {}
    if relationship is None:
        relationship = CustomerRelationship.objects.create(customer=customer, **values)
        action, kind = "relationship.created", events.RELATIONSHIP_CREATED
    else:
        before = snapshot(relationship, RELATIONSHIP_FIELDS)
        for field, value in values.items():
            setattr(relationship, field, value)
        relationship.save()
        action, kind = "relationship.updated", events.RELATIONSHIP_UPDATED
    after = snapshot(relationship, RELATIONSHIP_FIELDS)
    if changed(before, after):
        audit_record(
            actor=actor,
            action=action,
            target=relationship,
            organisation_id=customer.pk,
            before=before,
            after=after,
        )
        outbox_record(
            kind=kind,
            payload={"customer_id": customer.pk, "partner_id": relationship.partner_id},
        )
    return relationship
