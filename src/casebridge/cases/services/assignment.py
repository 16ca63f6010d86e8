"""Automatic assignment: a case arriving at a desk that assigns automatically goes to one of
the desk's working people (agents at a partner, engineers at the vendor) whose support level is
not below the level the case is worked at — in turn (round-robin) or to the one with the fewest
open cases on that side (least loaded, ties to the one who has waited longest in turn order).

It runs inside the write that brings the case to the desk (its opening, its escalation), so the
case is never seen unassigned; a desk that does not assign automatically costs no query."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from casebridge.cases.models import Engagement
from casebridge.cases.services._levels import level_condition
from casebridge.cases.services.details import _give
from casebridge.cases.services.writing import CaseWrite
from casebridge.parties.choices import (
    AutoAssignment,
    OrganisationKind,
    Role,
)
from casebridge.parties.models import Organisation, Person

#: The role that works cases at each kind of desk.
WORKING_ROLE = {OrganisationKind.PARTNER: Role.AGENT, OrganisationKind.VENDOR: Role.ENGINEER}


def assignment_candidates(desk: Organisation, tier: str) -> QuerySet[Person]:
    """The desk's active working people who may take a case worked at ``tier``: their level is
    ``tier`` or above (a person without a level counts at the desk's first level)."""
    role = WORKING_ROLE.get(desk.kind)  # type: ignore[call-overload]
    if role is None:
        return Person.objects.none()
    return (
        Person.objects.filter(organisation=desk, is_active=True, roles__role=role)
        .filter(level_condition(desk, tier))
        .distinct()
        .order_by("pk")
    )


def _chosen(desk: Organisation, candidates: QuerySet[Person], side: str) -> Person | None:
    if desk.auto_assignment == AutoAssignment.ROUND_ROBIN:
        last = desk.auto_assigned_last_id or 0
        return candidates.filter(pk__gt=last).first() or candidates.first()
    open_on_side = Engagement.objects.filter(
        kind=side, closed_at__isnull=True, assignee_id__in=candidates.values("pk")
    )
    loads = dict(
        open_on_side.values_list("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    people = list(candidates)
    if not people:
        return None
    last = desk.auto_assigned_last_id or 0
    # Fewest open cases first; among equals, the next in turn after the last one chosen.
    return min(people, key=lambda p: (loads.get(p.pk, 0), p.pk <= last, p.pk))


def auto_assign(
    write: CaseWrite, engagement: Engagement, desk: Organisation | None
) -> Person | None:
    """Within ``write``, give ``engagement`` to one of ``desk``'s people if the desk assigns
    automatically and the side has nobody; returns who."""
    if desk is None or desk.auto_assignment == AutoAssignment.OFF or engagement.assignee_id:
        return None
    # The desk's row serialises its automatic assignments (two cases at once go to two people).
    desk = Organisation.objects.select_for_update().get(pk=desk.pk)
    person = _chosen(desk, assignment_candidates(desk, engagement.tier), engagement.kind)
    if person is None:
        return None
    Organisation.objects.filter(pk=desk.pk).update(auto_assigned_last_id=person.pk)
    _give(write, engagement, person, rule=desk.auto_assignment)
    return person
