"""The policy engine: the RASCI matrix as the rule for who may act, who is asked, who is told.

Every activity-bound action in casebridge asks :func:`decide`. R and A perform the activity, S
contributes (comments, attachments, answers), C is asked, I is told. :func:`responsible_for`,
:func:`to_consult` and :func:`to_inform` answer with the parties *and* the people behind each
letter: the active people of that party's organisation who hold one of the activity's roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from casebridge.core.errors import ValidationFailed
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import CustomerRelationship, Organisation, Person, PersonRole
from casebridge.rasci.choices import Party
from casebridge.rasci.letters import contributes, format_letters, performs
from casebridge.rasci.models import Activity, Assignment, MatrixVersion
from casebridge.rasci.selectors import matrix_for


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one person, activity and customer."""

    activity: str
    version_id: int
    version_label: str
    party: str | None
    letters: str
    allowed: bool
    may_contribute: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class PartyLetters:
    """A party's letter for an activity at one customer, the organisation and its people."""

    party: str
    letters: str
    organisation: Organisation | None
    people: tuple[Person, ...]

    @property
    def display(self) -> str:
        return format_letters(self.letters)


def party_of(person: Person, relationship: CustomerRelationship) -> str | None:
    """Which party ``person`` is in this customer's relationship, or None if not involved."""
    organisation_id = person.organisation_id
    if person.organisation.kind == OrganisationKind.VENDOR:
        return Party.VENDOR
    if relationship.partner_id is not None and organisation_id == relationship.partner_id:
        return Party.PARTNER
    if organisation_id == relationship.customer_id:
        return Party.CUSTOMER
    return None


def _relationship(customer: Organisation) -> CustomerRelationship:
    relationship = (
        CustomerRelationship.objects.select_related("partner", "customer")
        .filter(customer=customer)
        .first()
    )
    if relationship is None:
        raise ValidationFailed(
            f"{customer.name} has no customer relationship.",
            fields={"customer": "No relationship."},
        )
    return relationship


def _activity(version: MatrixVersion, code: str) -> Activity | None:
    return _activities(version, [code]).get(code)


def _activities(version: MatrixVersion, codes: list[str]) -> dict[str, Activity]:
    rows = Activity.objects.filter(version=version, code__in=set(codes)).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.order_by("party"))
    )
    return {row.code: row for row in rows}


def decide(
    actor: Person,
    activity: str,
    customer: Organisation,
    *,
    version: MatrixVersion | None = None,
) -> Decision:
    """May ``actor`` perform ``activity`` for ``customer``? With the letter held and why.

    ``version`` defaults to the customer's current matrix; a case passes the version it was
    opened under, so a newer matrix never changes the rules of an open case.
    """
    return decide_each(actor, [activity], customer, version=version)[activity]


def decide_each(
    actor: Person,
    activities: list[str],
    customer: Organisation,
    *,
    version: MatrixVersion | None = None,
) -> dict[str, Decision]:
    """:func:`decide` for several activities at once: the relationship and the matrix rows are
    read once (a case page asks about every action it might offer)."""
    if version is None:
        customer_matrix = matrix_for(customer)
        version, relationship = customer_matrix.version, customer_matrix.relationship
    else:
        relationship = _relationship(customer)
    label = version.label

    def answer(activity: str, party: str | None, letters: str, reason: str) -> Decision:
        return Decision(
            activity=activity,
            version_id=version.pk,
            version_label=label,
            party=party,
            letters=letters,
            allowed=performs(letters),
            may_contribute=contributes(letters),
            reason=reason,
        )

    if not actor.is_active:
        return {a: answer(a, None, "", "The person is inactive.") for a in activities}
    party = party_of(actor, relationship)
    if party is None:
        reason = f"{actor.organisation.name} is not a party to {customer.name}."
        return {a: answer(a, None, "", reason) for a in activities}
    rows = _activities(version, activities)
    party_name = Party(party).label
    decisions = {}
    for activity in activities:
        row = rows.get(activity)
        if row is None:
            decisions[activity] = answer(
                activity, party, "", f"{activity} is not an activity of {label}."
            )
            continue
        letters = next((a.letters for a in row.assignments.all() if a.party == party), "")
        if performs(letters):
            verdict = "may perform it"
        elif contributes(letters):
            verdict = "may contribute but not perform it"
        elif letters == "C":
            verdict = "is consulted, and does not perform it"
        elif letters == "I":
            verdict = "is informed, and does not perform it"
        else:
            verdict = "holds no letter for it"
        held = f"holds {format_letters(letters)}" if letters else "holds nothing"
        decisions[activity] = answer(
            activity,
            party,
            letters,
            f"{party_name} {held} for {activity} under {label}: {verdict}.",
        )
    return decisions


