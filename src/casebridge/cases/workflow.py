"""The case workflow as a pure transition table: no ORM, no policy, only what may follow what.

Each transition names the engagement it moves, the states it starts from, the state it ends in,
the RASCI activity that authorises it, the lowest support level the performer must work at and
whether the performer must be a verified authorised submitter. The services ask the policy
engine whether the actor's party holds R or A for that activity.

Each transition also carries what performing it does beyond its own engagement's state: the
outbox event it records, the case's tier afterwards, where the customer engagement follows a
vendor step to, the engagement it opens, the timestamps it sets or clears, and its guards (the
rules it must pass, with the inputs they read: :class:`Guard`). ``case_transition`` in
``cases/services/transitions.py`` performs any row of the table from those columns alone.

The table also says where a case waits after each step (:func:`waiting_after`, :func:`waiting_now`):
the steps that may move it on, whose performers must act next. Notifications alert them, the
composer's default audience reaches them, and "who does what" names the same people
(:func:`acting_requirements`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from casebridge.cases import events
from casebridge.cases.choices import Audience, EngagementKind
from casebridge.cases.choices import CustomerStatus as C
from casebridge.cases.choices import VendorStatus as V

#: Support levels in order; a performer must work at the required level or higher.
LEVEL_RANK = {"l1_basic": 1, "l2_intermediate": 2, "l2_advanced": 3, "l3_expert": 4}


class Guard(StrEnum):
    """A rule a step must pass beyond its state, the policy and the performer's level; each is
    checked, with the inputs it reads, by ``cases/services/transitions.py``."""

    #: Every rule of the escalation gate (``cases/escalation.py``), listed at once; it also
    #: takes an optional ``version_override_request``.
    ESCALATION_GATE = "escalation_gate"
    #: A closed case reopens only within CASEBRIDGE_REOPEN_WINDOW_DAYS of closing.
    REOPEN_WINDOW = "reopen_window"
    #: The vendor says why it returns the case (``return_reason``, one of ReturnReason).
    RETURN_REASON = "return_reason"
    #: A Priority 1 names its cause when resolved (``attribution``); it decides the RCA's owner.
    CAUSE_ATTRIBUTION = "cause_attribution"
    #: Accepting a case on an unsupported version whose submitter asked for an override grants
    #: it, and needs the ``reason``.
    VERSION_OVERRIDE = "version_override"


@dataclass(frozen=True)
class Words:
    """The text a step posts as a message in the same write: what it is (its field's label in
    the portal, ``{party}`` filled in with whom it goes to), whether the step needs it, and to
    whom it goes — the customer, or (``to_customer`` false) the parties that must act once the
    step is done. Its audience is the narrowest one the writer may address that they all read
    (``cases.audiences.words_audience``); none, and the words are refused."""

    what: str
    label: str
    required: bool
    to_customer: bool = False


@dataclass(frozen=True)
class Transition:
    """One step of the table: where it starts and ends, who may perform it, and what else it
    does to the case when performed."""

    engagement: str
    action: str
    sources: frozenset[str]
    target: str
    activity: str
    #: The outbox event the step records (its history line is ``action``).
    event: str
    level: str | None = None
    reason_required: bool = False
    label: str = ""
    authorised_submitter: bool = False
    #: The case's tier once the step is done (None: unchanged).
    tier_after: str | None = None
    #: The state the customer engagement follows a vendor step to, in the same write, and why
    #: (the history's words): a returned case is worked at the desk again, a confirmed
    #: solution is proposed.
    customer_follows: str | None = None
    follows_why: str = ""
    #: The engagement the step opens (escalating opens the vendor's), at ``OPENS_AT``.
    opens: str | None = None
    #: The case's timestamps the step sets to now, and the ones it clears.
    stamps: frozenset[str] = frozenset()
    clears: frozenset[str] = frozenset()
    guards: tuple[Guard, ...] = ()
    #: The step's event is keyed by the case and its revision (a receiver must never act on it
    #: twice); its payload then leaves the revision to the key.
    event_keyed: bool = False
    #: The refusal when the step does not apply in the current state ({status} is filled in);
    #: "" for the general one, which lists what is possible.
    refused: str = ""
    #: The message the step posts with it (None: the step takes no message).
    words: Words | None = None


def _t(
    engagement: str,
    action: str,
    sources: Iterable[str],
    target: str,
    activity: str,
    *,
    event: str,
    level: str | None = None,
    reason: bool = False,
    label: str = "",
    submitter: bool = False,
    tier_after: str | None = None,
    customer_follows: str | None = None,
    follows_why: str = "",
    opens: str | None = None,
    stamps: Iterable[str] = (),
    clears: Iterable[str] = (),
    guards: Iterable[Guard] = (),
    event_keyed: bool = False,
    refused: str = "",
    words: Words | None = None,
) -> Transition:
    return Transition(
        engagement,
        action,
        frozenset(sources),
        target,
        activity,
        event,
        level,
        reason,
        label or action,
        submitter,
        tier_after,
        customer_follows,
        follows_why,
        opens,
        frozenset(stamps),
        frozenset(clears),
        tuple(guards),
        event_keyed,
        refused,
        words,
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
        event=events.TRIAGE,
    ),
    _t(
        CUSTOMER,
        "start",
        [C.NEW, C.TRIAGE],
        C.IN_PROGRESS,
        "support.l1",
        level="l1_basic",
        label="Start work",
        event=events.START,
    ),
    _t(
        CUSTOMER,
        "wait_on_customer",
        [C.IN_PROGRESS],
        C.WAITING_ON_CUSTOMER,
        "support.l1",
        level="l1_basic",
        label="Ask the customer",
        event=events.WAIT_ON_CUSTOMER,
        words=Words("question", "Your question to {party}", required=True, to_customer=True),
    ),
    _t(
        CUSTOMER,
        "resume",
        [C.WAITING_ON_CUSTOMER],
        C.IN_PROGRESS,
        "support.l1",
        level="l1_basic",
        label="Resume",
        event=events.RESUME,
    ),
    _t(
        CUSTOMER,
        "escalate",
        [C.IN_PROGRESS],
        C.ESCALATED,
        "case.submit",
        label="Escalate to the vendor",
        submitter=True,
        event=events.ESCALATED,
        tier_after="l2_advanced",
        opens=VENDOR,
        stamps=["escalated_at"],
        guards=[Guard.ESCALATION_GATE],
        event_keyed=True,
        refused="A case is escalated while in progress, not while {status}.",
    ),
    _t(
        CUSTOMER,
        "propose_solution",
        [C.IN_PROGRESS, C.ESCALATED],
        C.SOLUTION_PROPOSED,
        "customer.communicate",
        label="Propose a solution",
        event=events.PROPOSE_SOLUTION,
        words=Words("solution", "The solution", required=True, to_customer=True),
    ),
    _t(
        CUSTOMER,
        "reject_solution",
        [C.SOLUTION_PROPOSED],
        C.IN_PROGRESS,
        "customer.communicate",
        reason=True,
        label="Solution did not work",
        event=events.REJECT_SOLUTION,
    ),
    _t(
        CUSTOMER,
        "resolve",
        [C.SOLUTION_PROPOSED],
        C.RESOLVED,
        "customer.communicate",
        label="Resolve",
        event=events.RESOLVE,
        guards=[Guard.CAUSE_ATTRIBUTION],
    ),
    _t(
        CUSTOMER,
        "close",
        [C.RESOLVED],
        C.CLOSED,
        "customer.communicate",
        label="Close",
        event=events.CLOSE,
        stamps=["closed_at"],
    ),
    _t(
        CUSTOMER,
        "reopen",
        [C.RESOLVED, C.CLOSED],
        C.IN_PROGRESS,
        "customer.communicate",
        reason=True,
        label="Reopen",
        event=events.REOPEN,
        clears=["closed_at"],
        guards=[Guard.REOPEN_WINDOW],
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
        event=events.ACCEPT,
        guards=[Guard.VERSION_OVERRIDE],
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
        event=events.RETURN,
        tier_after="l2_intermediate",
        customer_follows=C.IN_PROGRESS,
        follows_why="returned by the vendor",
        guards=[Guard.RETURN_REASON],
        words=Words("explanation", "What {party} should add or change", required=False),
    ),
    _t(
        VENDOR,
        "resubmit",
        [V.RETURNED],
        V.SUBMITTED,
        "case.submit",
        label="Submit again",
        submitter=True,
        event=events.RESUBMIT,
        tier_after="l2_advanced",
        customer_follows=C.ESCALATED,
        follows_why="submitted again",
    ),
    _t(
        VENDOR,
        "to_expert",
        [V.INVESTIGATING],
        V.EXPERT,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Hand to Level 3",
        event=events.TO_EXPERT,
        tier_after="l3_expert",
    ),
    _t(
        VENDOR,
        "to_advanced",
        [V.EXPERT],
        V.INVESTIGATING,
        "support.l2_advanced_l3",
        level="l3_expert",
        label="Hand back to Level 2",
        event=events.TO_ADVANCED,
        tier_after="l2_advanced",
    ),
    _t(
        VENDOR,
        "request_information",
        [V.INVESTIGATING, V.EXPERT],
        V.WAITING_ON_PARTNER,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Ask for information",
        event=events.REQUEST_INFORMATION,
        words=Words("question", "Your question to {party}", required=True),
    ),
    _t(
        VENDOR,
        "answer",
        [V.WAITING_ON_PARTNER],
        V.INVESTIGATING,
        "case.assist",
        label="Answer",
        event=events.ANSWER,
    ),
    _t(
        VENDOR,
        "provide_solution",
        [V.INVESTIGATING, V.EXPERT],
        V.SOLUTION_PROVIDED,
        "support.l2_advanced_l3",
        level="l2_advanced",
        label="Provide a solution",
        event=events.PROVIDE_SOLUTION,
        words=Words("solution", "The solution", required=True),
    ),
    _t(
        VENDOR,
        "confirm",
        [V.SOLUTION_PROVIDED],
        V.CONFIRMED,
        "customer.communicate",
        label="Confirm the solution",
        event=events.CONFIRM,
        customer_follows=C.SOLUTION_PROPOSED,
        follows_why="vendor solution",
    ),
    _t(
        VENDOR,
        "reject",
        [V.SOLUTION_PROVIDED],
        V.INVESTIGATING,
        "case.assist",
        reason=True,
        label="Solution does not work",
        event=events.REJECT,
        words=Words("explanation", "What did not work", required=False),
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


def row_of(action: str) -> Transition:
    """The table's row for an action (action names are unique across the table)."""
    for (_, name), transition in _BY_KEY.items():
        if name == action:
            return transition
    raise KeyError(action)


def engagement_of(action: str) -> str:
    """Which engagement an action moves."""
    return row_of(action).engagement


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
    if transition.opens is not None:
        return waiting_in(transition.opens, OPENS_AT[transition.opens])
    if transition.target in FINAL[transition.engagement]:
        follows = transition.customer_follows
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
