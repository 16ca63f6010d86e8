"""Advancing a case's clocks by its new events, without replaying its history (pure functions).

:mod:`casebridge.cases.clocks` reads every clock off the whole history; that stays the truth, the
repair path and the test oracle. A write adds only a few events, so each engagement keeps a
:class:`Ledger` beside its stored readings: where the engagement stands (worked, waiting, done),
the priority in force, how many answers it gave and when the last one was, and for each clock a
:class:`Count` — the working time counted up to an instant, whether it counts on from there, and
the instants at which its target and its warning share are (or were) reached. A write moves the
ledger on by its new events (:func:`ledgers_advance`) and reads the clocks off it at ``now``
(:func:`ledger_readings`); both cost the events and the working time since the last write, not
the whole history.

A priority change re-targets running clocks from their start: on the same calendar the ledger
keeps what they counted and aims it at the new targets. Some events change what was counted
before them, though: a priority on another calendar counts the past differently, a new target
already used up was reached at an instant only the pauses tell, and a reopened resolution may
run on another priority than the one it was met under. Those need the history, so
:func:`ledgers_advance` answers ``None`` and the caller replays it instead (:func:`ledger_of`
builds the ledger from it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from casebridge.cases.choices import ClockPhase
from casebridge.cases.clocks import (
    ANSWER_AUDIENCES,
    ANSWERING_SIDE,
    ANSWERS,
    CUSTOMER,
    DONE,
    OPENING_EVENT,
    VENDOR,
    WAITING,
    EventFact,
    History,
    PolicyFor,
    Reading,
    status_of,
)
from casebridge.sla.calendar import Calendar
from casebridge.sla.choices import ClockStatus, Metric
from casebridge.sla.clock import ClockState, clock_state, counted_time, instant_after
from casebridge.sla.selectors import Policy

ZERO = dt.timedelta(0)
METRICS = (Metric.FIRST_RESPONSE, Metric.UPDATE, Metric.RESOLUTION)
#: Event kinds that carry a priority: they re-target clocks from their start.
PRIORITY_EVENTS = frozenset({"opened", "priority_changed"})


def phase_of(engagement: str, status: str) -> str:
    if status in DONE[engagement]:
        return ClockPhase.DONE
    if status in WAITING[engagement]:
        return ClockPhase.WAITING
    return ClockPhase.WORKING


@dataclass(frozen=True)
class Count:
    """How much of one clock's target is used: ``counted`` working time up to ``since``; from
    there it counts on unless ``paused``. ``reaches_target_at`` / ``reaches_warning_at``: when the
    target / warning share is reached counting on from ``since`` (or was reached already);
    None while paused short of it."""

    counted: dt.timedelta
    since: dt.datetime
    paused: bool
    reaches_target_at: dt.datetime | None = None
    reaches_warning_at: dt.datetime | None = None


@dataclass(frozen=True)
class ClockLedger:
    """One clock: the priority whose policy it runs on (a met clock keeps the one it was met
    under), its count (None without a policy) and when it was met."""

    priority: str
    count: Count | None
    met_at: dt.datetime | None = None


@dataclass(frozen=True)
class Ledger:
    """One engagement's clocks as stored: enough to move them on by new events."""

    engagement: str
    opened_at: dt.datetime
    phase: str
    priority: str
    answers: int
    last_answer: dt.datetime | None
    clocks: Mapping[str, ClockLedger]


Targets = tuple[dt.timedelta, dt.timedelta] | None


def _targets(policy: Policy | None, metric: str) -> Targets:
    target = policy.target(metric) if policy else None
    if policy is None or target is None:
        return None
    return target, target * policy.warn_share


def _reach(
    calendar: Calendar,
    count: Count,
    amount: dt.timedelta,
    known: dt.datetime | None,
    base: dt.datetime | None,
) -> dt.datetime | None:
    if known is not None and count.counted >= amount:
        return known  # reached already: a later pause never moves it
    if base is None:
        return None
    return instant_after(calendar, base, amount - count.counted)


def _reaching(
    calendar: Calendar, count: Count, targets: Targets, base: dt.datetime | None
) -> Count:
    if targets is None:
        return replace(count, reaches_target_at=None, reaches_warning_at=None)
    target, warning = targets
    return replace(
        count,
        reaches_target_at=_reach(calendar, count, target, count.reaches_target_at, base),
        reaches_warning_at=_reach(calendar, count, warning, count.reaches_warning_at, base),
    )


def _moved(calendar: Calendar, count: Count, at: dt.datetime) -> Count:
    """The count up to ``at`` (a paused count already is)."""
    if count.paused or at <= count.since:
        return count
    return replace(
        count, counted=count.counted + counted_time(calendar, count.since, at, []), since=at
    )


