"""Business-time arithmetic on a calendar, as pure functions (no database).

A calendar has working hours per weekday (several intervals a day, in minutes after local
midnight, up to 24:00), a time zone, and closed days (public holidays by country and region
from the ``holidays`` library, plus custom ones). Every instant in and out is an aware datetime;
the arithmetic walks the calendar's local days and converts each working interval to UTC, so a
daylight-saving change shortens or lengthens that day's working time exactly as the clock on
the wall does. A 24x7 calendar is plain wall-clock (UTC) arithmetic.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from casebridge.core.validation import parse_digits
from casebridge.sla.choices import WEEKDAY_NAMES

UTC = dt.UTC
DAY_MINUTES = 24 * 60
#: How far ahead ``add_business_time`` looks for working time before it gives up.
SEARCH_LIMIT = dt.timedelta(days=3 * 366)

Interval = tuple[int, int]  # minutes after local midnight: [start, end)


class CalendarError(ValueError):
    """The calendar cannot be used as given; ``fields`` says what is wrong where."""

    def __init__(self, message: str, fields: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.fields = fields


def check_hours(hours: Mapping[int, Sequence[Interval]]) -> dict[str, list[str]]:
    """Every problem of a weekly schedule, by weekday: out of range, inverted, overlapping."""
    problems: dict[str, list[str]] = {}
    for weekday, intervals in hours.items():
        if not 0 <= weekday <= 6:
            problems.setdefault(f"hours.{weekday}", []).append(
                "Weekdays are 0 (Monday) to 6 (Sunday)."
            )
            continue
        key = f"hours.{WEEKDAY_NAMES[weekday]}"
        ordered = sorted(intervals)
        for start, end in ordered:
            if not (0 <= start <= DAY_MINUTES and 0 <= end <= DAY_MINUTES):
                problems.setdefault(key, []).append("Times run from 00:00 to 24:00.")
            elif end <= start:
                problems.setdefault(key, []).append(
                    f"{_hhmm(start)}-{_hhmm(end)} ends before it starts."
                )
        for (_, first_end), (second_start, second_end) in itertools.pairwise(ordered):
            if second_start < first_end:
                problems.setdefault(key, []).append(
                    f"{_hhmm(second_start)}-{_hhmm(second_end)} overlaps the interval before it."
                )
    if not problems and not any(intervals for intervals in hours.values()):
        problems["hours"] = ["A calendar needs some working time in the week."]
    return problems


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int | None:
    """``HH:MM`` (00:00 to 24:00) as minutes after midnight, or None if it is not a time."""
    hours_text, colon, minutes_text = text.strip().partition(":")
    hours, minutes = parse_digits(hours_text), parse_digits(minutes_text)
    if not colon or hours is None or minutes is None or len(minutes_text) != 2:
        return None
    value = hours * 60 + minutes
    return value if minutes < 60 and value <= DAY_MINUTES else None


def parse_hours(
    spec: Mapping[str, Sequence[str]],
) -> tuple[dict[int, tuple[Interval, ...]], dict[str, list[str]]]:
    """Working hours written as ``{"mon": ["09:00-12:00", "13:00-17:00"], ...}``.

    Returns the weekly schedule and every problem by field (``hours.mon``); a day left out has
    no working time."""
    hours: dict[int, tuple[Interval, ...]] = {}
    problems: dict[str, list[str]] = {}
    for name, texts in spec.items():
        key = f"hours.{name}"
        if name not in WEEKDAY_NAMES:
            problems.setdefault(key, []).append(f"Weekdays are {', '.join(WEEKDAY_NAMES)}.")
            continue
        intervals = []
        for text in texts:
            start_text, dash, end_text = str(text).partition("-")
            start, end = _minutes(start_text), _minutes(end_text)
            if not dash or start is None or end is None:
                problems.setdefault(key, []).append(f"{text!r} is not like 09:00-17:00.")
                continue
            intervals.append((start, end))
        hours[WEEKDAY_NAMES.index(name)] = tuple(sorted(intervals))
    for key, messages in check_hours(hours).items():
        problems.setdefault(key, []).extend(messages)
    return hours, problems


def hours_spec(hours: Mapping[int, Sequence[Interval]]) -> dict[str, list[str]]:
    """The inverse of :func:`parse_hours`, for display and export (working days only)."""
    return {
        WEEKDAY_NAMES[day]: [f"{_hhmm(start)}-{_hhmm(end)}" for start, end in sorted(intervals)]
        for day, intervals in sorted(hours.items())
        if intervals
    }


def hours_from_json(data: Mapping[str, Sequence[Sequence[int]]]) -> dict[int, tuple[Interval, ...]]:
    """The stored form (``{"0": [[540, 1020]]}``) as a weekly schedule."""
    return {
        int(day): tuple((int(start), int(end)) for start, end in intervals)
        for day, intervals in data.items()
    }


def hours_to_json(hours: Mapping[int, Sequence[Interval]]) -> dict[str, list[list[int]]]:
    return {
        str(day): [[start, end] for start, end in sorted(intervals)]
        for day, intervals in sorted(hours.items())
        if intervals
    }


@lru_cache(maxsize=512)
def _country_problem(country: str, region: str) -> str:
    try:
        holidays.country_holidays(country, subdiv=region or None)
    except NotImplementedError:
        if region:
            return f"No public holidays are known for {country} region {region}."
        return f"No public holidays are known for {country!r}."
    return ""


def check_country(country: str, region: str) -> list[str]:
    """Problems with a country/region for public holidays (empty when usable)."""
    problem = _country_problem(country, region)
    return [problem] if problem else []


@lru_cache(maxsize=256)
def public_holidays(country: str, region: str, year: int) -> frozenset[dt.date]:
    """The public holidays of a country (and region) in a year."""
    try:
        calendar = holidays.country_holidays(country, subdiv=region or None, years=year)
    except NotImplementedError as error:
        raise CalendarError(
            f"No public holidays are known for {country}{'/' + region if region else ''}.",
            {"country": [f"{country!r} (region {region!r}) is not supported."]},
        ) from error
    return frozenset(calendar)


@dataclass(frozen=True)
class Calendar:
    """Working time in a time zone; ``always_open`` for 24x7."""

    time_zone: str = "UTC"
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    country: str = ""
    region: str = ""
    closed_days: frozenset[dt.date] = frozenset()
    always_open: bool = False

    def __post_init__(self) -> None:
        if self.always_open:
            return
        problems = check_hours(self.hours)
        try:
            ZoneInfo(self.time_zone)
        except (KeyError, ValueError):
            problems["time_zone"] = [f"{self.time_zone!r} is not a known time zone."]
        if problems:
            raise CalendarError("The calendar is not usable.", problems)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_closed(self, day: dt.date) -> bool:
        if day in self.closed_days:
            return True
        return bool(self.country) and day in public_holidays(self.country, self.region, day.year)

    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals of one local day, as UTC instants."""
        if self.is_closed(day):
            return []
        zone = self.zone
        result = []
        for start, end in sorted(self.hours.get(day.weekday(), ())):
            result.append((_local(day, start, zone), _local(day, end, zone)))
        return result


