"""Performing a step of the workflow table: one entry point for every action, escalating too.

:func:`case_transition` finds the action's row in ``cases/workflow.py``, checks that it applies
in the engagement's state, asks the RASCI policy and the performer's level, runs the row's guards
over the inputs (:data:`GUARDS`), and then does what the row says: the engagement moves, the
customer side follows, an engagement opens, the tier and timestamps change, the row's event goes
to the outbox. Nothing here knows an action by name; the table does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from casebridge.cases import workflow
from casebridge.cases.audiences import words_addressee, words_audience
from casebridge.cases.choices import (
    CauseAttribution,
    CustomerStatus,
    EngagementKind,
    Priority,
    ReturnReason,
)
from casebridge.cases.escalation import MESSAGES_BY_STATE, escalation_readiness
from casebridge.cases.models import Case, Engagement
from casebridge.cases.services._comments import add_comment
from casebridge.cases.services._common import IllegalAction
from casebridge.cases.services.assignment import auto_assign
from casebridge.cases.services.writing import NEW_REVISION, CaseWrite, case_write
from casebridge.core import clock
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.validation import Errors, clean_multiline, clean_single_line
from casebridge.parties.choices import SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.selectors import submitter_state
from casebridge.rasci import policy
from casebridge.rasci.selectors import vendor_organisation

#: A reason is one line, stored with the case (``version_override_reason`` holds 500).
REASON_LENGTH = 500
Guard = workflow.Guard


@dataclass(frozen=True)
class StepInputs:
    """What a caller may give a step; each guard reads the inputs it names."""

    reason: str = ""
    return_reason: str | None = None
    attribution: str | None = None
    version_override_request: str = ""
    overridden_by: Person | None = None
    override_reason: str = ""
    message: str = ""


@dataclass
class Step:
    """One step being performed: the row, the engagement it moves, the cleaned reason, and what
    the guards add — details for its history line, fields of the case, lines after it."""

    write: CaseWrite
    transition: workflow.Transition
    engagement: Engagement
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    afterwards: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _escalation_gate(step: Step, inputs: StepInputs) -> None:
    case, actor = step.write.case, step.write.actor
    assert actor is not None
    if step.write.engagement(EngagementKind.VENDOR) is not None:
        raise IllegalAction(f"{case.number} is already with the vendor.", fields={"allowed": []})
    errors = Errors()
    request = clean_single_line(
        inputs.version_override_request,
        errors,
        "version_override_request",
        max_length=REASON_LENGTH,
        required=False,
    )
    errors.raise_if_any("The case was not escalated.")
    readiness = escalation_readiness(
        case,
        submitter=actor,
        overridden_by=inputs.overridden_by,
        override_reason=inputs.override_reason,
        override_request=request,
    )
    if not readiness.ready:
        raise ValidationFailed(
            f"{case.number} cannot go to the vendor yet: {len(readiness.problems)} rule(s) unmet.",
            fields=readiness.problems,
            code="escalation_gate",
        )
    step.details["gate"] = readiness.gate_outcome
    step.changes["submitter"] = actor
    step.changes["version_override_request"] = (
        request if readiness.gate_outcome == "override_requested" else ""
    )


def reopen_window_open(engagement: Engagement) -> bool:
    """Whether a closed customer engagement may still reopen (anything else may)."""
    if engagement.status != CustomerStatus.CLOSED or engagement.closed_at is None:
        return True
    window = dt.timedelta(days=settings.CASEBRIDGE_REOPEN_WINDOW_DAYS)
    return clock.now() - engagement.closed_at <= window


def _reopen_window(step: Step, inputs: StepInputs) -> None:
    if not reopen_window_open(step.engagement):
        raise IllegalAction(
            f"{step.write.case.number} was closed too long ago to reopen; open a new case.",
            fields={"allowed": []},
        )


def _return_reason(step: Step, inputs: StepInputs) -> None:
    if inputs.return_reason not in ReturnReason.values:
        raise ValidationFailed(
            "Say why the case goes back.",
            fields={"return_reason": f"One of: {', '.join(ReturnReason.values)}."},
        )
    step.details["return_reason"] = inputs.return_reason


def _cause_attribution(step: Step, inputs: StepInputs) -> None:
    attribution = inputs.attribution
    if not attribution and step.write.case.priority != Priority.P1:
        return
    if attribution not in CauseAttribution.values:
        raise ValidationFailed(
            "Say what caused the problem: a Priority 1 closes into a root-cause analysis.",
            fields={"attribution": f"One of: {', '.join(CauseAttribution.values)}."},
        )
    step.details["attribution"] = attribution
    step.changes["cause_attribution"] = attribution


def _version_override(step: Step, inputs: StepInputs) -> None:
    case = step.write.case
    if not case.version_override_request or case.version_override_by_id is not None:
        return
    if not step.reason:
        raise ValidationFailed(
            "Accepting a case on an unsupported version overrides the upgrade rule: say why.",
            fields={"reason": "Required to accept despite the version."},
        )
    step.changes["version_override_by"] = step.write.actor
    step.changes["version_override_reason"] = step.reason
    step.afterwards.append(
        ("version_override_granted", {"version": case.version, "reason": step.reason})
    )


#: What each guard of the table checks and adds (a test proves every guard has one).
GUARDS: dict[Guard, Callable[[Step, StepInputs], None]] = {
    Guard.ESCALATION_GATE: _escalation_gate,
    Guard.REOPEN_WINDOW: _reopen_window,
    Guard.RETURN_REASON: _return_reason,
    Guard.CAUSE_ATTRIBUTION: _cause_attribution,
    Guard.VERSION_OVERRIDE: _version_override,
}


def _authorise(actor: Person, case: Case, transition: workflow.Transition) -> None:
    decision = policy.decide(actor, transition.activity, case.customer, version=case.matrix_version)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    if not workflow.meets_level(actor.support_level, transition.level):
        raise PermissionDenied(
            f"{transition.label} needs someone working at {transition.level} or above."
        )
    if transition.authorised_submitter and Guard.ESCALATION_GATE not in transition.guards:
        # The escalation gate checks this with its other rules; submitting again asks here.
        state = submitter_state(actor)
        if state != SubmitterState.AUTHORISED:
            raise PermissionDenied(f"{transition.label}: {MESSAGES_BY_STATE[state]}")


def _legal(write: CaseWrite, action: str) -> tuple[workflow.Transition, Engagement]:
    """The row of ``action`` that applies to the case now, and the engagement it moves."""
    case = write.case
    if action not in workflow.ACTIONS:
        raise ValidationFailed(
            f"{action!r} is not an action.",
            fields={"action": f"One of: {', '.join(sorted(workflow.ACTIONS))}."},
        )
    kind = workflow.engagement_of(action)
    engagement = write.engagement(kind)
    if engagement is None:
        raise IllegalAction(f"{case.number} has no {kind} engagement yet.", fields={"allowed": []})
    try:
        transition = workflow.transition_for(kind, engagement.status, action)
    except workflow.IllegalTransition as error:
        refused = workflow.row_of(action).refused
        raise IllegalAction(
            refused.format(status=engagement.status)
            if refused
            else f"{action!r} is not possible while the {kind} engagement is "
            f"{engagement.status}; possible: {', '.join(error.allowed) or 'nothing'}.",
            fields={"allowed": error.allowed},
        ) from error
    return transition, engagement


def _clean_reason(transition: workflow.Transition, reason: str) -> str:
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
    return reason


#: The longest message a step posts (as long as any message).
MESSAGE_LENGTH = 50_000


@dataclass(frozen=True)
class StepWords:
    """The message a step posts, checked, with the audience it goes to."""

    body: str
    audience: str


def _clean_words(
    write: CaseWrite, transition: workflow.Transition, message: str
) -> StepWords | None:
    """The step's words, checked before anything is written: required where the table says so,
    refused where the step takes none, and addressed to the audience the table's rule gives
    (refused when the writer may address no audience all its readers read)."""
    words = transition.words
    errors = Errors()
    if words is None:
        if message.strip():
            errors.add("message", f"{transition.label} takes no message; send it as a reply.")
        errors.raise_if_any(f"{transition.label} was not done.")
        return None
    actor = write.actor
    assert actor is not None
    body = clean_multiline(
        message,
        errors,
        "message",
        max_length=MESSAGE_LENGTH,
        required=words.required,
        required_message=f"Write the {words.what}.",
    )
    audience = None
    if body:
        audience = words_audience(actor, write.case, transition)
        if audience is None:
            errors.add(
                "message",
                f"Your organisation cannot write to {words_addressee(write.case, transition)}.",
            )
    errors.raise_if_any(
        f"{transition.label} needs the {words.what}."
        if not body and words.required
        else f"{transition.label} was not done."
    )
    if audience is None:
        return None
    return StepWords(body, audience)


def perform(step: Step) -> None:
    """Do what the step's row says, inside its write: the engagement moves (its history line
    carries the reason and the guards' details), the customer side follows, the engagement the
    row opens opens (and is assigned if its desk assigns automatically), the guards' lines
    follow, and the case takes the row's tier, timestamps and the guards' fields."""
    write, transition, engagement = step.write, step.transition, step.engagement
    before = write.move(engagement, transition.target)
    write.record(
        transition.action,
        engagement=engagement.kind,
        audience=workflow.STEP_AUDIENCE[engagement.kind],
        before={"status": before},
        after={
            "status": transition.target,
            **({"reason": step.reason} if step.reason else {}),
            **step.details,
        },
    )
    if transition.customer_follows is not None:
        customer_side = write.engagement(EngagementKind.CUSTOMER)
        assert customer_side is not None
        followed_from = write.move(customer_side, transition.customer_follows)
        write.record(
            "status_followed",
            engagement=EngagementKind.CUSTOMER,
            before={"status": followed_from},
            after={"status": transition.customer_follows, "why": transition.follows_why},
        )
    opened = None
    if transition.opens is not None:
        actor = write.actor
        assert actor is not None
        assert transition.tier_after is not None
        opened = write.open_engagement(transition.opens, tier=transition.tier_after)
        write.record(
            "submitted",
            engagement=transition.opens,
            audience=workflow.STEP_AUDIENCE[transition.opens],
            after={"status": opened.status, "submitter": actor.email},
        )
    for kind, details in step.afterwards:
        write.record(
            kind,
            engagement=engagement.kind,
            audience=workflow.STEP_AUDIENCE[engagement.kind],
            after=details,
        )
    moment = clock.now()
    changes: dict[str, Any] = {name: moment for name in sorted(transition.stamps)}
    changes.update({name: None for name in sorted(transition.clears)})
    if transition.tier_after is not None:
        changes["tier"] = transition.tier_after
    write.change(**changes, **step.changes)
    if opened is not None:
        auto_assign(write, opened, vendor_organisation())


def case_transition(
    *,
    actor: Person,
    case: Case,
    action: str,
    expected_revision: int | None,
    reason: str = "",
    return_reason: str | None = None,
    attribution: str | None = None,
    version_override_request: str = "",
    overridden_by: Person | None = None,
    override_reason: str = "",
    message: str = "",
) -> Case:
    """Perform one step of the workflow table (any action, escalating too) in one write.

    The inputs are read by the row's guards: ``reason`` (required where the row says so, and
    to accept a case on an unsupported version), ``return_reason`` to return a case,
    ``attribution`` to resolve a Priority 1 (it decides who owns its RCA),
    ``version_override_request`` to escalate an unsupported version (the vendor engineer who
    accepts the case then grants the override with a reason, or returns it), ``overridden_by``
    and ``override_reason`` for a vendor engineer letting an escalation past the installed
    base's rule.

    ``message`` is the step's words where the table gives it some (the question, the solution,
    the explanation): posted as a message to the audience the table's rule gives, in the same
    write as the step, so a refusal of either stores neither."""
    inputs = StepInputs(
        reason=reason,
        return_reason=return_reason,
        attribution=attribution,
        version_override_request=version_override_request,
        overridden_by=overridden_by,
        override_reason=override_reason,
        message=message,
    )
    with case_write(case, actor=actor, expected_revision=expected_revision) as write:
        transition, engagement = _legal(write, action)
        _authorise(actor, write.case, transition)
        step = Step(write, transition, engagement, _clean_reason(transition, inputs.reason))
        for guard in transition.guards:
            GUARDS[guard](step, inputs)
        words = _clean_words(write, transition, inputs.message)
        perform(step)
        if words is not None:
            add_comment(write, words.audience, words.body)
        write.emit(
            transition.event,
            _step_payload(write.case, actor, keyed=transition.event_keyed),
            keyed_by_revision=transition.event_keyed,
        )
    return write.case


def _step_payload(case: Case, actor: Person, *, keyed: bool) -> dict[str, Any]:
    revision: dict[str, Any] = {} if keyed else {"revision": NEW_REVISION}
    return {
        "case_id": case.pk,
        "number": case.number,
        **revision,
        "priority": case.priority,
        "actor_id": actor.pk,
    }
