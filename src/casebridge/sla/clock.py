"""A service-level clock as a pure function of its history.

A clock starts at an instant, counts working time on its calendar, stops counting while paused
(an engagement waiting on the other side), and is met at the instant its target is satisfied.
From those facts alone :func:`clock_state` computes elapsed time, the due time, the warning time
and whether the target was breached, so a clock can always be recomputed from the case's events
when a policy, calendar or priority changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from casebridge.sla.calendar import Calendar, CalendarError, working_intervals

Span = tuple[dt.datetime, dt.datetime]
#: How far ahead the due time is searched for before the calendar is declared unusable.
HORIZON = dt.timedelta(days=3 * 366)


@dataclass(frozen=True)
class ClockState:
    elapsed: dt.timedelta
    remaining: dt.timedelta
    due_at: dt.datetime
    warn_at: dt.datetime
    met_at: dt.datetime | None
    paused: bool
    breached: bool
    breached_at: dt.datetime | None


def merge_pauses(
    spans: Sequence[tuple[dt.datetime, dt.datetime | None]], now: dt.datetime
) -> list[Span]:
    """Pauses as sorted, non-overlapping spans; an open pause runs until ``now``."""
    closed = sorted((start, end or now) for start, end in spans if (end or now) > start)
    merged: list[Span] = []
    for start, end in closed:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _counting(
    calendar: Calendar, start: dt.datetime, end: dt.datetime, pauses: list[Span]
) -> Iterator[Span]:
    """Working intervals in [start, end) with the paused spans cut out."""
    for a, b in working_intervals(calendar, start, end):
        cursor = a
        for pause_start, pause_end in pauses:
            if pause_end <= cursor or pause_start >= b:
                continue
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            if cursor >= b:
                break
        if cursor < b:
            yield cursor, b


def counted_intervals(
    calendar: Calendar,
    start: dt.datetime,
    end: dt.datetime,
    pauses: Sequence[tuple[dt.datetime, dt.datetime | None]],
) -> list[Span]:
    """The stretches of [start, end) that a clock counts: working time minus the pauses (an
    open pause runs to ``end``). Their lengths add up to the clock's elapsed time at ``end``."""
    return list(_counting(calendar, start, end, merge_pauses(pauses, end)))


def counted_time(
    calendar: Calendar, start: dt.datetime, end: dt.datetime, pauses: list[Span]
) -> dt.timedelta:
    total = dt.timedelta(0)
    for a, b in _counting(calendar, start, end, pauses):
        total += b - a
    return total


def _instant_after(
    calendar: Calendar, start: dt.datetime, amount: dt.timedelta, pauses: list[Span]
) -> dt.datetime:
    """When ``amount`` of counted time has passed since ``start`` (pauses excluded)."""
    if amount <= dt.timedelta(0):
        return start
    remaining = amount
    window_start, step = start, dt.timedelta(days=14)
    while window_start < start + HORIZON:
        window_end = window_start + step
        for a, b in _counting(calendar, window_start, window_end, pauses):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        window_start = window_end
    raise CalendarError(
        "The clock never comes due.",
        {"hours": ["No working time within three years; check hours and closed days."]},
    )


def instant_after(calendar: Calendar, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
    """When ``amount`` of working time has passed since ``start`` with no pause on the way: what a
    clock counting on from ``start`` with ``amount`` left of its target is due at."""
    return _instant_after(calendar, start, amount, [])


def clock_state(
    *,
    calendar: Calendar,
    target: dt.timedelta,
    started_at: dt.datetime,
    now: dt.datetime,
    pauses: Sequence[tuple[dt.datetime, dt.datetime | None]] = (),
    met_at: dt.datetime | None = None,
    warn_share: float = 0.75,
) -> ClockState:
    """The clock's state at ``now`` from its start, pauses and (if any) the moment it was met."""
    if target < dt.timedelta(0):
        raise ValueError("a target cannot be negative")
    if not 0 < warn_share <= 1:
        raise ValueError("the warning share lies in (0, 1]")
    stop = min(now, met_at) if met_at is not None else now
    # Pauses count up to the stop; one still open runs to it. The due time is the instant the
    # target is reached if no further pause comes.
    # Only what happened before the stop counts: a pause after the clock was met (or after now)
    # never moves its due time, so a met clock reads the same however its case goes on.
    spans = merge_pauses(
        [(start, min(end, stop) if end else None) for start, end in pauses if start < stop], stop
    )
    elapsed = counted_time(calendar, started_at, stop, spans)
    due_at = _instant_after(calendar, started_at, target, spans)
    warn_at = _instant_after(calendar, started_at, target * warn_share, spans)
    breached = met_at > due_at if met_at is not None else now >= due_at
    paused = met_at is None and any(end is None and start <= now for start, end in pauses)
    return ClockState(
        elapsed=elapsed,
        remaining=max(target - elapsed, dt.timedelta(0)),
        due_at=due_at,
        warn_at=warn_at,
        met_at=met_at,
        paused=paused,
        breached=breached,
        breached_at=due_at if breached else None,
    )