def _letters_for(
    activity: str,
    customer: Organisation,
    wanted: str,
    version: MatrixVersion | None,
) -> list[PartyLetters]:
    if version is None:
        customer_matrix = matrix_for(customer)
        version, relationship = customer_matrix.version, customer_matrix.relationship
    else:
        relationship = _relationship(customer)
    row = _activity(version, activity)
    if row is None:
        raise ValidationFailed(
            f"{activity} is not an activity of {version.label}.",
            fields={"activity": "Unknown activity."},
        )
    organisations: dict[str, Organisation | None] = {
        Party.VENDOR: Organisation.objects.filter(kind=OrganisationKind.VENDOR).first(),
        Party.PARTNER: relationship.partner,
        Party.CUSTOMER: relationship.customer,
    }
    holders = [
        assignment
        for assignment in row.assignments.all()
        if any(letter in assignment.letters for letter in wanted)
    ]
    holders.sort(key=lambda a: (0 if "A" in a.letters else 1, Party.values.index(a.party)))
    people = _people_by_organisation(
        [org.pk for a in holders if (org := organisations[a.party]) is not None],
        row.roles,
        customer_id=relationship.customer_id,
    )
    return [
        PartyLetters(
            party=a.party,
            letters=a.letters,
            organisation=organisation,
            people=tuple(people.get(organisation.pk, ())) if organisation else (),
        )
        for a in holders
        for organisation in [organisations[a.party]]
    ]


def _people_by_organisation(
    organisation_ids: list[int], roles: list[str], *, customer_id: int
) -> dict[int, list[Person]]:
    """Active people of these organisations who hold one of the activity's ``roles`` (everyone
    when it names none); the customer's contacts always stand for the customer. Two queries."""
    people = (
        Person.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .select_related("organisation")
        .prefetch_related(Prefetch("roles", queryset=PersonRole.objects.order_by("role")))
        .order_by("full_name", "id")
    )
    wanted = set(roles)
    if wanted:
        people = people.filter(roles__role__in=[*wanted, Role.CUSTOMER_CONTACT]).distinct()
    grouped: dict[int, list[Person]] = {}
    for person in people:
        if _stands_for(person, wanted, customer_id):
            grouped.setdefault(person.organisation_id, []).append(person)
    return grouped


def _stands_for(person: Person, roles: set[str], customer_id: int) -> bool:
    """Whether a person stands behind their party's letter for an activity with ``roles``."""
    if not roles or person.role_codes & roles:
        return True
    return person.organisation_id == customer_id and person.has_role(Role.CUSTOMER_CONTACT)


def responsible_for(
    activity: str, customer: Organisation, *, version: MatrixVersion | None = None
) -> list[PartyLetters]:
    """The accountable party first, then the responsible ones, with their people."""
    return _letters_for(activity, customer, "RA", version)


def to_consult(
    activity: str, customer: Organisation, *, version: MatrixVersion | None = None
) -> list[PartyLetters]:
    """The parties to ask (C) before or during the activity, with their people."""
    return _letters_for(activity, customer, "C", version)


def to_inform(
    activity: str, customer: Organisation, *, version: MatrixVersion | None = None
) -> list[PartyLetters]:
    """The parties to tell (I) after the activity, with their people."""
    return _letters_for(activity, customer, "I", version)


def supporting(
    activity: str, customer: Organisation, *, version: MatrixVersion | None = None
) -> list[PartyLetters]:
    """The parties that help the responsible one (S), with their people."""
    return _letters_for(activity, customer, "S", version)


@dataclass(frozen=True)
class ActivityHolders:
    activity: Activity
    holders: tuple[PartyLetters, ...]


def customer_responsibilities(
    customer: Organisation,
) -> tuple[MatrixVersion, bool, list[ActivityHolders]]:
    """Every activity of the customer's matrix with each party's letter and people (4 queries)."""
    customer_matrix = matrix_for(customer)
    version = customer_matrix.version
    relationship = customer_matrix.relationship
    organisations: dict[str, Organisation | None] = {
        Party.VENDOR: Organisation.objects.filter(kind=OrganisationKind.VENDOR).first(),
        Party.PARTNER: relationship.partner,
        Party.CUSTOMER: relationship.customer,
    }
    everyone = _people_by_organisation(
        [org.pk for org in organisations.values() if org is not None],
        [],
        customer_id=relationship.customer_id,
    )
    rows = []
    for activity in (
        Activity.objects.filter(version=version)
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.order_by("party")))
        .order_by("position", "code")
    ):
        wanted = set(activity.roles)
        holders = []
        for assignment in activity.assignments.all():
            organisation = organisations[assignment.party]
            people = tuple(
                person
                for person in (everyone.get(organisation.pk, []) if organisation else [])
                if _stands_for(person, wanted, relationship.customer_id)
            )
            holders.append(
                PartyLetters(
                    party=assignment.party,
                    letters=assignment.letters,
                    organisation=organisation,
                    people=people,
                )
            )
        rows.append(ActivityHolders(activity=activity, holders=tuple(holders)))
    return version, customer_matrix.pinned, rows


def accountable_party(activity: str, version: MatrixVersion) -> str | None:
    """Which party holds A for ``activity`` in ``version`` (one query; no people)."""
    return (
        Assignment.objects.filter(
            activity__version=version, activity__code=activity, letters__contains="A"
        )
        .values_list("party", flat=True)
        .first()
    )
