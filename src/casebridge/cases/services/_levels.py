"""Who may take a case worked at a support level: a person whose level is that level or above,
at the desk's own levels (a person without a level counts at the desk's first level)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casebridge.parties.choices import LEVELS_BY_ORGANISATION_KIND, SupportLevel
from casebridge.parties.models import Organisation, Person

#: Support levels from the first line up.
LEVEL_ORDER = list(SupportLevel.values)


def eligible_levels(desk_kind: str, tier: str) -> list[str]:
    """The levels of a ``desk_kind`` desk that may work a case at ``tier``; with ``""`` when
    the desk's first level may (people without a level count there)."""
    own = [level for level in LEVEL_ORDER if level in LEVELS_BY_ORGANISATION_KIND[desk_kind]]
    floor = LEVEL_ORDER.index(tier) if tier in LEVEL_ORDER else 0
    eligible = [level for level in own if LEVEL_ORDER.index(level) >= floor]
    if own and own[0] in eligible:
        eligible.append("")
    return eligible


def level_condition(desk: Organisation, tier: str) -> Q:
    return Q(support_level__in=eligible_levels(desk.kind, tier))


def assignable_people(desk: Organisation, tier: str) -> QuerySet[Person]:
    """The desk's active people who may take a case worked at ``tier``, by name."""
    return (
        Person.objects.filter(organisation=desk, is_active=True)
        .filter(level_condition(desk, tier))
        .order_by("full_name", "pk")
    )


def may_take(person: Person, tier: str) -> bool:
    return person.support_level in eligible_levels(person.organisation.kind, tier)
