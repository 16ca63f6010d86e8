"""Authorised submitters: who may file cases with the vendor."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from casebridge.core import clock
from casebridge.core.audit import audit_record, snapshot
from casebridge.core.errors import Conflict, ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_single_line
from casebridge.parties import events, permissions
from casebridge.parties.choices import (
    OrganisationKind,
)
from casebridge.parties.models import (
    AuthorisedSubmitter,
    CustomerRelationship,
    Person,
)
from casebridge.parties.services._validation import clean_email, clean_phone, require


def _may_submit_to_vendor(person: Person) -> bool:
    organisation = person.organisation
    if organisation.kind == OrganisationKind.PARTNER:
        return True
    if organisation.kind == OrganisationKind.CUSTOMER:
        return CustomerRelationship.objects.filter(
            customer=organisation, operating_model__partner_in_between=False
        ).exists()
    return False


def _check_email(errors: Errors, email: str, person: Person) -> None:
    """A submitter's address identifies one submitter, and is nobody else's sign-in."""
    if not email or "email" in errors.fields:
        return
    others = AuthorisedSubmitter.objects.exclude(person=person)
    if others.filter(email__iexact=email, active=True).exists():
        errors.add("email", "This address already identifies another active submitter.")
    elif Person.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
        errors.add("email", "This is another person's sign-in address.")


@transaction.atomic
def submitter_register(
    *, actor: Person | None, person: Person, phone: str, email: str | None = None
) -> AuthorisedSubmitter:
    """Register a person's e-mail and phone with the vendor; verification follows."""
    if actor is not None:
        require(
            permissions.can_register_submitter_for(actor, person),
            "Only the person's own organisation's managers or the vendor register submitters.",
        )
    errors = Errors()
    email = clean_email(email if email is not None else person.email, errors)
    phone = clean_phone(phone, errors)
    if not person.is_active:
        errors.add("person", "The person is inactive.")
    if not _may_submit_to_vendor(person):
        errors.add(
            "person",
            "Only partners' people, or customers' people in operating model 2, submit cases to "
            "the vendor.",
        )
    if AuthorisedSubmitter.objects.filter(person=person).exists():
        errors.add("person", "This person is already registered as a submitter.")
    if phone and AuthorisedSubmitter.objects.filter(phone=phone, active=True).exists():
        errors.add("phone", "This phone number already identifies another active submitter.")
    _check_email(errors, email, person)
    errors.raise_if_any("The submitter was not registered.")
    try:
        with transaction.atomic():
            submitter = AuthorisedSubmitter.objects.create(person=person, email=email, phone=phone)
    except IntegrityError as error:  # a concurrent registration won the race: say which field
        raced = Errors()
        if AuthorisedSubmitter.objects.filter(phone=phone, active=True).exists():
            raced.add("phone", "Already registered.")
        _check_email(raced, email, person)
        raise Conflict(
            "The submitter was not registered: the person, phone or e-mail was just registered.",
            fields=raced.fields or {"person": ["Already registered."]},
        ) from error
    audit_record(
        actor=actor,
        action="submitter.registered",
        target=submitter,
        organisation_id=person.organisation_id,
        after=snapshot(submitter, ["person_id", "email", "phone", "active"]),
    )
    outbox_record(
        kind=events.SUBMITTER_REGISTERED,
        payload={"submitter_id": submitter.pk, "person_id": person.pk},
    )
    return submitter


@transaction.atomic
def submitter_verify(
    *, actor: Person | None, submitter: AuthorisedSubmitter
) -> AuthorisedSubmitter:
    """The vendor confirms the e-mail and phone belong to the person."""
    if actor is not None:
        require(
            permissions.can_verify_submitters(actor),
            "Only the vendor's administrators, managers and agents verify submitters.",
        )
    submitter = AuthorisedSubmitter.objects.select_for_update().get(pk=submitter.pk)
    if not submitter.active:
        raise ValidationFailed(
            "A revoked submitter cannot be verified; register them again.",
            fields={"active": "The submitter is revoked."},
        )
    if submitter.verified_at is not None:
        return submitter
    submitter.verified_at = clock.now()
    submitter.verified_by = actor
    submitter.save(update_fields=["verified_at", "verified_by", "updated_at"])
    audit_record(
        actor=actor,
        action="submitter.verified",
        target=submitter,
        organisation_id=submitter.person.organisation_id,
        after={"verified_at": submitter.verified_at.isoformat()},
    )
    outbox_record(
        kind=events.SUBMITTER_VERIFIED,
        payload={"submitter_id": submitter.pk, "person_id": submitter.person_id},
    )
    return submitter


@transaction.atomic
def submitter_deactivate(
    *, actor: Person, submitter: AuthorisedSubmitter, reason: str
) -> AuthorisedSubmitter:
    """Revoke a submitter's authorisation; the record stays for the history."""
    require(
        permissions.can_register_submitter_for(actor, submitter.person),
        "Only the person's own organisation's managers or the vendor revoke submitters.",
    )
    errors = Errors()
    reason = clean_single_line(reason, errors, "reason", max_length=300)
    errors.raise_if_any("The submitter was not revoked.")
    submitter = AuthorisedSubmitter.objects.select_for_update().get(pk=submitter.pk)
    if not submitter.active:
        return submitter
    submitter.active = False
    submitter.deactivated_reason = reason
    submitter.save(update_fields=["active", "deactivated_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="submitter.deactivated",
        target=submitter,
        organisation_id=submitter.person.organisation_id,
        before={"active": True},
        after={"active": False, "reason": reason},
    )
    outbox_record(
        kind=events.SUBMITTER_DEACTIVATED,
        payload={"submitter_id": submitter.pk, "person_id": submitter.person_id},
    )
    return submitter
