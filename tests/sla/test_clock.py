import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casebridge.sla.calendar import WEEKDAYS_9_TO_5, Calendar, add_business_time, business_time
from casebridge.sla.clock import clock_state, counted_time, merge_pauses

UTC = dt.UTC
OFFICE = Calendar(time_zone="Europe/Amsterdam", hours=WEEKDAYS_9_TO_5, country="NL")
ALWAYS = Calendar(always_open=True)


def at(text):
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_a_running_clock():
    state = clock_state(
        calendar=OFFICE,
        target=dt.timedelta(hours=8),
        started_at=at("2026-06-15 09:00"),
        now=at("2026-06-15 15:00"),
    )

    assert state.elapsed == dt.timedelta(hours=6)
    assert state.remaining == dt.timedelta(hours=2)
    assert state.due_at == at("2026-06-15 17:00")
    assert state.warn_at == at("2026-06-15 15:00")
    assert not state.breached


def test_a_weekend_pause_on_the_customer_moves_the_due_time():
    # Waiting on the customer from Friday 16:00 to Monday 11:00.
    state = clock_state(
        calendar=OFFICE,
        target=dt.timedelta(hours=4),
        started_at=at("2026-06-12 14:00"),
        now=at("2026-06-15 12:00"),
        pauses=[(at("2026-06-12 16:00"), at("2026-06-15 11:00"))],
    )

    assert state.elapsed == dt.timedelta(hours=3)
    assert state.due_at == at("2026-06-15 13:00")
    assert not state.paused


def test_an_open_pause_stops_the_count_and_is_reported():
    state = clock_state(
        calendar=ALWAYS,
        target=dt.timedelta(hours=4),
        started_at=at("2026-06-15 09:00"),
        now=at("2026-06-15 15:00"),
        pauses=[(at("2026-06-15 10:00"), None)],
    )

    assert state.paused
    assert state.elapsed == dt.timedelta(hours=1)
    assert not state.breached
    assert state.due_at == at("2026-06-15 18:00")


def test_met_in_time_and_met_late():
    common = dict(
        calendar=ALWAYS,
        target=dt.timedelta(minutes=30),
        started_at=at("2026-06-15 09:00"),
        now=at("2026-06-15 12:00"),
    )

    in_time = clock_state(**common, met_at=at("2026-06-15 09:20"))
    late = clock_state(**common, met_at=at("2026-06-15 09:45"))

    assert (in_time.breached, in_time.elapsed) == (False, dt.timedelta(minutes=20))
    assert (late.breached, late.breached_at) == (True, at("2026-06-15 09:30"))


def test_an_unmet_clock_past_its_due_time_is_breached():
    state = clock_state(
        calendar=ALWAYS,
        target=dt.timedelta(hours=1),
        started_at=at("2026-06-15 09:00"),
        now=at("2026-06-15 10:00"),
    )

    assert state.breached
    assert state.breached_at == at("2026-06-15 10:00")


def test_bad_targets_are_refused():
    with pytest.raises(ValueError, match="negative"):
        clock_state(
            calendar=ALWAYS,
            target=dt.timedelta(hours=-1),
            started_at=at("2026-06-15 09:00"),
            now=at("2026-06-15 10:00"),
        )


moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=dt.datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
spans = st.lists(
    st.tuples(moments, st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=5))),
    max_size=4,
)
calendars = st.sampled_from([OFFICE, ALWAYS])


@settings(max_examples=120, deadline=None)
@given(calendars, moments, moments, spans)
def test_pauses_remove_exactly_their_working_time(calendar, start, end, raw):
    start, end = sorted([start, end])
    pauses = [(s, s + length) for s, length in raw]

    merged = merge_pauses(pauses, end)
    paused = sum(
        (business_time(calendar, max(a, start), min(b, end)) for a, b in merged), dt.timedelta(0)
    )

    counted = counted_time(calendar, start, end, merged)

    assert counted == business_time(calendar, start, end) - paused


@settings(max_examples=120, deadline=None)
@given(
    calendars,
    moments,
    st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=10)),
)
def test_without_pauses_the_due_time_is_calendar_addition(calendar, start, target):
    state = clock_state(calendar=calendar, target=target, started_at=start, now=start)

    assert state.due_at == add_business_time(calendar, start, target)


@settings(max_examples=120, deadline=None)
@given(
    moments,
    st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=3)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=2)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=2)),
)
def test_a_pause_before_the_due_time_pushes_it_by_its_length_on_24x7(start, target, offset, length):
    assume(offset < target)  # a pause from the due time on comes too late to move it
    pause_start = start + offset
    with_pause = clock_state(
        calendar=ALWAYS,
        target=target,
        started_at=start,
        now=start + target + length + dt.timedelta(days=1),
        pauses=[(pause_start, pause_start + length)],
    )

    assert with_pause.due_at == start + target + length


@settings(max_examples=120, deadline=None)
@given(
    calendars,
    moments,
    st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=5)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=8)),
    spans,
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=30)),
)
def test_a_met_clock_is_not_moved_by_what_happens_after(calendar, start, target, met, raw, later):
    met_at = start + met
    before = [(s, s + length) for s, length in raw if s + length <= met_at]
    after = [(met_at + (s - start) % dt.timedelta(days=3), None) for s, _ in raw]
    now = met_at + later

    plain = clock_state(
        calendar=calendar, target=target, started_at=start, now=now, pauses=before, met_at=met_at
    )
    more = clock_state(
        calendar=calendar,
        target=target,
        started_at=start,
        now=now + dt.timedelta(days=1),
        pauses=before + after,
        met_at=met_at,
    )

    assert (more.due_at, more.elapsed, more.breached) == (
        plain.due_at,
        plain.elapsed,
        plain.breached,
    )
