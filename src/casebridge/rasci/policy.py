"""The policy engine: the RASCI matrix as the rule for who may act, who is asked, who is told.

Every activity-bound action in casebridge asks :func:`decide`. R and A perform the activity, S
contributes (comments, attachments, answers), C is asked, I is told. :func:`responsible_for`,
:func:`to_consult` and :func:`to_inform` answer with the parties *and* the people behind each
letter, for "who does what", the CLI and notifications alike:

* behind R and A of an activity whose steps ask more than the letter (an :class:`ActingRule`:
  a support level, a verified authorised submitter) stand exactly the active people of the party
  who meet it, whatever their roles: those the policy would let perform it;
* behind any other letter stand the active people who hold one of the activity's roles (the
  customer's contacts always stand for the customer).

The acting rules come from the case workflow table, registered when the cases app is ready
(this layer sits below it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch

from casebridge.core.errors import ValidationFailed
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import (
    AuthorisedSubmitter,
    CustomerRelationship,
    Organisation,
    Person,
    PersonRole,
)
from casebridge.rasci.choices import Party
from casebridge.rasci.letters import contributes, format_letters, performs
from casebridge.rasci.models import Activity, Assignment, MatrixVersion
from casebridge.rasci.selectors import activities_of, customer_relationship, matrix_for


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


@dataclass(frozen=True)
class ActingRule:
    """What performing an activity asks of a person beyond their party's letter."""

    levels: frozenset[str] | None = None
    authorised_submitter: bool = False

    def admits(self, person: Person) -> bool:
        """Whether ``person`` meets the rule (``submitter`` selected with the person)."""
        if self.levels is not None and person.support_level not in self.levels:
            return False
        return not self.authorised_submitter or _verified_submitter(person)


_ACTING_RULES: dict[str, ActingRule] = {}


def acting_rules_register(rules: Mapping[str, ActingRule]) -> None:
    """Record what each activity's steps ask of their performers (the cases app does, once)."""
    _ACTING_RULES.update(rules)


def acting_rule(activity: str) -> ActingRule | None:
    return _ACTING_RULES.get(activity)


def _verified_submitter(person: Person) -> bool:
    try:
        submitter = person.submitter
    except AuthorisedSubmitter.DoesNotExist:
        return False
    return submitter.active and submitter.verified_at is not None


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
    relationship = customer_relationship(customer.pk)
    if relationship is None:
        raise ValidationFailed(
            f"{customer.name} has no customer relationship.",
            fields={"customer": "No relationship."},
        )
    return relationship


def _activity(version: MatrixVersion, code: str) -> Activity | None:
    return activities_of(version.pk).get(code)


def _activities(version: MatrixVersion, codes: list[str]) -> dict[str, Activity]:
    rows = activities_of(version.pk)
    return {code: rows[code] for code in set(codes) if code in rows}


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
        [org.pk for a in holders if (org := organisations[a.party]) is not None]
    )
    return [
        PartyLetters(
            party=a.party,
            letters=a.letters,
            organisation=organisation,
            people=tuple(
                person
                for person in (people.get(organisation.pk, []) if organisation else [])
                if _stands_behind(person, row, a.letters, relationship.customer_id)
            ),
        )
        for a in holders
        for organisation in [organisations[a.party]]
    ]


def _people_by_organisation(organisation_ids: list[int]) -> dict[int, list[Person]]:
    """The active people of these organisations with their roles and submitter record, by
    organisation, in name order (two queries)."""
    people = (
        Person.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .select_related("organisation", "submitter")
        .prefetch_related(Prefetch("roles", queryset=PersonRole.objects.order_by("role")))
        .order_by("full_name", "id")
    )
    grouped: dict[int, list[Person]] = {}
    for person in people:
        grouped.setdefault(person.organisation_id, []).append(person)
    return grouped


def _stands_behind(person: Person, activity: Activity, letters: str, customer_id: int) -> bool:
    """Whether a person stands behind their party's ``letters`` for ``activity``: for R and A
    under an acting rule exactly those who meet it, otherwise the holders of its roles."""
    rule = _ACTING_RULES.get(activity.code) if performs(letters) else None
    if rule is not None:
        return rule.admits(person)
    roles = set(activity.roles)
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
        [org.pk for org in organisations.values() if org is not None]
    )
    rows = []
    for activity in (
        Activity.objects.filter(version=version)
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.order_by("party")))
        .order_by("position", "code")
    ):
        holders = []
        for assignment in activity.assignments.all():
            organisation = organisations[assignment.party]
            people = tuple(
                person
                for person in (everyone.get(organisation.pk, []) if organisation else [])
                if _stands_behind(person, activity, assignment.letters, relationship.customer_id)
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


def performing_parties(activities: list[str], version: MatrixVersion) -> set[str]:
    """The parties holding R or A for any of ``activities`` in ``version`` (one query)."""
    rows = Assignment.objects.filter(
        activity__version=version, activity__code__in=set(activities)
    ).values_list("letters", "party")
    return {party for letters, party in rows if performs(letters)}


def performers_by_activity(activities: list[str], version: MatrixVersion) -> dict[str, set[str]]:
    """For each of ``activities``, the parties holding R or A for it in ``version`` (one query)."""
    rows = Assignment.objects.filter(
        activity__version=version, activity__code__in=set(activities)
    ).values_list("activity__code", "letters", "party")
    found: dict[str, set[str]] = {activity: set() for activity in activities}
    for activity, letters, party in rows:
        if performs(letters):
            found[activity].add(party)
    return found


def accountable_party(activity: str, version: MatrixVersion) -> str | None:
    """Which party holds A for ``activity`` in ``version`` (one query; no people)."""
    return (
        Assignment.objects.filter(
            activity__version=version, activity__code=activity, letters__contains="A"
        )
        .values_list("party", flat=True)
        .first()
    )
