"""The case workflow as a pure transition table: no ORM, no policy, only what may follow what.

Each transition names the engagement it moves, the states it starts from, the state it ends in,
the RASCI activity that authorises it, the lowest support level the performer must work at and
whether the performer must be a verified authorised submitter. The services ask the policy
engine whether the actor's party holds R or A for that activity.

The table also says where a case waits after each step (:func:`waiting_after`, :func:`waiting_now`):
the steps that may move it on, whose performers must act next. Notifications alert them, the
composer's default audience reaches them, and "who does what" names the same people
(:func:`acting_requirements`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casebridge.cases.choices import Audience, EngagementKind
from casebridge.cases.choices import CustomerStatus as C
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
    authorised_submitter: bool = False


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
    submitter: bool = False,
) -> Transition:
    return Transition(
        engagement,
        action,
        frozenset(sources),
        target,
        activity,
        level,
        reason,
        label or action,
        submitter,
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
        submitter=True,
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
    _t(
        VENDOR,
        "resubmit",
        [V.RETURNED],
        V.SUBMITTED,
        "case.submit",
        label="Submit again",
        submitter=True,
    ),
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
#: The state each engagement opens in: a case opens new, an escalation opens the vendor's side.
OPENS_AT: dict[str, str] = {CUSTOMER: C.NEW, VENDOR: V.SUBMITTED}
#: Where the customer engagement follows a vendor step to (the service moves it in the same
#: write): a returned case is worked at the desk again, a confirmed solution is proposed.
CUSTOMER_FOLLOWS: dict[str, str] = {
    "return": C.IN_PROGRESS,
    "resubmit": C.ESCALATED,
    "confirm": C.SOLUTION_PROPOSED,
}
#: States that wait on the customer's reply rather than on a step of the table: a public message
#: from the customer moves the case on.
AWAITING_CUSTOMER_REPLY = frozenset({(CUSTOMER, C.WAITING_ON_CUSTOMER)})
#: Who reads each engagement's steps in the history: the customer's are public, the vendor's are
#: between the partner and the vendor.
STEP_AUDIENCE: dict[str, str] = {CUSTOMER: Audience.PUBLIC, VENDOR: Audience.PARTNER_VENDOR}


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


@dataclass(frozen=True)
class Waiting:
    """Where a case waits: an engagement in a state, and the steps that may move it on (their
    performers must act next), or the customer's reply."""

    engagement: str
    status: str
    steps: tuple[Transition, ...]
    customer_reply: bool

    @property
    def activities(self) -> tuple[str, ...]:
        """The activities of the steps, each once, in table order."""
        return tuple(dict.fromkeys(t.activity for t in self.steps))


def waiting_in(engagement: str, status: str) -> Waiting | None:
    """What a state waits on; None once the engagement is final (nobody must act)."""
    if status in FINAL[engagement]:
        return None
    return Waiting(
        engagement,
        status,
        tuple(available(engagement, status)),
        (engagement, status) in AWAITING_CUSTOMER_REPLY,
    )


def waiting_after(transition: Transition) -> Waiting | None:
    """Where the case waits once ``transition`` is done: escalating hands it to the vendor's new
    engagement, a vendor engagement's last step hands it back to the customer's."""
    if transition.engagement == CUSTOMER and transition.target == C.ESCALATED:
        return waiting_in(VENDOR, OPENS_AT[VENDOR])
    if transition.target in FINAL[transition.engagement]:
        follows = CUSTOMER_FOLLOWS.get(transition.action)
        return waiting_in(CUSTOMER, follows) if follows else None
    return waiting_in(transition.engagement, transition.target)


def waiting_now(customer_status: str, vendor_status: str) -> Waiting | None:
    """Where a case waits now: on the vendor's engagement while it is escalated, else on the
    customer's (``vendor_status`` is empty before escalation)."""
    if vendor_status and customer_status == C.ESCALATED:
        return waiting_in(VENDOR, vendor_status)
    return waiting_in(CUSTOMER, customer_status)


@dataclass(frozen=True)
class ActingRequirement:
    """What performing an activity's steps asks of a person beyond their party's letter."""

    levels: frozenset[str] | None
    authorised_submitter: bool


def acting_requirements() -> dict[str, ActingRequirement]:
    """The activities whose steps ask more of their performer than the party's letter: the
    support levels that may perform at least one of its steps (None when some step asks for no
    level), and whether every step needs a verified authorised submitter."""
    by_activity: dict[str, list[Transition]] = {}
    for transition in TRANSITIONS:
        by_activity.setdefault(transition.activity, []).append(transition)
    found = {}
    for activity, steps in by_activity.items():
        required = [t.level for t in steps]
        levels = None
        if None not in required:
            lowest = min(LEVEL_RANK[level] for level in required if level is not None)
            levels = frozenset(code for code, rank in LEVEL_RANK.items() if rank >= lowest)
        submitter = all(t.authorised_submitter for t in steps)
        if levels is not None or submitter:
            found[activity] = ActingRequirement(levels=levels, authorised_submitter=submitter)
    return found
