"""Changing service-level policy: plans, targets, calendars and closed days.

Every write is the vendor's back office, is audited, and records ``sla.policy_changed`` in the
outbox; the case clocks are repaired from it (running clocks recomputed from their history, so
paused time is never lost)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.text import slugify

from casebridge.core.audit import audit_record, changed, snapshot
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_multiline, clean_single_line
from casebridge.parties import permissions
from casebridge.parties.models import Person, SupportPlan
from casebridge.sla import events
from casebridge.sla.calendar import check_country, hours_to_json, parse_hours
from casebridge.sla.choices import Priority
from casebridge.sla.models import BusinessCalendar, ClosedDay, ServiceTarget

#: The longest target anyone may set; beyond it a typo is likelier than a promise.
LONGEST_TARGET = dt.timedelta(days=366)

CALENDAR_FIELDS = [
    "name",
    "always_open",
    "hours",
    "time_zone",
    "public_holidays",
    "country",
    "region",
]
TARGET_FIELDS = ["calendar_id", "first_response", "update_interval", "resolution", "warn_percent"]


def _require_back_office(actor: Person | None) -> None:
    if actor is not None and not permissions.can_manage_organisations(actor):
        raise PermissionDenied(
            "Only the vendor's administrators and managers change service levels."
        )


def _changed_policy(what: str, key: str) -> None:
    outbox_record(kind=events.POLICY_CHANGED, payload={"what": what, "key": key})


def _clean_code(code: str, problems: Errors) -> str:
    cleaned = (code or "").strip()
    if not cleaned or slugify(cleaned) != cleaned or len(cleaned) > 40:
        problems.add(
            "code", "Lower-case letters, digits, hyphens and underscores; at most 40 characters."
        )
    return cleaned


@transaction.atomic
def plan_save(*, actor: Person | None, code: str, name: str, description: str = "") -> SupportPlan:
    """Create a support plan or rename one."""
    _require_back_office(actor)
    problems = Errors()
    code = _clean_code(code, problems)
    name = clean_single_line(name, problems, "name", max_length=100)
    description = clean_multiline(description, problems, "description", max_length=5000)
    if "name" not in problems and (
        SupportPlan.objects.filter(name__iexact=name).exclude(code=code).exists()
    ):
        problems.add("name", f"Another plan is called {name!r}.")
    problems.raise_if_any("The support plan was not saved.")
    plan, created = SupportPlan.objects.select_for_update().get_or_create(
        code=code, defaults={"name": name, "description": description}
    )
    before = {} if created else snapshot(plan, ["name", "description"])
    plan.name, plan.description = name, description
    plan.save()
    after = snapshot(plan, ["name", "description"])
    if changed(before, after):
        audit_record(
            actor=actor,
            action="sla.plan_saved",
            target=plan,
            organisation_id=None,
            before=before,
            after=after,
        )
    return plan


def _duration(value: dt.timedelta | None, name: str, problems: Errors) -> dt.timedelta | None:
    if value is None:
        return None
    if value <= dt.timedelta(0):
        problems.add(name, "A target is a positive duration; leave it empty for no target.")
    elif value > LONGEST_TARGET:
        problems.add(name, "At most 366 days.")
    return value


@transaction.atomic
def target_set(
    *,
    actor: Person | None,
    plan: str,
    priority: str,
    calendar: str,
    first_response: dt.timedelta | None,
    update_interval: dt.timedelta | None,
    resolution: dt.timedelta | None,
    warn_percent: int = 75,
) -> ServiceTarget:
    """Set what ``plan`` promises at ``priority`` (created or replaced as a whole)."""
    _require_back_office(actor)
    problems = Errors()
    if not SupportPlan.objects.filter(code=plan).exists():
        problems.add("plan", f"{plan!r} is not a support plan.")
    if priority not in Priority.values:
        problems.add("priority", f"One of: {', '.join(Priority.values)}.")
    if not BusinessCalendar.objects.filter(code=calendar).exists():
        known = ", ".join(BusinessCalendar.objects.values_list("code", flat=True))
        problems.add("calendar", f"{calendar!r} is not a calendar; known: {known}.")
    values = {
        "calendar_id": calendar,
        "first_response": _duration(first_response, "first_response", problems),
        "update_interval": _duration(update_interval, "update_interval", problems),
        "resolution": _duration(resolution, "resolution", problems),
        "warn_percent": warn_percent,
    }
    if not isinstance(warn_percent, int) or not 1 <= warn_percent <= 100:
        problems.add("warn_percent", "A whole percentage from 1 to 100.")
    if (
        first_response is not None
        and resolution is not None
        and first_response > dt.timedelta(0)
        and resolution < first_response
    ):
        problems.add("resolution", "Cannot be shorter than the first-response target.")
    problems.raise_if_any("The service target was not saved.")
    target = (
        ServiceTarget.objects.select_for_update().filter(plan_id=plan, priority=priority).first()
    )
    before: dict[str, Any] = {}
    if target is None:
        target = ServiceTarget(plan_id=plan, priority=priority)
    else:
        before = snapshot(target, TARGET_FIELDS)
    for name, value in values.items():
        setattr(target, name, value)
    target.save()
    after = snapshot(target, TARGET_FIELDS)
    if changed(before, after):
        audit_record(
            actor=actor,
            action="sla.target_set",
            target=target,
            organisation_id=None,
            before=before,
            after=after,
        )
        _changed_policy("target", f"{plan}:{priority}")
    return target


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):
        return False
    return True


@transaction.atomic
def calendar_save(
    *,
    actor: Person | None,
    code: str,
    name: str,
    always_open: bool = False,
    hours: Mapping[str, Sequence[str]] | None = None,
    time_zone: str = "",
    public_holidays: bool = True,
    country: str = "",
    region: str = "",
) -> BusinessCalendar:
    """Create or replace a calendar. ``hours`` as ``{"mon": ["09:00-17:00"], ...}``; an empty
    ``time_zone`` or ``country`` means the customer's."""
    _require_back_office(actor)
    problems = Errors()
    code = _clean_code(code, problems)
    name = clean_single_line(name, problems, "name", max_length=100)
    if "name" not in problems and (
        BusinessCalendar.objects.filter(name__iexact=name).exclude(code=code).exists()
    ):
        problems.add("name", f"Another calendar is called {name!r}.")
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    if not always_open:
        weekly, hour_problems = parse_hours(hours or {})
        for key, messages in hour_problems.items():
            for message in messages:
                problems.add(key, message)
    time_zone = (time_zone or "").strip()
    if time_zone and not _valid_zone(time_zone):
        problems.add("time_zone", f"{time_zone!r} is not a known time zone, e.g. Europe/Amsterdam.")
    country = clean_single_line(country, problems, "country", max_length=2, required=False)
    region = clean_single_line(region, problems, "region", max_length=10, required=False)
    country, region = country.upper(), region.upper()
    if region and not country:
        problems.add("region", "A region needs its country.")
    elif country and public_holidays:
        if unknown := check_country(country, ""):
            problems.add("country", unknown[0])
        elif region and (unknown := check_country(country, region)):
            problems.add("region", unknown[0])
    problems.raise_if_any("The calendar was not saved.")
    values = {
        "name": name,
        "always_open": always_open,
        "hours": hours_to_json(weekly),
        "time_zone": time_zone,
        "public_holidays": public_holidays,
        "country": country,
        "region": region,
    }
    calendar = BusinessCalendar.objects.select_for_update().filter(code=code).first()
    before: dict[str, Any] = {}
    if calendar is None:
        calendar = BusinessCalendar(code=code)
    else:
        before = snapshot(calendar, CALENDAR_FIELDS)
    for field_name, value in values.items():
        setattr(calendar, field_name, value)
    after = snapshot(calendar, CALENDAR_FIELDS)
    if before and not changed(before, after):
        return calendar
    if before:
        calendar.revision += 1
    calendar.save()
    audit_record(
        actor=actor,
        action="sla.calendar_saved",
        target=calendar,
        organisation_id=None,
        before=before,
        after=after,
    )
    _changed_policy("calendar", code)
    return calendar


