"""Filling in a case's details and assigning it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from casebridge.cases import events, search
from casebridge.cases.choices import (
    Audience,
    CauseAttribution,
    EngagementKind,
    Priority,
)
from casebridge.cases.models import Case, Engagement
from casebridge.cases.services._common import (
    GUIDELINE_FIELDS,
    CaseClosed,
    IllegalAction,
    _clean_guidelines,
    _jsonable,
)
from casebridge.cases.services._levels import may_take
from casebridge.cases.services.writing import CaseWrite, case_write
from casebridge.core.errors import (
    PermissionDenied,
    ValidationFailed,
)
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.installed_base.models import Component
from casebridge.parties.choices import OrganisationKind, SupportLevel
from casebridge.parties.models import Person
from casebridge.rasci import policy


def can_edit_details(actor: Person, case: Case) -> bool:
    """The customer's own people, and whoever runs its Level 1 or submits its cases; nobody
    once the case is closed."""
    if case.closed_at is not None:
        return False
    if actor.organisation_id == case.customer_id:
        return True
    return any(
        policy.decide(actor, activity, case.customer, version=case.matrix_version).allowed
        for activity in ("support.l1", "case.submit")
    )


#: The details whose change rewrites the case's search entry.
SEARCHED_DETAILS = frozenset({"title", "description", *search.TEXT_GUIDELINES})
DETAIL_FIELDS = ("title", "description", "component", "version", *GUIDELINE_FIELDS)


def case_update_details(
    *, actor: Person, case: Case, expected_revision: int | None, changes: Mapping[str, Any]
) -> Case:
    """Fill in or correct the case's description and guideline fields before escalation."""
    with case_write(case, actor=actor, expected_revision=expected_revision, clocks=False) as write:
        _update_details(write, changes)
    return write.case


def _update_details(write: CaseWrite, changes: Mapping[str, Any]) -> None:
    case, actor = write.case, write.actor
    assert actor is not None
    if case.closed_at is not None:
        raise CaseClosed(
            f"{case.number} is closed: its details are read-only. Reply to it to reopen it.",
            fields={"case": "Closed."},
        )
    if not can_edit_details(actor, case):
        raise PermissionDenied("You may not change this case's details.")
    errors = Errors()
    unknown = sorted(set(changes) - set(DETAIL_FIELDS))
    if unknown:
        errors.add("fields", f"Not editable: {', '.join(unknown)}.")
    values = _clean_guidelines(changes, errors)
    if "title" in changes:
        values["title"] = clean_single_line(changes["title"], errors, "title", max_length=200)
    if "description" in changes:
        values["description"] = clean_multiline(
            changes["description"],
            errors,
            "description",
            max_length=50_000,
            required=True,
            required_message="Describe the problem.",
        )
    if "version" in changes:
        values["version"] = clean_single_line(
            changes["version"], errors, "version", max_length=40, required=False
        )
    if "component" in changes:
        code = changes["component"] or None
        if code is not None and not Component.objects.filter(code=code).exists():
            errors.add("component", f"Unknown component {code!r}.")
        values["component_id"] = code
    errors.raise_if_any("The case was not changed.")
    before = {name: _jsonable(getattr(case, name)) for name in values}
    after = {name: _jsonable(value) for name, value in values.items()}
    changed_names = [name for name in values if before[name] != after[name]]
    if not changed_names:
        return
    write.record(
        "details_changed",
        audience=Audience.PUBLIC,
        before={name: before[name] for name in changed_names},
        after={name: after[name] for name in changed_names},
    )
    write.change(**{name: values[name] for name in changed_names})
    if set(changed_names) & SEARCHED_DETAILS:
        search.index_case(case)


def case_assign(
    *,
    actor: Person,
    case: Case,
    engagement: str,
    assignee: Person | None,
    expected_revision: int | None = None,
) -> Case:
    """Give one side of the case to a person of the organisation that works that side."""
    with case_write(case, actor=actor, expected_revision=expected_revision, clocks=False) as write:
        _assign(write, engagement, assignee)
    return write.case


def _assign(write: CaseWrite, engagement: str, assignee: Person | None) -> None:
    case, actor = write.case, write.actor
    assert actor is not None
    side = write.engagement(engagement)
    if side is None:
        raise IllegalAction(
            f"{case.number} has no {engagement} engagement.", fields={"allowed": []}
        )
    decision = policy.decide(
        actor, _work_activity(engagement), case.customer, version=case.matrix_version
    )
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    if assignee is not None and (
        not assignee.is_active or assignee.organisation_id != actor.organisation_id
    ):
        raise ValidationFailed(
            "The case was not assigned.",
            fields={"assignee_id": "Assign to an active colleague of your organisation."},
        )
    if assignee is not None and not may_take(assignee, side.tier):
        raise ValidationFailed(
            "The case was not assigned.",
            fields={
                "assignee_id": f"{assignee.full_name} works at "
                f"{_level_label(assignee.support_level)}; this case is worked at "
                f"{_level_label(side.tier)} or above."
            },
        )
    _give(write, side, assignee)


def _level_label(level: str) -> str:
    return str(dict(SupportLevel.choices).get(level, level or "no level"))