def _running(calendar: Calendar, count: Count, targets: Targets, at: dt.datetime) -> Count:
    count = replace(_moved(calendar, count, at), since=at, paused=False)
    return _reaching(calendar, count, targets, at)


def _paused(calendar: Calendar, count: Count, targets: Targets, at: dt.datetime) -> Count:
    count = replace(_moved(calendar, count, at), paused=True)
    return _reaching(calendar, count, targets, None)


def _met(calendar: Calendar, count: Count, targets: Targets, at: dt.datetime) -> Count:
    """Stopped for good at ``at``: a target not reached is due as if it counted on from there."""
    count = replace(_moved(calendar, count, at), since=at, paused=True)
    return _reaching(calendar, count, targets, at)


def _fresh(policy: Policy | None, metric: str, at: dt.datetime, *, paused: bool) -> Count | None:
    if policy is None:
        return None
    count = Count(ZERO, at, paused)
    return _reaching(policy.calendar, count, _targets(policy, metric), None if paused else at)


def _opened(engagement: str, at: dt.datetime, priority: str, policy_for: PolicyFor) -> Ledger:
    policy = policy_for(priority)
    return Ledger(
        engagement=engagement,
        opened_at=at,
        phase=ClockPhase.WORKING,
        priority=priority,
        answers=0,
        last_answer=None,
        clocks={
            Metric.FIRST_RESPONSE: ClockLedger(
                priority, _fresh(policy, Metric.FIRST_RESPONSE, at, paused=False)
            ),
            Metric.UPDATE: ClockLedger(priority, None),
            Metric.RESOLUTION: ClockLedger(
                priority, _fresh(policy, Metric.RESOLUTION, at, paused=False)
            ),
        },
    )


def _phase_changed(
    ledger: Ledger, phase: str, at: dt.datetime, policy_for: PolicyFor
) -> Ledger | None:
    if phase == ledger.phase:
        return ledger
    clocks = dict(ledger.clocks)
    touched: set[str] = set()
    if ledger.phase == ClockPhase.DONE:
        resolution = clocks[Metric.RESOLUTION]
        if resolution.priority != ledger.priority:
            return None  # it resumes on another priority's target, counted from the start
        clocks[Metric.RESOLUTION] = replace(resolution, met_at=None)
        touched.add(Metric.RESOLUTION)
    stopped = phase != ClockPhase.WORKING
    if stopped != (ledger.phase != ClockPhase.WORKING):
        touched.update(METRICS)
    for metric in METRICS:
        clock = clocks[metric]
        if metric not in touched or clock.count is None or clock.met_at is not None:
            continue
        policy = policy_for(clock.priority)
        assert policy is not None
        move = _paused if stopped else _running
        moved = move(policy.calendar, clock.count, _targets(policy, metric), at)
        clocks[metric] = replace(clock, count=moved)
    if phase == ClockPhase.DONE:
        resolution = clocks[Metric.RESOLUTION]
        count = resolution.count
        if count is not None:
            policy = policy_for(resolution.priority)
            assert policy is not None
            count = _met(policy.calendar, count, _targets(policy, Metric.RESOLUTION), at)
        clocks[Metric.RESOLUTION] = replace(resolution, met_at=at, count=count)
    return replace(ledger, phase=phase, clocks=clocks)


def _answered(ledger: Ledger, at: dt.datetime, policy_for: PolicyFor) -> Ledger:
    clocks = dict(ledger.clocks)
    if ledger.answers == 0:  # the first answer meets first response
        first = clocks[Metric.FIRST_RESPONSE]
        count = first.count
        if count is not None:
            policy = policy_for(first.priority)
            assert policy is not None
            count = _met(policy.calendar, count, _targets(policy, Metric.FIRST_RESPONSE), at)
        clocks[Metric.FIRST_RESPONSE] = replace(first, met_at=at, count=count)
    # Every answer owes the next update from now: a new target, a new cycle.
    waiting = ledger.phase != ClockPhase.WORKING
    update = _fresh(policy_for(ledger.priority), Metric.UPDATE, at, paused=waiting)
    clocks[Metric.UPDATE] = ClockLedger(ledger.priority, update)
    return replace(ledger, answers=ledger.answers + 1, last_answer=at, clocks=clocks)


