"""A case's service-level clocks as pure functions of its history (no database).

Each engagement runs three clocks: first response, next update and resolution. The facts they
need are read from the case events: the engagement's status over time (which says when it waits
on the other side, and when it is done), the moments the working side answered the other side,
and the priority over time. :func:`engagement_clocks` turns those facts, a policy lookup and
``now`` into readings; stored clock rows are only an index of these readings for the sweep.

Rules (documented in docs/service-levels.md):

* A clock pauses while its engagement waits on the other side (customer engagement: waiting on
  the customer, solution proposed; vendor engagement: waiting on the partner, returned, solution
  provided) and does not count while the engagement is done; it resumes on reply or reopening.
* First response is met by the first answer to the other side. The update clock starts only
  then (an update target never overrides the first-response target) and restarts at every
  further answer. Resolution is met while the engagement stands in a done state.
* A met clock keeps the target of the priority in force when it was met; a running one takes
  the current priority's target, counted from its start, so time already spent is never lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casebridge.cases.choices import CustomerStatus as C
from casebridge.cases.choices import EngagementKind
from casebridge.cases.choices import VendorStatus as V
from casebridge.sla.choices import ClockStatus, Metric
from casebridge.sla.clock import ClockState, clock_state
from casebridge.sla.selectors import Policy

CUSTOMER = EngagementKind.CUSTOMER
VENDOR = EngagementKind.VENDOR

#: Statuses in which the engagement waits on the other side: clocks pause.
WAITING: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({C.WAITING_ON_CUSTOMER, C.SOLUTION_PROPOSED}),
    VENDOR: frozenset({V.WAITING_ON_PARTNER, V.RETURNED, V.SOLUTION_PROVIDED}),
}
#: Statuses in which the engagement's work is done: resolution is met, nothing more is owed.
DONE: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({C.SOLUTION_PROPOSED, C.RESOLVED, C.CLOSED}),
    VENDOR: frozenset({V.SOLUTION_PROVIDED, V.CONFIRMED}),
}
#: Workflow steps that answer the other side (besides a message to it).
ANSWERS: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({"wait_on_customer", "propose_solution", "resolve"}),
    VENDOR: frozenset({"accept", "request_information", "provide_solution", "return"}),
}
#: Who answers on each engagement (organisation kinds) and to which audiences.
ANSWERING_SIDE: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({"partner", "vendor"}),
    VENDOR: frozenset({"vendor"}),
}
ANSWER_AUDIENCES: dict[str, frozenset[str]] = {
    CUSTOMER: frozenset({"public"}),
    VENDOR: frozenset({"public", "partner_vendor"}),
}
INITIAL_STATUS: dict[str, str] = {CUSTOMER: C.NEW, VENDOR: V.SUBMITTED}
OPENING_EVENT: dict[str, str] = {CUSTOMER: "opened", VENDOR: "submitted"}


@dataclass(frozen=True)
class EventFact:
    """The part of a case event the clocks read."""

    at: dt.datetime
    kind: str
    engagement: str
    audience: str
    after: Mapping[str, Any]
    actor_side: str  # the actor's organisation kind, "" for the system
    id: int = 0  # the case event's, where it came from one


@dataclass(frozen=True)
class History:
    """One engagement's clock facts."""

    engagement: str
    opened_at: dt.datetime
    statuses: tuple[tuple[dt.datetime, str], ...]
    answers: tuple[dt.datetime, ...]
    priorities: tuple[tuple[dt.datetime, str], ...]

    @property
    def status(self) -> str:
        return self.statuses[-1][1]

    def priority_at(self, moment: dt.datetime) -> str:
        current = self.priorities[0][1]
        for at, priority in self.priorities:
            if at > moment:
                break
            current = priority
        return current

    def spans(self, statuses: frozenset[str]) -> list[tuple[dt.datetime, dt.datetime | None]]:
        """The periods spent in any of ``statuses`` (the last one open if still there)."""
        result: list[tuple[dt.datetime, dt.datetime | None]] = []
        entered: dt.datetime | None = None
        for at, status in self.statuses:
            if status in statuses and entered is None:
                entered = at
            elif status not in statuses and entered is not None:
                result.append((entered, at))
                entered = None
        if entered is not None:
            result.append((entered, None))
        return result


def history_of(engagement: str, facts: Iterable[EventFact]) -> History | None:
    """The engagement's history from the case's events in order, or None if it never opened."""
    opened_at: dt.datetime | None = None
    statuses: list[tuple[dt.datetime, str]] = []
    answers: list[dt.datetime] = []
    priorities: list[tuple[dt.datetime, str]] = []
    for fact in facts:
        if fact.kind in ("opened", "priority_changed") and "priority" in fact.after:
            priorities.append((fact.at, str(fact.after["priority"])))
        if fact.kind == OPENING_EVENT[engagement] and opened_at is None:
            opened_at = fact.at
            statuses.append((fact.at, INITIAL_STATUS[engagement]))
        if opened_at is None:
            continue
        if fact.engagement == engagement and fact.kind != "opened" and "status" in fact.after:
            status = str(fact.after["status"])
            statuses.append((fact.at, status))
            if fact.kind in ANSWERS[engagement] or (
                fact.kind == "status_followed" and status in DONE[engagement]
            ):
                answers.append(fact.at)
        elif (
            fact.kind == "commented"
            and fact.audience in ANSWER_AUDIENCES[engagement]
            and fact.actor_side in ANSWERING_SIDE[engagement]
        ):
            answers.append(fact.at)
    if opened_at is None or not priorities:
        return None
    return History(engagement, opened_at, tuple(statuses), tuple(answers), tuple(priorities))