def _local(day: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """``minutes`` after the local midnight of ``day`` (24:00 is the next midnight), in UTC."""
    if minutes >= DAY_MINUTES:
        day, minutes = day + dt.timedelta(days=1), minutes - DAY_MINUTES
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=zone)
    return local.astimezone(UTC)


def _require_aware(*moments: dt.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None:
            raise ValueError("business-time arithmetic needs aware datetimes")


def working_intervals(
    calendar: Calendar, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The parts of [start, end) that are working time, in order, as UTC instants."""
    _require_aware(start, end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return
    if calendar.always_open:
        yield start, end
        return
    zone = calendar.zone
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        for open_at, close_at in calendar.intervals_on(day):
            a, b = max(open_at, start), min(close_at, end)
            if a < b:
                yield a, b
        day += dt.timedelta(days=1)


def business_time(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time between two instants (zero when ``end`` is not after ``start``)."""
    total = dt.timedelta(0)
    for a, b in working_intervals(calendar, start, end):
        total += b - a
    return total


def add_business_time(
    calendar: Calendar, start: dt.datetime, duration: dt.timedelta
) -> dt.datetime:
    """The instant at which ``duration`` of working time has passed since ``start``."""
    _require_aware(start)
    if duration < dt.timedelta(0):
        raise ValueError("a duration of working time cannot be negative")
    start = start.astimezone(UTC)
    if calendar.always_open:
        return start + duration
    remaining = duration
    zone = calendar.zone
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    limit = start + SEARCH_LIMIT
    while True:
        for open_at, close_at in calendar.intervals_on(day):
            a = max(open_at, start)
            if a >= close_at:
                continue
            available = close_at - a
            if remaining <= available:
                return a + remaining
            remaining -= available
        day += dt.timedelta(days=1)
        if _local(day, 0, zone) > limit:
            raise CalendarError(
                "The calendar has no working time ahead.",
                {"hours": ["No working time within three years; check hours and closed days."]},
            )


def closed_working_days(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """Local days in [start, end] that would have had working hours but are closed (public
    holidays and closed days), for explanations."""
    if calendar.always_open or end <= start:
        return []
    zone = calendar.zone
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    closed = []
    while day <= last:
        if calendar.hours.get(day.weekday()) and calendar.is_closed(day):
            closed.append(day)
        day += dt.timedelta(days=1)
    return closed


def explain(
    calendar: Calendar, start: dt.datetime, end: dt.datetime, *, in_zone: str | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The counted intervals, in the viewer's zone (for "why is this due then")."""
    zone = ZoneInfo(in_zone or calendar.time_zone)
    return [
        (a.astimezone(zone), b.astimezone(zone)) for a, b in working_intervals(calendar, start, end)
    ]


#: Monday to Friday, 09:00-17:00.
WEEKDAYS_9_TO_5: dict[int, tuple[Interval, ...]] = {day: ((9 * 60, 17 * 60),) for day in range(5)}


def working_days_later(calendar: Calendar, start: dt.datetime, days: int) -> dt.datetime:
    """The close of the ``days``-th working day after the local day of ``start`` (a day counts
    when it has working hours and is not closed); on a 24x7 calendar, ``days`` times 24 hours."""
    _require_aware(start)
    if days < 0:
        raise ValueError("a number of working days cannot be negative")
    start = start.astimezone(UTC)
    if calendar.always_open:
        return start + dt.timedelta(days=days)
    day = start.astimezone(calendar.zone).date()
    counted, limit = 0, day + SEARCH_LIMIT
    while counted < days:
        day += dt.timedelta(days=1)
        if day > limit:
            raise CalendarError(
                "The calendar has no working days ahead.",
                {"hours": ["No working day within three years; check hours and closed days."]},
            )
        intervals = calendar.intervals_on(day)
        if intervals:
            counted += 1
    return max(end for _, end in calendar.intervals_on(day)) if days else start


def duration_text(value: dt.timedelta, *, parts: int | None = None) -> str:
    """A length of time as people say it: ``2 h 30 min``, ``3 d 4 h 5 min`` (the largest
    ``parts`` units only, when given); negative lengths read as zero."""
    minutes = max(int(value.total_seconds()), 0) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    words = [f"{days} d"] if days else []
    if hours:
        words.append(f"{hours} h")
    if minutes or not words:
        words.append(f"{minutes} min")
    return " ".join(words[:parts])


_DURATION_PART = re.compile(r"(\d+)\s*(days?|d|hours?|h|minutes?|mins?|m)?", re.IGNORECASE)
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


def duration_parse(text: str) -> dt.timedelta | None:
    """What :func:`duration_text` writes, read back: ``2 h 30 min``, ``4h``, ``1d 2h``, ``90``
    (minutes); empty is no duration. Raises ValueError saying what is wrong."""
    cleaned = (text or "").strip().lower()
    if not cleaned:
        return None
    minutes, position = 0, 0
    for match in _DURATION_PART.finditer(cleaned):
        if cleaned[position : match.start()].strip():
            break
        unit = (match.group(2) or "m")[0]
        minutes += int(match.group(1)[:9]) * _UNIT_MINUTES[unit]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise ValueError("Write a length of time such as 4 h, 1 d 2 h or 90 min.")
    return dt.timedelta(minutes=minutes)
