"""Reads of the parties' data. Every list is scoped to the caller; each owns its joins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from casebridge.core import clock
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.choices import OrganisationKind, SubmitterState, SupportLevel
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Certification,
    CustomerRelationship,
    Organisation,
    Person,
    PersonRole,
    Training,
)
from casebridge.parties.phones import normalise_phone

#: The minimum number of people with a valid certification, per level, for a qualified partner.
QUALIFICATION_MINIMUMS: dict[str, int] = {
    SupportLevel.L1_BASIC: 2,
    SupportLevel.L2_INTERMEDIATE: 2,
}


# --- Access to one object (404 for missing and forbidden alike) ---


def access_organisation(actor: Person, organisation_id: int) -> Organisation:
    organisation = (
        Organisation.objects.visible_to(actor)
        .select_related(
            "relationship__partner", "relationship__operating_model", "relationship__support_plan"
        )
        .filter(pk=organisation_id)
        .first()
    )
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


def access_person(actor: Person, person_id: int) -> Person:
    person = (
        Person.objects.visible_to(actor)
        .select_related("organisation")
        .prefetch_related("roles")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound("No such person.")
    return person


def access_submitter(actor: Person, submitter_id: int) -> AuthorisedSubmitter:
    submitter = (
        AuthorisedSubmitter.objects.visible_to(actor)
        .select_related("person__organisation")
        .filter(pk=submitter_id)
        .first()
    )
    if submitter is None:
        raise NotFound("No such submitter.")
    return submitter


# --- Lists ---


def organisation_list(
    *, actor: Person, kind: str | None = None, search: str | None = None
) -> QuerySet[Organisation]:
    organisations = Organisation.objects.visible_to(actor).select_related("relationship__partner")
    if kind:
        organisations = organisations.filter(kind=kind)
    if search:
        organisations = organisations.filter(name__icontains=search.strip())
    return organisations.order_by("name", "id")


def relationship_list(
    *, actor: Person, partner_id: int | None = None
) -> QuerySet[CustomerRelationship]:
    relationships = CustomerRelationship.objects.visible_to(actor).select_related(
        "customer", "partner", "support_plan"
    )
    if partner_id is not None:
        relationships = relationships.filter(partner_id=partner_id)
    return relationships.order_by("customer__name", "id")


def person_list(
    *,
    actor: Person,
    organisation_id: int | None = None,
    role: str | None = None,
    search: str | None = None,
) -> QuerySet[Person]:
    people = (
        Person.objects.visible_to(actor)
        .select_related("organisation")
        .prefetch_related(Prefetch("roles", queryset=PersonRole.objects.order_by("role")))
    )
    if organisation_id is not None:
        people = people.filter(organisation_id=organisation_id)
    if role:
        people = people.filter(roles__role=role)
    if search:
        term = search.strip()
        people = people.filter(Q(full_name__icontains=term) | Q(email__icontains=term))
    return people.order_by("full_name", "id")


def certification_list(
    *,
    actor: Person,
    organisation_id: int | None = None,
    person_id: int | None = None,
    valid_on: dt.date | None = None,
) -> QuerySet[Certification]:
    certifications = Certification.objects.visible_to(actor).select_related("person__organisation")
    if organisation_id is not None:
        certifications = certifications.filter(person__organisation_id=organisation_id)
    if person_id is not None:
        certifications = certifications.filter(person_id=person_id)
    if valid_on is not None:
        certifications = certifications.valid_on(valid_on)
    return certifications.order_by("expires_on", "id")


def certifications_expiring(
    *,
    actor: Person,
    within_days: int | None = None,
    on: dt.date | None = None,
    organisation_id: int | None = None,
) -> QuerySet[Certification]:
    """Certifications valid on ``on`` (default today) that expire within ``within_days``."""
    days = settings.CASEBRIDGE_CERTIFICATION_WARNING_DAYS if within_days is None else within_days
    if days < 0:
        raise ValidationFailed(
            "The window cannot be negative.", fields={"within_days": "Must be 0 or more."}
        )
    certifications = (
        Certification.objects.visible_to(actor)
        .expiring(on=on or clock.today(), within_days=days)
        .select_related("person__organisation")
    )
    if organisation_id is not None:
        certifications = certifications.filter(person__organisation_id=organisation_id)
    return certifications.order_by("expires_on", "id")


def training_list(*, actor: Person, organisation_id: int | None = None) -> QuerySet[Training]:
    trainings = Training.objects.visible_to(actor).select_related("person", "partner")
    if organisation_id is not None:
        trainings = trainings.filter(partner_id=organisation_id)
    return trainings.order_by("-held_on", "id")


def submitter_list(
    *, actor: Person, organisation_id: int | None = None, state: str | None = None
) -> QuerySet[AuthorisedSubmitter]:
    submitters = AuthorisedSubmitter.objects.visible_to(actor).select_related(
        "person__organisation"
    )
    if organisation_id is not None:
        submitters = submitters.filter(person__organisation_id=organisation_id)
    if state == SubmitterState.AUTHORISED:
        submitters = submitters.authorised()
    elif state == SubmitterState.PENDING_VERIFICATION:
        submitters = submitters.filter(active=True, verified_at__isnull=True)
    elif state == SubmitterState.REVOKED:
        submitters = submitters.filter(active=False)
    return submitters.order_by("person__full_name", "id")


# --- Partner qualification ---


@dataclass(frozen=True)
class LevelCount:
    level: str
    required: int
    holders: int

    @property
    def met(self) -> bool:
        return self.holders >= self.required

    @property
    def label(self) -> str:
        return str(SupportLevel(self.level).label)


@dataclass(frozen=True)
class Qualification:
    """Whether a partner is qualified on a date, and why not."""

    partner_id: int
    on: dt.date
    levels: tuple[LevelCount, ...]
    reasons: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> bool:
        return all(level.met for level in self.levels)

    def __bool__(self) -> bool:
        return self.qualified


def _holder_counts(partner_ids: list[int], on: dt.date) -> dict[tuple[int, str], int]:
    """People per (partner, level) holding a valid certification on ``on``: one query."""
    rows = (
        Certification.objects.valid_on(on)
        .filter(
            person__organisation_id__in=partner_ids,
            person__is_active=True,
            level__in=list(QUALIFICATION_MINIMUMS),
        )
        .values("person__organisation_id", "level")
        .annotate(holders=Count("person", distinct=True))
    )
    return {(row["person__organisation_id"], row["level"]): row["holders"] for row in rows}


def _qualification_from_counts(
    partner_id: int, on: dt.date, counts: dict[tuple[int, str], int]
) -> Qualification:
    levels = tuple(
        LevelCount(level=level, required=required, holders=counts.get((partner_id, level), 0))
        for level, required in QUALIFICATION_MINIMUMS.items()
    )
    reasons = tuple(
        f"{level.holders} of the {level.required} people needed hold a valid "
        f"{SupportLevel(level.level).label} certification on {on.isoformat()}."
        for level in levels
        if not level.met
    )
    return Qualification(partner_id=partner_id, on=on, levels=levels, reasons=reasons)


def partner_is_qualified(partner: Organisation, *, on: dt.date | None = None) -> Qualification:
    """At least 2 people with valid L1 Basic and 2 with valid L2 Intermediate on ``on``.

    A person may count for both levels; only active people of the partner count. The result is
    truthy when qualified and lists the reasons when not.
    """
    if partner.kind != OrganisationKind.PARTNER:
        raise ValidationFailed(
            "Only partners are qualified or not.", fields={"partner": "Not a partner."}
        )
    day = on or clock.today()
    return _qualification_from_counts(partner.pk, day, _holder_counts([partner.pk], day))


def partner_qualifications(
    partners: list[Organisation], *, on: dt.date | None = None
) -> dict[int, Qualification]:
    """Qualification of many partners at once (one query), keyed by partner id."""
    day = on or clock.today()
    ids = [partner.pk for partner in partners if partner.kind == OrganisationKind.PARTNER]
    if not ids:
        return {}
    counts = _holder_counts(ids, day)
    return {partner_id: _qualification_from_counts(partner_id, day, counts) for partner_id in ids}


def can_see_qualification(actor: Person, partner: Organisation) -> bool:
    """The vendor and the partner itself see the detail; a customer sees its partner's status."""
    kind = actor.organisation.kind
    if kind == OrganisationKind.VENDOR or actor.organisation_id == partner.pk:
        return True
    return CustomerRelationship.objects.filter(
        customer_id=actor.organisation_id, partner_id=partner.pk
    ).exists()