@transaction.atomic
def closed_day_add(
    *, actor: Person | None, calendar: BusinessCalendar, day: dt.date, name: str
) -> ClosedDay:
    """Close a calendar for one day (in addition to public holidays)."""
    _require_back_office(actor)
    problems = Errors()
    name = clean_single_line(name, problems, "name", max_length=100)
    if calendar.always_open:
        problems.add("calendar", "A 24x7 calendar has no closed days.")
    if ClosedDay.objects.filter(calendar=calendar, day=day).exists():
        problems.add("day", f"{calendar.name} is already closed on {day}.")
    problems.raise_if_any("The closed day was not added.")
    closed = ClosedDay.objects.create(calendar=calendar, day=day, name=name)
    BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=calendar.revision + 1)
    audit_record(
        actor=actor,
        action="sla.closed_day_added",
        target=calendar,
        organisation_id=None,
        after={"day": day.isoformat(), "name": name},
    )
    _changed_policy("calendar", calendar.code)
    return closed


@transaction.atomic
def closed_day_remove(*, actor: Person | None, calendar: BusinessCalendar, day: dt.date) -> None:
    _require_back_office(actor)
    deleted, _ = ClosedDay.objects.filter(calendar=calendar, day=day).delete()
    if not deleted:
        raise ValidationFailed(
            "Nothing was removed.", fields={"day": f"{calendar.name} is not closed on {day}."}
        )
    BusinessCalendar.objects.filter(pk=calendar.pk).update(revision=calendar.revision + 1)
    audit_record(
        actor=actor,
        action="sla.closed_day_removed",
        target=calendar,
        organisation_id=None,
        before={"day": day.isoformat()},
    )
    _changed_policy("calendar", calendar.code)