@dataclass(frozen=True)
class Reading:
    """One clock at one instant, with what it ran on (for display and explanation)."""

    engagement: str
    metric: str
    status: str
    cycle: int
    started_at: dt.datetime
    target: dt.timedelta | None
    policy: Policy | None
    pauses: tuple[tuple[dt.datetime, dt.datetime | None], ...]
    state: ClockState | None

    @property
    def due_at(self) -> dt.datetime | None:
        if self.state is None or self.status in (ClockStatus.PAUSED, ClockStatus.INACTIVE):
            return None
        return self.state.due_at

    @property
    def warn_at(self) -> dt.datetime | None:
        return self.state.warn_at if self.due_at is not None and self.state else None

    @property
    def met_at(self) -> dt.datetime | None:
        return self.state.met_at if self.state else None


PolicyFor = Callable[[str], Policy | None]


def status_of(state: ClockState) -> str:
    if state.met_at is not None:
        return ClockStatus.MISSED if state.breached else ClockStatus.MET
    if state.paused:
        return ClockStatus.PAUSED
    return ClockStatus.BREACHED if state.breached else ClockStatus.RUNNING


def _inactive(
    history: History,
    metric: str,
    policy: Policy | None,
    *,
    cycle: int = 0,
    started_at: dt.datetime | None = None,
) -> Reading:
    target = policy.target(metric) if policy else None
    return Reading(
        history.engagement,
        metric,
        ClockStatus.INACTIVE,
        cycle,
        started_at or history.opened_at,
        target,
        policy,
        (),
        None,
    )


def _reading(
    history: History,
    metric: str,
    policy: Policy | None,
    *,
    started_at: dt.datetime,
    now: dt.datetime,
    pauses: Sequence[tuple[dt.datetime, dt.datetime | None]],
    met_at: dt.datetime | None,
    cycle: int,
) -> Reading:
    target = policy.target(metric) if policy else None
    if policy is None or target is None:
        return _inactive(history, metric, policy, cycle=cycle, started_at=started_at)
    state = clock_state(
        calendar=policy.calendar,
        target=target,
        started_at=started_at,
        now=now,
        pauses=pauses,
        met_at=met_at,
        warn_share=policy.warn_share,
    )
    return Reading(
        history.engagement,
        metric,
        status_of(state),
        cycle,
        started_at,
        target,
        policy,
        tuple(pauses),
        state,
    )


def engagement_clocks(history: History, policy_for: PolicyFor, now: dt.datetime) -> list[Reading]:
    """The three clocks of one engagement at ``now``."""
    engagement = history.engagement
    stopped = history.spans(WAITING[engagement] | DONE[engagement])
    current = history.priority_at(now)
    answers = [at for at in history.answers if at <= now]

    # First response: from the opening to the first answer.
    first = answers[0] if answers else None
    first_policy = policy_for(history.priority_at(first) if first else current)
    readings = [
        _reading(
            history,
            Metric.FIRST_RESPONSE,
            first_policy,
            started_at=history.opened_at,
            now=now,
            pauses=stopped,
            met_at=first,
            cycle=1,
        )
    ]

    # Next update: from the latest answer; nothing is owed before the first one or once done.
    current_policy = policy_for(current)
    if first is None or history.status in DONE[engagement]:
        readings.append(
            _inactive(
                history,
                Metric.UPDATE,
                current_policy,
                cycle=len(answers),
                started_at=answers[-1] if answers else None,
            )
        )
    else:
        last = answers[-1]
        readings.append(
            _reading(
                history,
                Metric.UPDATE,
                current_policy,
                started_at=last,
                now=now,
                pauses=[(a, b) for a, b in stopped if b is None or b > last],
                met_at=None,
                cycle=len(answers),
            )
        )

    # Resolution: met while the engagement stands in a done state.
    met_at = None
    if history.status in DONE[engagement]:
        met_at = next(
            (start for start, end in history.spans(DONE[engagement]) if end is None), None
        )
    resolution_policy = policy_for(history.priority_at(met_at) if met_at else current)
    readings.append(
        _reading(
            history,
            Metric.RESOLUTION,
            resolution_policy,
            started_at=history.opened_at,
            now=now,
            pauses=stopped,
            met_at=met_at,
            cycle=1,
        )
    )
    return readings