# --- Caller lookup ---


@dataclass(frozen=True)
class CallerMatch:
    """Who is calling: the person behind a phone number and whether they may file cases."""

    phone: str
    person: Person | None
    submitter: AuthorisedSubmitter | None
    state: str

    @property
    def organisation(self) -> Organisation | None:
        return self.person.organisation if self.person is not None else None


def caller_lookup(*, actor: Person, phone: str) -> CallerMatch:
    """Find the caller by a phone number in any common formatting.

    Registered submitters are matched first (the active one, else the latest revoked one), then
    people's own phone numbers. The answer is scoped: a caller the actor may not see is reported
    as unknown.
    """
    number = normalise_phone(phone)
    submitter = (
        AuthorisedSubmitter.objects.visible_to(actor)
        .select_related("person__organisation")
        .filter(phone=number)
        .order_by("-active", "-updated_at", "-id")
        .first()
    )
    if submitter is not None:
        if not submitter.active:
            state = SubmitterState.REVOKED
        elif submitter.verified_at is None:
            state = SubmitterState.PENDING_VERIFICATION
        else:
            state = SubmitterState.AUTHORISED
        return CallerMatch(phone=number, person=submitter.person, submitter=submitter, state=state)
    person = (
        Person.objects.visible_to(actor)
        .select_related("organisation")
        .filter(phone=number, is_active=True)
        .order_by("id")
        .first()
    )
    return CallerMatch(
        phone=number, person=person, submitter=None, state=SubmitterState.NOT_REGISTERED
    )


def submitter_state(person: Person) -> str:
    """Whether a person may submit cases to the vendor now."""
    submitter = AuthorisedSubmitter.objects.filter(person=person).first()
    if submitter is None:
        return SubmitterState.NOT_REGISTERED
    if not submitter.active:
        return SubmitterState.REVOKED
    if submitter.verified_at is None:
        return SubmitterState.PENDING_VERIFICATION
    return SubmitterState.AUTHORISED
