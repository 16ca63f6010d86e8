import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebridge.sla.calendar import (
    WEEKDAYS_9_TO_5,
    Calendar,
    CalendarError,
    add_business_time,
    business_time,
    check_hours,
    explain,
)

UTC = dt.UTC
AMSTERDAM = Calendar(time_zone="Europe/Amsterdam", hours=WEEKDAYS_9_TO_5, country="NL")
ALWAYS = Calendar(always_open=True)
ROUND_THE_CLOCK_LOCAL = Calendar(
    time_zone="Europe/Amsterdam", hours={day: ((0, 24 * 60),) for day in range(7)}
)
SPLIT = Calendar(
    time_zone="America/New_York",
    hours={day: ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)) for day in range(5)},
    country="US",
    region="NY",
)


def at(text, zone="Europe/Amsterdam"):
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def test_a_working_day_is_eight_hours():
    assert business_time(AMSTERDAM, at("2026-06-15 08:00"), at("2026-06-15 18:00")) == dt.timedelta(
        hours=8
    )


def test_a_weekend_counts_nothing_and_due_times_skip_it():
    friday_afternoon = at("2026-06-12 15:00")

    assert business_time(AMSTERDAM, at("2026-06-13 00:00"), at("2026-06-15 00:00")) == dt.timedelta(
        0
    )
    assert add_business_time(AMSTERDAM, friday_afternoon, dt.timedelta(hours=4)) == at(
        "2026-06-15 11:00"
    )


def test_a_public_holiday_is_closed():
    # King's Day, Monday 27 April 2026.
    assert business_time(AMSTERDAM, at("2026-04-27 00:00"), at("2026-04-28 00:00")) == dt.timedelta(
        0
    )
    assert add_business_time(AMSTERDAM, at("2026-04-24 16:00"), dt.timedelta(hours=2)) == at(
        "2026-04-28 10:00"
    )


def test_custom_closed_days():
    closed = Calendar(
        time_zone="Europe/Amsterdam",
        hours=WEEKDAYS_9_TO_5,
        closed_days=frozenset({dt.date(2026, 6, 15)}),
    )

    assert business_time(closed, at("2026-06-15 00:00"), at("2026-06-16 00:00")) == dt.timedelta(0)


def test_the_night_daylight_saving_starts_has_23_hours():
    day = business_time(ROUND_THE_CLOCK_LOCAL, at("2026-03-29 00:00"), at("2026-03-30 00:00"))

    assert day == dt.timedelta(hours=23)


def test_the_night_daylight_saving_ends_has_25_hours():
    day = business_time(ROUND_THE_CLOCK_LOCAL, at("2026-10-25 00:00"), at("2026-10-26 00:00"))

    assert day == dt.timedelta(hours=25)


def test_office_hours_keep_their_local_times_across_the_change():
    # 09:00-17:00 Amsterdam is 08:00-16:00 UTC in winter and 07:00-15:00 UTC in summer.
    friday = add_business_time(AMSTERDAM, at("2026-03-27 16:00"), dt.timedelta(hours=2))

    assert friday == at("2026-03-30 10:00")
    assert friday.astimezone(UTC).hour == 8


def test_split_days_and_a_us_region():
    assert business_time(
        SPLIT,
        at("2026-06-15 07:00", "America/New_York"),
        at("2026-06-15 18:00", "America/New_York"),
    ) == dt.timedelta(hours=8, minutes=30)
    assert add_business_time(
        SPLIT, at("2026-06-15 11:30", "America/New_York"), dt.timedelta(hours=1)
    ) == at("2026-06-15 13:30", "America/New_York")


def test_explain_lists_the_counted_intervals_in_the_viewers_zone():
    intervals = explain(
        AMSTERDAM, at("2026-06-12 16:00"), at("2026-06-15 10:00"), in_zone="Europe/London"
    )

    assert [(a.strftime("%a %H:%M"), b.strftime("%a %H:%M")) for a, b in intervals] == [
        ("Fri 15:00", "Fri 16:00"),
        ("Mon 08:00", "Mon 09:00"),
    ]


@pytest.mark.parametrize(
    ("hours", "problem"),
    [
        ({0: ((17 * 60, 9 * 60),)}, "ends before it starts"),
        ({0: ((9 * 60, 13 * 60), (12 * 60, 17 * 60))}, "overlaps"),
        ({0: ((9 * 60, 25 * 60),)}, "00:00 to 24:00"),
        ({7: ((9 * 60, 17 * 60),)}, "0 (Monday) to 6 (Sunday)"),
        ({0: (), 1: ()}, "needs some working time"),
    ],
)
def test_bad_hours_are_named(hours, problem):
    with pytest.raises(CalendarError) as error:
        Calendar(time_zone="UTC", hours=hours)

    assert problem in " ".join(m for messages in error.value.fields.values() for m in messages)
    assert check_hours(hours)


def test_an_unknown_zone_or_country_is_named():
    with pytest.raises(CalendarError) as zone:
        Calendar(time_zone="Mars/Olympus", hours=WEEKDAYS_9_TO_5)
    with pytest.raises(CalendarError) as country:
        business_time(
            Calendar(hours=WEEKDAYS_9_TO_5, country="XX"),
            at("2026-06-15 00:00"),
            at("2026-06-16 00:00"),
        )

    assert "time_zone" in zone.value.fields
    assert "country" in country.value.fields


def test_a_calendar_closed_for_good_gives_up_instead_of_looping():
    year = {dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(3 * 366 + 10)}
    closed = Calendar(hours=WEEKDAYS_9_TO_5, closed_days=frozenset(year))

    with pytest.raises(CalendarError, match="no working time ahead"):
        add_business_time(closed, at("2026-01-01 00:00", "UTC"), dt.timedelta(hours=1))


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="aware"):
        business_time(AMSTERDAM, dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2))  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add_business_time(AMSTERDAM, at("2026-06-15 09:00"), dt.timedelta(hours=-1))


# --- Properties ---

moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=dt.datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40))
calendars = st.sampled_from([AMSTERDAM, ALWAYS, ROUND_THE_CLOCK_LOCAL, SPLIT])


@settings(max_examples=150, deadline=None)
@given(calendars, moments, moments, moments)
def test_elapsed_time_is_additive_over_splits(calendar, a, b, c):
    a, b, c = sorted([a, b, c])

    assert business_time(calendar, a, c) == business_time(calendar, a, b) + business_time(
        calendar, b, c
    )


@settings(max_examples=150, deadline=None)
@given(calendars, moments, moments)
def test_elapsed_time_is_never_negative_nor_more_than_the_wall_clock(calendar, a, b):
    elapsed = business_time(calendar, a, b)

    assert dt.timedelta(0) <= elapsed <= max(b - a, dt.timedelta(0))


@settings(max_examples=150, deadline=None)
@given(calendars, moments, durations)
def test_adding_then_measuring_gives_the_duration_back(calendar, start, duration):
    due = add_business_time(calendar, start, duration)

    assert due >= start
    assert business_time(calendar, start, due) == duration


@settings(max_examples=100, deadline=None)
@given(moments, durations)
def test_a_24x7_target_is_wall_clock_addition(start, duration):
    assert add_business_time(ALWAYS, start, duration) == start + duration