def _retargeted(
    ledger: Ledger, priority: str, at: dt.datetime, policy_for: PolicyFor
) -> Ledger | None:
    """The ledger under a new priority: running clocks keep what they counted, on the same
    calendar, towards the new targets. None when that needs the history: another calendar
    counts the past differently, a new target already passed was reached at an instant only
    the pauses tell, and a clock met at this very instant is judged under the new priority."""
    before, after = policy_for(ledger.priority), policy_for(priority)
    if before is None or after is None:
        return None if before is not after else replace(ledger, priority=priority)
    if before.calendar_code != after.calendar_code:
        return None
    clocks = dict(ledger.clocks)
    for metric, clock in ledger.clocks.items():
        if clock.met_at is not None:
            if clock.met_at == at:
                return None
            continue
        count = clock.count
        if count is not None:
            targets = _targets(after, metric)
            count = replace(
                _moved(after.calendar, count, at),
                reaches_target_at=None,
                reaches_warning_at=None,
            )
            if not count.paused:
                count = replace(count, since=at)
            if targets is not None and count.counted >= min(targets):
                return None
            count = _reaching(after.calendar, count, targets, None if count.paused else at)
        clocks[metric] = ClockLedger(priority, count)
    return replace(ledger, priority=priority, clocks=clocks)


def _answers(engagement: str, fact: EventFact, status: str | None) -> bool:
    if status is not None:
        return fact.kind in ANSWERS[engagement] or (
            fact.kind == "status_followed" and status in DONE[engagement]
        )
    return (
        fact.kind == "commented"
        and fact.audience in ANSWER_AUDIENCES[engagement]
        and fact.actor_side in ANSWERING_SIDE[engagement]
    )


def _step(ledger: Ledger, fact: EventFact, policy_for: PolicyFor) -> Ledger | None:
    """The ledger after one event (the same reading of events as ``clocks.history_of``)."""
    engagement = ledger.engagement
    status = None
    if fact.engagement == engagement and fact.kind != "opened" and "status" in fact.after:
        status = str(fact.after["status"])
        moved = _phase_changed(ledger, phase_of(engagement, status), fact.at, policy_for)
        if moved is None:
            return None
        ledger = moved
    if _answers(engagement, fact, status):
        ledger = _answered(ledger, fact.at, policy_for)
    return ledger


def ledgers_advance(
    ledgers: Mapping[str, Ledger],
    facts: Iterable[EventFact],
    policies: Mapping[str, PolicyFor],
) -> dict[str, Ledger] | None:
    """The ledgers after ``facts`` (new events, in order, none before the ledgers' last one), or
    None when an event needs the history: then replay it."""
    result = dict(ledgers)
    for fact in facts:
        if fact.kind in PRIORITY_EVENTS and "priority" in fact.after:
            if fact.kind != "priority_changed":
                return None
            for engagement, kept in list(result.items()):
                retargeted = _retargeted(
                    kept, str(fact.after["priority"]), fact.at, policies[engagement]
                )
                if retargeted is None:
                    return None
                result[engagement] = retargeted
            continue
        for engagement in (CUSTOMER, VENDOR):
            ledger = result.get(engagement)
            if ledger is None:
                if fact.kind != OPENING_EVENT[engagement] or not result:
                    continue
                priority = next(iter(result.values())).priority
                ledger = _opened(engagement, fact.at, priority, policies[engagement])
            stepped = _step(ledger, fact, policies[engagement])
            if stepped is None:
                return None
            result[engagement] = stepped
    return result


# --- Reading the clocks off a ledger ---


def _inactive(
    ledger: Ledger,
    metric: str,
    policy: Policy | None,
    cycle: int,
    started_at: dt.datetime,
) -> Reading:
    target = policy.target(metric) if policy else None
    return Reading(
        ledger.engagement, metric, ClockStatus.INACTIVE, cycle, started_at, target, policy, (), None
    )


def _reading(
    ledger: Ledger,
    metric: str,
    clock: ClockLedger,
    policy: Policy | None,
    *,
    started_at: dt.datetime,
    cycle: int,
    now: dt.datetime,
) -> Reading:
    targets = _targets(policy, metric)
    count = clock.count
    if policy is None or targets is None or count is None:
        return _inactive(ledger, metric, policy, cycle, started_at)
    target, warning = targets
    calendar = policy.calendar
    due, warn = count.reaches_target_at, count.reaches_warning_at
    if clock.met_at is not None or count.paused:
        elapsed = count.counted
    else:
        elapsed = count.counted + counted_time(calendar, count.since, now, [])
    if clock.met_at is None and count.paused:  # due as if it resumed now
        due = due or instant_after(calendar, now, target - elapsed)
        warn = warn or instant_after(calendar, now, warning - elapsed)
    assert due is not None
    assert warn is not None
    breached = clock.met_at > due if clock.met_at is not None else now >= due
    state = ClockState(
        elapsed=elapsed,
        remaining=max(target - elapsed, ZERO),
        due_at=due,
        warn_at=warn,
        met_at=clock.met_at,
        paused=clock.met_at is None and count.paused,
        breached=breached,
        breached_at=due if breached else None,
    )
    return Reading(
        ledger.engagement, metric, status_of(state), cycle, started_at, target, policy, (), state
    )


