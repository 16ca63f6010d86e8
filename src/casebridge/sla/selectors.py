"""Reading service-level policy: the policy a clock runs on, and the lists the interfaces show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from casebridge.core.caching import VersionedCache
from casebridge.core.errors import NotFound
from casebridge.parties.models import SupportPlan
from casebridge.sla.calendar import Calendar, CalendarError, check_country, hours_from_json
from casebridge.sla.choices import Metric
from casebridge.sla.models import BusinessCalendar, ClosedDay, ServiceTarget


@dataclass(frozen=True)
class Policy:
    """What one clock runs on: the plan's targets at a priority, on a concrete calendar."""

    plan: str
    priority: str
    calendar_code: str
    calendar_name: str
    calendar: Calendar
    targets: Mapping[str, dt.timedelta | None]
    warn_share: float
    notes: tuple[str, ...] = field(default=())
    #: The plan as people name it ("Premium Plus"; ``plan`` is its code).
    plan_name: str = ""

    def target(self, metric: str) -> dt.timedelta | None:
        return self.targets.get(metric)


def concrete_calendar(
    calendar: BusinessCalendar, closed_days: list[dt.date], *, time_zone: str, country: str
) -> tuple[Calendar, tuple[str, ...]]:
    """The calendar for one customer: empty zone and country are the customer's.

    A country the ``holidays`` library does not know yields no public holidays and a note, so a
    clock never stops because of an exotic country code."""
    if calendar.always_open:
        return Calendar(always_open=True), ()
    notes: list[str] = []
    zone = calendar.time_zone or time_zone or "UTC"
    holiday_country, region = "", ""
    if calendar.public_holidays:
        holiday_country = calendar.country or country
        region = calendar.region if calendar.country else ""
        if holiday_country and check_country(holiday_country, region):
            notes.append(f"No public holidays are known for {holiday_country}; none are skipped.")
            holiday_country, region = "", ""
    try:
        concrete = Calendar(
            time_zone=zone,
            hours=hours_from_json(calendar.hours),
            country=holiday_country,
            region=region,
            closed_days=frozenset(closed_days),
        )
    except CalendarError as error:
        raise CalendarError(
            f"Calendar {calendar.code} is not usable: {error}", error.fields
        ) from None
    return concrete, tuple(notes)


class PolicyBook:
    """Every target and calendar, read once (three queries) and shared by many clocks."""

    def __init__(
        self,
        targets: dict[tuple[str, str], ServiceTarget],
        calendars: dict[str, BusinessCalendar],
        closed: dict[str, list[dt.date]],
    ) -> None:
        self._targets = targets
        self._calendars = calendars
        self._closed = closed
        self._built: dict[tuple[str, str, str], tuple[Calendar, tuple[str, ...]]] = {}

    @classmethod
    def load(cls) -> PolicyBook:
        """The book as it is now, loaded once per process until a calendar, closed day or target
        changes (see :data:`books`)."""
        return books.get("book", cls.load_fresh)

    @classmethod
    def load_fresh(cls) -> PolicyBook:
        calendars = {c.code: c for c in BusinessCalendar.objects.all()}
        closed: dict[str, list[dt.date]] = {}
        for calendar_id, day in ClosedDay.objects.values_list("calendar_id", "day"):
            closed.setdefault(calendar_id, []).append(day)
        targets = {(t.plan_id, t.priority): t for t in ServiceTarget.objects.select_related("plan")}
        return cls(targets, calendars, closed)

    def policy(self, plan: str, priority: str, *, time_zone: str, country: str) -> Policy | None:
        """The policy of ``plan`` at ``priority`` for a customer in that zone and country, or
        None when the plan promises nothing at that priority."""
        target = self._targets.get((plan, priority))
        if target is None:
            return None
        row = self._calendars[target.calendar_id]
        key = (row.code, time_zone, country)
        if key not in self._built:
            self._built[key] = concrete_calendar(
                row, self._closed.get(row.code, []), time_zone=time_zone, country=country
            )
        calendar, notes = self._built[key]
        return Policy(
            plan=plan,
            priority=priority,
            calendar_code=row.code,
            calendar_name=row.name,
            calendar=calendar,
            targets={
                Metric.FIRST_RESPONSE: target.first_response,
                Metric.UPDATE: target.update_interval,
                Metric.RESOLUTION: target.resolution,
            },
            warn_share=target.warn_percent / 100,
            notes=notes,
            plan_name=target.plan.name,
        )


# --- Lists and single objects for the interfaces (policy is readable by every signed-in user:
# partners and customers see the promises made to them) ---


def plan_list() -> QuerySet[SupportPlan]:
    return SupportPlan.objects.prefetch_related(
        Prefetch(
            "targets",
            queryset=ServiceTarget.objects.select_related("calendar").order_by("priority"),
        )
    ).order_by("name")


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.prefetch_related("closed_days").order_by("name")


def access_calendar(code: str) -> BusinessCalendar:
    calendar = calendar_list().filter(code=code).first()
    if calendar is None:
        raise NotFound(f"No calendar {code!r}.")
    return calendar


def access_plan(code: str) -> SupportPlan:
    plan = plan_list().filter(code=code).first()
    if plan is None:
        raise NotFound(f"No support plan {code!r}.")
    return plan


#: The service-level book of this process (three queries to load, read by every case write).
books = VersionedCache("sla.policy-book")
books.watch(BusinessCalendar, ClosedDay, ServiceTarget)
