"""Service-level endpoints: plans and their targets, business calendars and closed days, the
clocks of a case with the explanation of each, and re-prioritising a case."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.cases import selectors as case_selectors
from casebridge.cases.clocks import Reading
from casebridge.core.errors import ValidationFailed
from casebridge.parties.models import Person, SupportPlan
from casebridge.sla import selectors, services
from casebridge.sla.calendar import hours_from_json, hours_spec
from casebridge.sla.choices import ClockStatus, Metric, Priority
from casebridge.sla.models import BusinessCalendar, ServiceTarget

router = Router(tags=["service levels"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MINUTE = dt.timedelta(minutes=1)


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _minutes(value: dt.timedelta | None) -> int | None:
    return None if value is None else int(value / MINUTE)


# --- Plans and targets ---


class TargetOut(Schema):
    priority: Priority
    calendar: str = Field(..., description="The calendar's code.")
    first_response_minutes: int | None
    update_interval_minutes: int | None
    resolution_minutes: int | None
    warn_percent: int

    @staticmethod
    def resolve_calendar(target: ServiceTarget) -> str:
        return target.calendar_id

    @staticmethod
    def resolve_first_response_minutes(target: ServiceTarget) -> int | None:
        return _minutes(target.first_response)

    @staticmethod
    def resolve_update_interval_minutes(target: ServiceTarget) -> int | None:
        return _minutes(target.update_interval)

    @staticmethod
    def resolve_resolution_minutes(target: ServiceTarget) -> int | None:
        return _minutes(target.resolution)


class PlanOut(Schema):
    code: str
    name: str
    description: str
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(plan: SupportPlan) -> list[ServiceTarget]:
        return list(plan.targets.all())


class PlanIn(InSchema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)


class TargetIn(InSchema):
    calendar: str = Field(..., max_length=40, examples=["business-hours"])
    first_response_minutes: int | None = Field(None, description="Empty: no target.")
    update_interval_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_percent: int = 75


@router.get("/sla/plans", response={200: list[PlanOut], **ERRORS}, summary="Support plans")
def list_plans(request: HttpRequest) -> Any:
    # A handful of contracts, each with at most four targets: returned whole.
    return list(selectors.plan_list()[:200])


@router.get("/sla/plans/{code}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, code: str) -> Any:
    return selectors.access_plan(code)


@router.put("/sla/plans/{code}", response={200: PlanOut, **ERRORS}, summary="Create or rename")
def put_plan(request: HttpRequest, code: str, payload: PlanIn) -> Any:
    plan = services.plan_save(
        actor=_actor(request), code=code, name=payload.name, description=payload.description
    )
    return selectors.access_plan(plan.code)


def _duration(minutes: int | None) -> dt.timedelta | None:
    return None if minutes is None else minutes * MINUTE


@router.put(
    "/sla/plans/{code}/targets/{priority}",
    response={200: PlanOut, **ERRORS},
    summary="Set a plan's targets at one priority; running clocks are repaired in the worker",
)
def put_target(request: HttpRequest, code: str, priority: str, payload: TargetIn) -> Any:
    try:
        services.target_set(
            actor=_actor(request),
            plan=code,
            priority=priority,
            calendar=payload.calendar,
            first_response=_duration(payload.first_response_minutes),
            update_interval=_duration(payload.update_interval_minutes),
            resolution=_duration(payload.resolution_minutes),
            warn_percent=payload.warn_percent,
        )
    except ValidationFailed as error:
        renamed = {
            {
                "first_response": "first_response_minutes",
                "update_interval": "update_interval_minutes",
                "resolution": "resolution_minutes",
            }.get(name, name): messages
            for name, messages in error.fields.items()
        }
        raise ValidationFailed(error.detail, fields=renamed) from error
    return selectors.access_plan(code)


# --- Calendars ---


class ClosedDayOut(Schema):
    day: dt.date
    name: str


class CalendarOut(Schema):
    code: str
    name: str
    always_open: bool
    hours: dict[str, list[str]] = Field(..., examples=[{"mon": ["09:00-17:00"]}])
    time_zone: str = Field(..., description="Empty: the customer's time zone.")
    public_holidays: bool
    country: str = Field(..., description="Empty: the customer's country.")
    region: str
    revision: int
    closed_days: list[ClosedDayOut]

    @staticmethod
    def resolve_hours(calendar: BusinessCalendar) -> dict[str, list[str]]:
        return hours_spec(hours_from_json(calendar.hours))

    @staticmethod
    def resolve_closed_days(calendar: BusinessCalendar) -> list[Any]:
        return list(calendar.closed_days.all())


class CalendarIn(InSchema):
    name: str = Field(..., max_length=100)
    always_open: bool = False
    hours: dict[str, list[str]] = Field(
        default_factory=dict, examples=[{"mon": ["09:00-12:30", "13:30-17:30"]}]
    )
    time_zone: str = Field("", max_length=64)
    public_holidays: bool = True
    country: str = Field("", max_length=2)
    region: str = Field("", max_length=10)


class ClosedDayIn(InSchema):
    day: dt.date
    name: str = Field(..., max_length=100)


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request: HttpRequest) -> Any:
    return list(selectors.calendar_list()[:200])


@router.get("/sla/calendars/{code}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, code: str) -> Any:
    return selectors.access_calendar(code)


@router.put(
    "/sla/calendars/{code}",
    response={200: CalendarOut, **ERRORS},
    summary="Create or replace a calendar; running clocks are repaired in the worker",
)
def put_calendar(request: HttpRequest, code: str, payload: CalendarIn) -> Any:
    services.calendar_save(actor=_actor(request), code=code, **payload.dict())
    return selectors.access_calendar(code)


@router.post("/sla/calendars/{code}/closed-days", response={201: CalendarOut, **ERRORS})
def add_closed_day(request: HttpRequest, code: str, payload: ClosedDayIn) -> Any:
    calendar = selectors.access_calendar(code)
    services.closed_day_add(
        actor=_actor(request), calendar=calendar, day=payload.day, name=payload.name
    )
    return Status(201, selectors.access_calendar(code))


@router.delete("/sla/calendars/{code}/closed-days/{day}", response={204: None, **ERRORS})
def remove_closed_day(request: HttpRequest, code: str, day: dt.date) -> Any:
    calendar = selectors.access_calendar(code)
    services.closed_day_remove(actor=_actor(request), calendar=calendar, day=day)
    return Status(204, None)


# --- The clocks of a case ---


class ClockOut(Schema):
    engagement: str
    metric: Metric
    status: ClockStatus
    plan: str
    priority: str
    calendar: str
    target_minutes: int | None
    cycle: int
    started_at: dt.datetime
    due_at: dt.datetime | None = Field(None, description="Empty while paused or not running.")
    warn_at: dt.datetime | None
    met_at: dt.datetime | None
    elapsed_seconds: int | None
    remaining_seconds: int | None


def _clock(reading: Reading, zone: ZoneInfo) -> dict[str, Any]:
    def local(moment: dt.datetime | None) -> dt.datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    state, policy = reading.state, reading.policy
    return {
        "engagement": reading.engagement,
        "metric": reading.metric,
        "status": reading.status,
        "plan": policy.plan if policy else "",
        "priority": policy.priority if policy else "",
        "calendar": policy.calendar_code if policy else "",
        "target_minutes": _minutes(reading.target),
        "cycle": reading.cycle,
        "started_at": local(reading.started_at),
        "due_at": local(reading.due_at),
        "warn_at": local(reading.warn_at),
        "met_at": local(reading.met_at),
        "elapsed_seconds": int(state.elapsed.total_seconds()) if state else None,
        "remaining_seconds": int(state.remaining.total_seconds()) if state else None,
    }


class ZoneQuery(Schema):
    tz: str = Field("UTC", description="Show times in this zone, e.g. Europe/Amsterdam.")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ValidationFailed(
            "Unknown time zone.", fields={"tz": f"{name!r} is not a time zone."}
        ) from None


@router.get("/cases/{case_id}/clocks", response={200: list[ClockOut], **ERRORS})
def case_clocks(request: HttpRequest, case_id: int, query: Query[ZoneQuery]) -> Any:
    actor = _actor(request)
    zone = _zone(query.tz)
    case = case_selectors.access_case(actor, case_id)
    return [_clock(reading, zone) for reading in case_selectors.case_clocks(actor, case)]


class SpanOut(Schema):
    start: dt.datetime
    end: dt.datetime | None


class ExplanationOut(Schema):
    clock: ClockOut
    time_zone: str
    calendar_name: str
    counted_until: dt.datetime
    counted: list[SpanOut] = Field(..., description="The stretches counted, in order.")
    counted_seconds: int
    pauses: list[SpanOut]
    closed_days: list[dt.date] = Field(..., description="Working days skipped as closed.")
    notes: list[str]


@router.get(
    "/cases/{case_id}/clocks/{engagement}/{metric}",
    response={200: ExplanationOut, **ERRORS},
    summary="Why a clock is due when it is: the intervals it counted",
)
def explain_clock(
    request: HttpRequest, case_id: int, engagement: str, metric: str, query: Query[ZoneQuery]
) -> Any:
    actor = _actor(request)
    zone = _zone(query.tz)
    case = case_selectors.access_case(actor, case_id)
    explanation = case_selectors.clock_explanation(actor, case, engagement, metric)
    reading = explanation.reading

    def span(start: dt.datetime, end: dt.datetime | None) -> dict[str, Any]:
        return {"start": start.astimezone(zone), "end": end.astimezone(zone) if end else None}

    return {
        "clock": _clock(reading, zone),
        "time_zone": query.tz,
        "calendar_name": reading.policy.calendar_name if reading.policy else "",
        "counted_until": explanation.counted_until.astimezone(zone),
        "counted": [span(a, b) for a, b in explanation.counted],
        "counted_seconds": int(explanation.counted_total.total_seconds()),
        "pauses": [span(a, b) for a, b in explanation.pauses],
        "closed_days": explanation.closed_days,
        "notes": explanation.notes,
    }