def ledger_readings(ledger: Ledger, policy_for: PolicyFor, now: dt.datetime) -> list[Reading]:
    """The engagement's three clocks at ``now`` (not before the ledger's last event), as
    ``clocks.engagement_clocks`` reads them off the history; without the pauses, which only the
    history lists (the explanation reads them there)."""
    first = ledger.clocks[Metric.FIRST_RESPONSE]
    update = ledger.clocks[Metric.UPDATE]
    resolution = ledger.clocks[Metric.RESOLUTION]
    current = policy_for(ledger.priority)
    readings = [
        _reading(
            ledger,
            Metric.FIRST_RESPONSE,
            first,
            policy_for(first.priority),
            started_at=ledger.opened_at,
            cycle=1,
            now=now,
        )
    ]
    if ledger.last_answer is None or ledger.phase == ClockPhase.DONE:
        readings.append(
            _inactive(
                ledger,
                Metric.UPDATE,
                current,
                ledger.answers,
                ledger.last_answer or ledger.opened_at,
            )
        )
    else:
        readings.append(
            _reading(
                ledger,
                Metric.UPDATE,
                update,
                current,
                started_at=ledger.last_answer,
                cycle=ledger.answers,
                now=now,
            )
        )
    readings.append(
        _reading(
            ledger,
            Metric.RESOLUTION,
            resolution,
            policy_for(resolution.priority),
            started_at=ledger.opened_at,
            cycle=1,
            now=now,
        )
    )
    return readings


# --- The ledger from the whole history (the repair path) ---


def _count_at(
    policy: Policy | None,
    metric: str,
    *,
    started_at: dt.datetime,
    pauses: list[tuple[dt.datetime, dt.datetime | None]],
    met_at: dt.datetime | None,
    at: dt.datetime,
) -> Count | None:
    if policy is None:
        return None
    targets = _targets(policy, metric)
    state = clock_state(
        calendar=policy.calendar,
        target=targets[0] if targets else ZERO,
        started_at=started_at,
        now=at,
        pauses=pauses,
        met_at=met_at,
        warn_share=policy.warn_share,
    )
    if met_at is not None:
        count = Count(state.elapsed, met_at, True)
    else:
        count = Count(state.elapsed, at, state.paused)
    if targets is None:
        return count
    target, warning = targets
    shown = met_at is not None or not state.paused
    return replace(
        count,
        reaches_target_at=state.due_at if shown or state.elapsed >= target else None,
        reaches_warning_at=state.warn_at if shown or state.elapsed >= warning else None,
    )


def ledger_of(history: History, policy_for: PolicyFor, at: dt.datetime) -> Ledger:
    """The engagement's ledger at ``at`` (its last event), read off the whole history."""
    engagement = history.engagement
    stopped = history.spans(WAITING[engagement] | DONE[engagement])
    current = history.priority_at(at)
    answers = [moment for moment in history.answers if moment <= at]
    first = answers[0] if answers else None
    done_at = None
    if history.status in DONE[engagement]:
        done_at = next(
            (start for start, end in history.spans(DONE[engagement]) if end is None), None
        )
    first_priority = history.priority_at(first) if first else current
    resolution_priority = history.priority_at(done_at) if done_at else current
    update = None
    if answers:
        last = answers[-1]
        update = _count_at(
            policy_for(current),
            Metric.UPDATE,
            started_at=last,
            pauses=[(a, b) for a, b in stopped if b is None or b > last],
            met_at=None,
            at=at,
        )
    return Ledger(
        engagement=engagement,
        opened_at=history.opened_at,
        phase=phase_of(engagement, history.status),
        priority=current,
        answers=len(answers),
        last_answer=answers[-1] if answers else None,
        clocks={
            Metric.FIRST_RESPONSE: ClockLedger(
                first_priority,
                _count_at(
                    policy_for(first_priority),
                    Metric.FIRST_RESPONSE,
                    started_at=history.opened_at,
                    pauses=stopped,
                    met_at=first,
                    at=at,
                ),
                first,
            ),
            Metric.UPDATE: ClockLedger(current, update),
            Metric.RESOLUTION: ClockLedger(
                resolution_priority,
                _count_at(
                    policy_for(resolution_priority),
                    Metric.RESOLUTION,
                    started_at=history.opened_at,
                    pauses=stopped,
                    met_at=done_at,
                    at=at,
                ),
                done_at,
            ),
        },
    )
