"""People and their roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from casebridge.core.audit import audit_record, changed, snapshot
from casebridge.core.errors import Conflict, PermissionDenied
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_choice, clean_single_line
from casebridge.parties import events, permissions
from casebridge.parties.choices import (
    LEVELS_BY_ORGANISATION_KIND,
    OrganisationKind,
    Role,
    SupportLevel,
)
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Organisation,
    Person,
    PersonRole,
)
from casebridge.parties.services._validation import clean_email, clean_phone, require, time_zones
from casebridge.parties.tokens import api_tokens_revoke_all

PERSON_FIELDS = [
    "email",
    "full_name",
    "phone",
    "support_level",
    "is_active",
    "is_staff",
    "time_zone",
    "language",
]


def clean_roles(roles: Iterable[str], organisation: Organisation, errors: Errors) -> list[str]:
    """The roles given, each valid for the organisation's kind (problems into ``errors``)."""
    cleaned = sorted(set(roles))
    for role in cleaned:
        clean_choice(role, Role, errors, "roles")
    if Role.CUSTOMER_CONTACT in cleaned and organisation.kind != OrganisationKind.CUSTOMER:
        errors.add("roles", "Only people of a customer organisation are customer contacts.")
    if organisation.kind == OrganisationKind.CUSTOMER and Role.ENGINEER in cleaned:
        errors.add("roles", "Customers have no engineers here; use agent or customer contact.")
    return cleaned


def _clean_support_level(level: str, organisation: Organisation, errors: Errors) -> str:
    if not level:
        return ""
    clean_choice(level, SupportLevel, errors, "support_level")
    allowed = LEVELS_BY_ORGANISATION_KIND[organisation.kind]
    if level in SupportLevel.values and level not in allowed:
        names = ", ".join(SupportLevel(value).label for value in sorted(allowed))
        errors.add("support_level", f"A {organisation.kind}'s people work at: {names}.")
    return level


@transaction.atomic
def person_create(
    *,
    actor: Person | None,
    organisation: Organisation,
    email: str,
    full_name: str,
    roles: Iterable[str] = (),
    phone: str = "",
    support_level: str = "",
    password: str | None = None,
    is_staff: bool = False,
) -> Person:
    """Add a person to an organisation; without a password they cannot sign in yet."""
    if actor is not None:
        require(
            permissions.can_manage_people_of(actor, organisation),
            "You may not add people to this organisation.",
        )
    errors = Errors()
    email = clean_email(email, errors)
    full_name = clean_single_line(full_name, errors, "full_name", max_length=200)
    phone = clean_phone(phone, errors) if phone else ""
    role_codes = clean_roles(roles, organisation, errors)
    support_level = _clean_support_level(support_level, organisation, errors)
    if is_staff and organisation.kind != OrganisationKind.VENDOR:
        errors.add("is_staff", "Only the vendor's people may use the back office.")
    if not organisation.is_active:
        errors.add("organisation", "The organisation is inactive.")
    if "email" not in errors and Person.objects.filter(email__iexact=email).exists():
        errors.add(
            "email",
            "A person with this e-mail address already exists; a person belongs to exactly one "
            "organisation.",
        )
    if (
        email
        and "email" not in errors
        and AuthorisedSubmitter.objects.filter(email__iexact=email, active=True).exists()
    ):
        errors.add("email", "This address identifies another person as a submitter.")
    errors.raise_if_any("The person was not created.")
    try:
        with transaction.atomic():
            person = Person.objects.create_user(
                email,
                password,
                organisation=organisation,
                full_name=full_name,
                phone=phone,
                support_level=support_level,
                is_staff=is_staff,
            )
    except IntegrityError as error:
        raise Conflict(
            "The person was not created: the e-mail address was just taken.",
            fields={"email": "Already registered."},
        ) from error
    PersonRole.objects.bulk_create(PersonRole(person=person, role=role) for role in role_codes)
    audit_record(
        actor=actor,
        action="person.created",
        target=person,
        organisation_id=organisation.pk,
        after={**snapshot(person, PERSON_FIELDS), "roles": role_codes},
    )
    outbox_record(
        kind=events.PERSON_CREATED,
        payload={"person_id": person.pk, "organisation_id": organisation.pk},
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: Person,
    person: Person,
    full_name: str | None = None,
    phone: str | None = None,
    support_level: str | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
    time_zone: str | None = None,
    language: str | None = None,
) -> Person:
    """Change a person's details or roles. The organisation never changes: people don't move.
    Deactivating a person here withdraws their submitter status and revokes their tokens; the
    whole offboarding (sessions, open cases) is ``identity.services.person_offboard``."""
    is_self = actor.pk == person.pk
    manages = permissions.can_manage_people_of(actor, person.organisation)
    require(manages or is_self, "You may not change this person.")
    if not manages and (roles is not None or is_active is not None or support_level is not None):
        raise PermissionDenied(
            "Only a manager changes roles, support level or whether a person is active."
        )
    person = Person.objects.select_for_update().select_related("organisation").get(pk=person.pk)
    current_roles = sorted(person.roles.values_list("role", flat=True))
    before = {**snapshot(person, PERSON_FIELDS), "roles": current_roles}
    errors = Errors()
    if full_name is not None:
        person.full_name = clean_single_line(full_name, errors, "full_name", max_length=200)
    if phone is not None:
        person.phone = clean_phone(phone, errors) if phone else ""
    if support_level is not None:
        person.support_level = _clean_support_level(support_level, person.organisation, errors)
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and time_zone not in time_zones():
            errors.add("time_zone", "Not a time zone; pick one such as Europe/Amsterdam.")
        person.time_zone = time_zone
    if language is not None:
        languages = dict(settings.LANGUAGES)
        if language and language not in languages:
            errors.add("language", f"One of: {', '.join(languages.values())}.")
        person.language = language
    new_roles = current_roles
    if roles is not None:
        new_roles = clean_roles(roles, person.organisation, errors)
    if is_active is not None:
        if is_self and not is_active:
            errors.add("is_active", "You cannot deactivate yourself.")
        person.is_active = is_active
    errors.raise_if_any("The person was not changed.")
    after = {**snapshot(person, PERSON_FIELDS), "roles": new_roles}
    difference = changed(before, after)
    if not difference:
        return person
    model_fields = [name for name in difference if name != "roles"]
    if model_fields:
        person.save(update_fields=[*model_fields, "updated_at"])
    if "roles" in difference:
        person.roles.exclude(role__in=new_roles).delete()
        PersonRole.objects.bulk_create(
            [
                PersonRole(person=person, role=role)
                for role in new_roles
                if role not in current_roles
            ]
        )
        person._role_codes = frozenset(new_roles)
    if "is_active" in difference and not person.is_active:
        AuthorisedSubmitter.objects.filter(person=person, active=True).update(
            active=False, deactivated_reason="The person was deactivated."
        )
        api_tokens_revoke_all(
            actor=actor,
            people=Person.objects.filter(pk=person.pk),
            reason="the person was deactivated",
        )
    audit_record(
        actor=actor,
        action="person.updated",
        target=person,
        organisation_id=person.organisation_id,
        before=before,
        after=after,
    )
    return person
