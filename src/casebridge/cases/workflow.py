"""The case workflow as a pure transition table: no ORM, no policy, only what may follow what.

Each transition names the engagement it moves, the states it starts from, the state it ends in,
the RASCI activity that authorises it and the lowest support level the performer must work at.
The services ask the policy engine whether the actor's party holds R or A for that activity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casebridge.cases.choices import CustomerStatus as C
from casebridge.cases.choices import EngagementKind
from casebridge.cases.choices import VendorStatus as V

#: Support levels in order; a performer must work at the required level or higher.
LEVEL_RANK = {"l1_basic": 1, "l2_intermediate": 2, "l2_advanced": 3, "l3_expert": 4}


@dataclass(frozen=True)
class Transition:
    engagement: str
    action: str
    sources: frozenset[str]
    target: str
    activity: str
    level: str | None = None
    reason_required: bool = False
    label: str = ""


def _t(
    engagement: str,
    action: str,
    sources: Iterable[str],
    target: str,
    activity: str,
    *,
    level: str | None = None,
    reason: bool = False,
    label: str = "",
) -> Transition:
    return Transition(
        engagement, action, frozenset(sources), target, activity, level, reason, label or action
    )


CUSTOMER = EngagementKind.CUSTOMER
VENDOR = EngagementKind.VENDOR

TRANSITIONS: tuple[Transition, ...] = (
    # The customer engagement: the partner's desk (the vendor's in model 2) with the customer.
    _t(
        CUSTOMER,
        "triage",
        [C.NEW],
        C.TRIAGE,
        "support.l1",
        level="l1_basic",
        label="Take into triage",
    ),
    _t(
        CUSTOMER,
        "start",
        [C.NEW, C.TRIAGE],
        C.IN_PROGRESS,
        "support.l1",
        level="l1_basic",
        label="Start work",
    ),
    _t(
        CUSTOMER,
        "wait_on_customer",
        [C.IN_PROGRESS],
        C.WAITING_ON_CUSTOMER,
        "support.l1",
        level="l1_basic",
        label="Ask the customer",
    ),
    _t(
        CUSTOMER,
        "resume",
        [C.WAITING_ON_CUSTOMER],
        C.IN_PROGRESS,
        "support.l1",
        level="l1_basic",
        label="Resume",
    ),
    _t(
        CUSTOMER,
        "escalate",
        [C.IN_PROGRESS],
        C.ESCALATED,
        "case.submit",
        label="Escalate to the vendor",
    ),
    _t(
        CUSTOMER,
        "propose_solution",
        [C.IN_PROGRESS, C.ESCALATED],
        C.SOLUTION_PROPOSED,
        "customer.communicate",
        label="Propose a solution",
    ),
    _t(
        CUSTOMER,
        "reject_solution",
        [C.SOLUTION_PROPOSED],
        C.IN_PROGRESS,
        "customer.communicate",
        reason=True,
        label="Solution did not work",
    ),
    _t(
        CUSTOMER,
        "resolve",
        [C.SOLUTION_PROPOSED],
        C.RESOLVED,
        "customer.communicate",
        label="Resolve",
    ),
    _t(CUSTOMER, "close", [C.RESOLVED], C.CLOSED, "customer.communicate", label="Close"),
    _t(
        CUSTOMER,
        "reopen",
        [C.RESOLVED, C.CLOSED],
        C.IN_PROGRESS,
        "customer.communicate",
        reason=True,
        label="Reopen",
    ),
    # The vendor engagement: the vendor's Level 2 Advanced / Level 3 with the submitter.
    _t(
        VENDOR,
        "accept",
        [V.SUBMITTED],
        V.INVESTIGATING,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Accept",
    ),
    _t(
        VENDOR,
        "return",
        [V.SUBMITTED, V.INVESTIGATING],
        V.RETURNED,
        "support.l2_advanced_l3",
        level="l2_advanced",
        reason=True,
        label="Return",
    ),
    _t(VENDOR, "resubmit", [V.RETURNED], V.SUBMITTED, "case.submit", label="Submit again"),
    _t(
        VENDOR,
        "to_expert",
        [V.INVESTIGATING],
        V.EXPERT,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Hand to Level 3",
    ),
    _t(
        VENDOR,
        "to_advanced",
        [V.EXPERT],
        V.INVESTIGATING,
        "support.l2_advanced_l3",
        level="l3_expert",
        label="Hand back to Level 2",
    ),
    _t(
        VENDOR,
        "request_information",
        [V.INVESTIGATING, V.EXPERT],
        V.WAITING_ON_PARTNER,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Ask for information",
    ),
    _t(VENDOR, "answer", [V.WAITING_ON_PARTNER], V.INVESTIGATING, "case.assist", label="Answer"),
    _t(
        VENDOR,
        "provide_solution",
        [V.INVESTIGATING, V.EXPERT],
        V.SOLUTION_PROVIDED,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Provide a solution",
    ),
    _t(
        VENDOR,
        "confirm",
        [V.SOLUTION_PROVIDED],
        V.CONFIRMED,
        "customer.communicate",
        label="Confirm the solution",
    ),
    _t(
        VENDOR,
        "reject",
        [V.SOLUTION_PROVIDED],
        V.INVESTIGATING,
        "case.assist",
        reason=True,
        label="Solution does not work",
    ),
)

_BY_KEY = {(t.engagement, t.action): t for t in TRANSITIONS}
ACTIONS = frozenset(action for _, action in _BY_KEY)
FINAL: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({C.CLOSED}),
    VENDOR: frozenset({V.CONFIRMED}),
}


class IllegalTransition(Exception):
    """The action does not apply in the current state; ``allowed`` lists what does."""

    def __init__(self, engagement: str, status: str, action: str, allowed: list[str]) -> None:
        super().__init__(
            f"{action!r} is not possible while the {engagement} engagement is {status}"
        )
        self.engagement, self.status, self.action, self.allowed = (
            engagement,
            status,
            action,
            allowed,
        )


def available(engagement: str, status: str) -> list[Transition]:
    """Transitions that start from ``status`` on that engagement, in table order."""
    return [t for t in TRANSITIONS if t.engagement == engagement and status in t.sources]


def transition_for(engagement: str, status: str, action: str) -> Transition:
    transition = _BY_KEY.get((engagement, action))
    if transition is None or status not in transition.sources:
        allowed = [t.action for t in available(engagement, status)]
        raise IllegalTransition(engagement, status, action, allowed)
    return transition


def engagement_of(action: str) -> str:
    """Which engagement an action moves (action names are unique across the table)."""
    for (engagement, name), _ in _BY_KEY.items():
        if name == action:
            return engagement
    raise KeyError(action)


def meets_level(level: str | None, required: str | None) -> bool:
    """Whether someone working at ``level`` may act where ``required`` is needed."""
    if required is None:
        return True
    return LEVEL_RANK.get(level or "", 0) >= LEVEL_RANK[required]