def side_worked_by(actor: Person, case: Case) -> str:
    """The engagement an actor's organisation works on a case: the vendor its own once the
    case is escalated, everyone else (and the vendor's model-2 desk) the customer's."""
    if actor.organisation.kind == OrganisationKind.VENDOR and case.vendor_status:
        return EngagementKind.VENDOR
    return EngagementKind.CUSTOMER


def _work_activity(side: str) -> str:
    """The matrix activity whose R/A works (and assigns) a side of a case."""
    return "support.l1" if side == EngagementKind.CUSTOMER else "support.l2_advanced_l3"


def assignable_side(actor: Person, case: Case) -> str | None:
    """The engagement the actor may give to someone of its organisation (itself included):
    the side its organisation works, when the policy lets it work that side; else None."""
    if case.closed_at is not None or actor.organisation.kind == OrganisationKind.CUSTOMER:
        return None
    side = side_worked_by(actor, case)
    decision = policy.decide(
        actor, _work_activity(side), case.customer, version=case.matrix_version
    )
    return side if decision.allowed else None


def _give(write: CaseWrite, side: Engagement, assignee: Person | None, rule: str = "") -> None:
    """Within ``write``, ``side`` of the case now has ``assignee``: the engagement, the history
    line (by the system when an automatic ``rule`` chose), the case row, and — when the assignee
    changed — the ``case.assigned`` event that alerts them."""
    case = write.case
    before = side.assignee_id
    write.give(side, assignee)
    after: dict[str, Any] = {"assignee_id": assignee.pk if assignee else None}
    if rule:
        after["rule"] = rule
    write.record(
        "assigned",
        engagement=side.kind,
        audience=Audience.PARTNER_VENDOR,
        before={"assignee_id": before},
        after=after,
        by_system=bool(rule),
    )
    write.change(assignee=assignee)
    if after["assignee_id"] != before:
        actor = None if rule else write.actor
        write.emit(
            events.ASSIGNED,
            {
                "case_id": case.pk,
                "number": case.number,
                "engagement": side.kind,
                "assignee_id": after["assignee_id"],
                "actor_id": actor.pk if actor else None,
            },
        )


def can_change_priority(actor: Person, case: Case) -> bool:
    """Whoever works either side of the case: the desk (support.l1) or the vendor's engineers."""
    return any(
        policy.decide(actor, activity, case.customer, version=case.matrix_version).allowed
        for activity in ("support.l1", "support.l2_advanced_l3")
    )


def case_change_priority(
    *,
    actor: Person,
    case: Case,
    priority: str,
    reason: str,
    expected_revision: int | None = None,
) -> Case:
    """Re-prioritise a case with a reason; its running clocks take the new targets at once,
    counted from their start (time already spent and paused time are kept)."""
    with case_write(case, actor=actor, expected_revision=expected_revision) as write:
        _change_priority(write, priority, reason)
    return write.case


def _change_priority(write: CaseWrite, priority: str, reason: str) -> None:
    case, actor = write.case, write.actor
    assert actor is not None
    if not can_change_priority(actor, case):
        raise PermissionDenied("Only the people working this case change its priority.")
    errors = Errors()
    clean_choice(priority, Priority, errors, "priority")
    if priority == case.priority:
        errors.add("priority", f"{case.number} is already {priority}.")
    reason = clean_single_line(
        reason, errors, "reason", max_length=300, required_message="Say why the priority changes."
    )
    errors.raise_if_any("The priority was not changed.")
    before = case.priority
    write.record(
        "priority_changed",
        audience=Audience.PUBLIC,
        before={"priority": before},
        after={"priority": priority, "reason": reason},
    )
    write.change(priority=priority, priority_override_reason=reason)
    write.emit(
        events.PRIORITY_CHANGED,
        {"case_id": case.pk, "number": case.number, "before": before, "after": priority},
    )


def case_set_attribution(
    *,
    actor: Person,
    case: Case,
    attribution: str,
    reason: str,
    expected_revision: int | None = None,
) -> Case:
    """Correct what caused the problem; for a Priority 1 this reassigns its RCA."""
    with case_write(case, actor=actor, expected_revision=expected_revision, clocks=False) as write:
        _set_attribution(write, attribution, reason)
    return write.case


def _set_attribution(write: CaseWrite, attribution: str, reason: str) -> None:
    case, actor = write.case, write.actor
    assert actor is not None
    if not can_change_priority(actor, case):
        raise PermissionDenied("Only the people working this case record its cause.")
    errors = Errors()
    clean_choice(attribution, CauseAttribution, errors, "attribution")
    if attribution == case.cause_attribution:
        errors.add("attribution", "That is already the recorded cause.")
    reason = clean_single_line(
        reason, errors, "reason", max_length=300, required_message="Say why the cause changes."
    )
    errors.raise_if_any("The cause was not changed.")
    before = case.cause_attribution
    write.record(
        "attribution_changed",
        audience=Audience.PARTNER_VENDOR,
        before={"attribution": before},
        after={"attribution": attribution, "reason": reason},
    )
    write.change(cause_attribution=attribution)
    write.emit(
        events.ATTRIBUTION_CHANGED,
        {"case_id": case.pk, "number": case.number, "before": before, "after": attribution},
    )
