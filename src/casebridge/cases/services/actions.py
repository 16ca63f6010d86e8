"""Workflow actions and escalation: the table, the policy, the gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from casebridge.cases import workflow
from casebridge.cases.choices import (
    Audience,
    CauseAttribution,
    CustomerStatus,
    EngagementKind,
    Priority,
    ReturnReason,
    VendorStatus,
)
from casebridge.cases.escalation import MESSAGES_BY_STATE, escalation_readiness
from casebridge.cases.models import (
    Case,
    Engagement,
)
from casebridge.cases.services._common import (
    IllegalAction,
    _bump,
    _engagement,
    _event,
    _lock,
    _move_customer,
)
from casebridge.cases.services.assignment import auto_assign
from casebridge.cases.services.clocks import clocks_refresh
from casebridge.core import clock
from casebridge.core.errors import (
    PermissionDenied,
    ValidationFailed,
)
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_single_line
from casebridge.parties.choices import SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.selectors import submitter_state
from casebridge.rasci import policy
from casebridge.rasci.selectors import vendor_organisation

#: A reason is one line, stored with the case (``version_override_reason`` holds 500).
REASON_LENGTH = 500


def _authorise(actor: Person, case: Case, transition: workflow.Transition) -> None:
    decision = policy.decide(actor, transition.activity, case.customer, version=case.matrix_version)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    if not workflow.meets_level(actor.support_level, transition.level):
        raise PermissionDenied(
            f"{transition.label} needs someone working at {transition.level} or above."
        )
    if transition.authorised_submitter and transition.action != "escalate":
        # Escalating checks this in its gate, with the other rules; submitting again asks too.
        state = submitter_state(actor)
        if state != SubmitterState.AUTHORISED:
            raise PermissionDenied(f"{transition.label}: {MESSAGES_BY_STATE[state]}")


def _move(
    case: Case,
    engagement: Engagement,
    transition: workflow.Transition,
    actor: Person,
    reason: str,
    **details: Any,
) -> None:
    before = engagement.status
    moment = clock.now()
    engagement.status = transition.target
    engagement.status_changed_at = moment
    if transition.target in workflow.FINAL[engagement.kind]:
        engagement.closed_at = moment
    elif engagement.closed_at is not None:
        engagement.closed_at = None
    engagement.save(update_fields=["status", "status_changed_at", "closed_at", "updated_at"])
    _event(
        case,
        actor,
        transition.action,
        engagement=engagement.kind,
        audience=workflow.STEP_AUDIENCE[engagement.kind],
        before={"status": before},
        after={"status": transition.target, **({"reason": reason} if reason else {}), **details},
    )


def _reopen_window_open(case: Case, engagement: Engagement) -> bool:
    if engagement.status != CustomerStatus.CLOSED or engagement.closed_at is None:
        return True
    window = dt.timedelta(days=settings.CASEBRIDGE_REOPEN_WINDOW_DAYS)
    return clock.now() - engagement.closed_at <= window


@transaction.atomic
def case_act(
    *,
    actor: Person,
    case: Case,
    action: str,
    expected_revision: int | None,
    reason: str = "",
    return_reason: str | None = None,
    attribution: str | None = None,
) -> Case:
    """Perform one workflow action (everything except escalating, which has its own gate).

    Resolving a Priority 1 records the cause ``attribution``, which decides who owns its RCA."""
    case = _lock(case, expected_revision)
    if action not in workflow.ACTIONS:
        raise ValidationFailed(
            f"{action!r} is not an action.",
            fields={"action": f"One of: {', '.join(sorted(workflow.ACTIONS))}."},
        )
    if action == "escalate":
        raise ValidationFailed(
            "Escalation goes through the escalation gate.", fields={"action": "Use escalate."}
        )
    kind = workflow.engagement_of(action)
    engagement = _engagement(case, kind)
    if engagement is None:
        raise IllegalAction(f"{case.number} has no {kind} engagement yet.", fields={"allowed": []})
    try:
        transition = workflow.transition_for(kind, engagement.status, action)
    except workflow.IllegalTransition as error:
        raise IllegalAction(
            f"{action!r} is not possible while the {kind} engagement is {engagement.status}; "
            f"possible: {', '.join(error.allowed) or 'nothing'}.",
            fields={"allowed": error.allowed},
        ) from error
    _authorise(actor, case, transition)
    errors = Errors()
    reason = clean_single_line(
        reason,
        errors,
        "reason",
        max_length=REASON_LENGTH,
        required=transition.reason_required,
        required_message="Required.",
    )
    errors.raise_if_any(
        f"{transition.label} needs a reason."
        if not reason
        else f"{transition.label} was not done: the reason is not valid."
    )
    details: dict[str, Any] = {}
    if action == "return":
        if return_reason not in ReturnReason.values:
            raise ValidationFailed(
                "Say why the case goes back.",
                fields={"return_reason": f"One of: {', '.join(ReturnReason.values)}."},
            )
        details["return_reason"] = return_reason
    if action == "resolve" and (attribution or case.priority == Priority.P1):
        if attribution not in CauseAttribution.values:
            raise ValidationFailed(
                "Say what caused the problem: a Priority 1 closes into a root-cause analysis.",
                fields={"attribution": f"One of: {', '.join(CauseAttribution.values)}."},
            )
        details["attribution"] = attribution
    pending_override = (
        action == "accept" and case.version_override_request and case.version_override_by_id is None
    )
    if pending_override and not reason:
        raise ValidationFailed(
            "Accepting a case on an unsupported version overrides the upgrade rule: say why.",
            fields={"reason": "Required to accept despite the version."},
        )
    if action == "reopen" and not _reopen_window_open(case, engagement):
        raise IllegalAction(
            f"{case.number} was closed too long ago to reopen; open a new case.",
            fields={"allowed": []},
        )
    _move(case, engagement, transition, actor, reason, **details)
    changes: dict[str, Any] = {}
    customer_side = (
        engagement
        if engagement.kind == EngagementKind.CUSTOMER
        else _engagement(case, EngagementKind.CUSTOMER)
    )
    assert customer_side is not None
    if action == "return":
        # The vendor sends it back: the customer engagement is worked again at the desk.
        _move_customer(
            case, customer_side, workflow.CUSTOMER_FOLLOWS[action], actor, "returned by the vendor"
        )
        changes["tier"] = "l2_intermediate"
    elif action == "resubmit":
        _move_customer(
            case, customer_side, workflow.CUSTOMER_FOLLOWS[action], actor, "submitted again"
        )
        changes["tier"] = "l2_advanced"
    elif action == "accept" and pending_override:
        changes["version_override_by"] = actor
        changes["version_override_reason"] = reason
        _event(
            case,
            actor,
            "version_override_granted",
            engagement=EngagementKind.VENDOR,
            audience=Audience.PARTNER_VENDOR,
            after={"version": case.version, "reason": reason},
        )
    elif action == "to_expert":
        changes["tier"] = "l3_expert"
    elif action == "to_advanced":
        changes["tier"] = "l2_advanced"
    elif action == "confirm":
        _move_customer(
            case, customer_side, workflow.CUSTOMER_FOLLOWS[action], actor, "vendor solution"
        )
    elif action == "resolve" and "attribution" in details:
        changes["cause_attribution"] = details["attribution"]
    elif action == "close":
        changes["closed_at"] = clock.now()
    elif action == "reopen":
        changes["closed_at"] = None
    clocks_refresh(case, engagements=[engagement, customer_side], bump=changes)
    outbox_record(
        kind=f"case.{action}",
        payload={
            "case_id": case.pk,
            "number": case.number,
            "revision": case.revision,
            "priority": case.priority,
            "actor_id": actor.pk,
        },
    )
    return case


@transaction.atomic
def case_escalate(
    *,
    actor: Person,
    case: Case,
    expected_revision: int | None,
    overridden_by: Person | None = None,
    override_reason: str = "",
    version_override_request: str = "",
) -> Case:
    """Send a fully detailed case to the vendor; every unmet rule of the gate is listed at once.

    With ``version_override_request`` an unsupported version may go through: the vendor
    engineer who accepts the case then grants the override with a reason, or returns it."""
    case = _lock(case, expected_revision)
    customer_side = _engagement(case, EngagementKind.CUSTOMER)
    assert customer_side is not None
    try:
        transition = workflow.transition_for(
            EngagementKind.CUSTOMER, customer_side.status, "escalate"
        )
    except workflow.IllegalTransition as error:
        raise IllegalAction(
            f"A case is escalated while in progress, not while {customer_side.status}.",
            fields={"allowed": error.allowed},
        ) from error
    _authorise(actor, case, transition)
    if Engagement.objects.filter(case=case, kind=EngagementKind.VENDOR).exists():
        raise IllegalAction(f"{case.number} is already with the vendor.", fields={"allowed": []})
    errors = Errors()
    request = clean_single_line(
        version_override_request,
        errors,
        "version_override_request",
        max_length=REASON_LENGTH,
        required=False,
    )
    errors.raise_if_any("The case was not escalated.")
    readiness = escalation_readiness(
        case,
        submitter=actor,
        overridden_by=overridden_by,
        override_reason=override_reason,
        override_request=request,
    )
    if not readiness.ready:
        raise ValidationFailed(
            f"{case.number} cannot go to the vendor yet: {len(readiness.problems)} rule(s) unmet.",
            fields=readiness.problems,
            code="escalation_gate",
        )
    moment = clock.now()
    _move(case, customer_side, transition, actor, "", gate=readiness.gate_outcome)
    vendor_side = Engagement.objects.create(
        case=case,
        kind=EngagementKind.VENDOR,
        status=workflow.OPENS_AT[EngagementKind.VENDOR],
        tier="l2_advanced",
        opened_at=moment,
        status_changed_at=moment,
    )
    _event(
        case,
        actor,
        "submitted",
        engagement=EngagementKind.VENDOR,
        audience=Audience.PARTNER_VENDOR,
        after={"status": VendorStatus.SUBMITTED, "submitter": actor.email},
    )
    _bump(
        case,
        submitter=actor,
        escalated_at=moment,
        tier="l2_advanced",
        version_override_request=request if readiness.gate_outcome == "override_requested" else "",
    )
    auto_assign(case, vendor_side, vendor_organisation())
    clocks_refresh(case)
    outbox_record(
        kind="case.escalated",
        dedup_key=f"case.escalated:{case.pk}:{case.revision}",
        payload={
            "case_id": case.pk,
            "number": case.number,
            "priority": case.priority,
            "actor_id": actor.pk,
        },
    )
    return case
