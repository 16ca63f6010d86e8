"""Portal pages for service levels: a case's clocks (polled over HTMX), the explanation of one
clock, and the plans and calendars every party may read — which the vendor's back office
(administrators and managers) also edits there: a plan's targets per priority, a calendar's
closed days."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casebridge.cases import selectors as case_selectors
from casebridge.cases.choices import EngagementKind
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.errors import DomainError, NotFound, ValidationFailed
from casebridge.parties.models import Person
from casebridge.parties.permissions import can_manage_organisations
from casebridge.sla import selectors, services
from casebridge.sla.calendar import duration_parse, hours_from_json, hours_spec
from casebridge.sla.choices import Metric, Priority


def clock_context(actor: Person, case: Case) -> dict[str, object]:
    """What the clocks panel shows: the actor's visible clocks, grouped by engagement."""
    now = clock.now()
    readings = case_selectors.case_clocks(actor, case, now=now)
    return {
        "case": case,
        "clock_groups": [
            (label, [r for r in readings if r.engagement == kind])
            for kind, label in EngagementKind.choices
            if any(r.engagement == kind for r in readings)
        ],
        "viewer_zone": timezone.get_current_timezone_name(),
        "now": now,  # a running clock past its warning time shows as due soon
    }


@require_GET
@login_required
def case_clocks_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        case = case_selectors.access_case(actor, case_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    return render(request, "ui/sla/clocks.html", clock_context(actor, case))


@require_GET
@login_required
def clock_explanation_view(
    request: HttpRequest, case_id: int, engagement: str, metric: str
) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    if engagement not in EngagementKind.values or metric not in Metric.values:
        raise Http404("No such clock.")
    try:
        case = case_selectors.access_case(actor, case_id)
        explanation = case_selectors.clock_explanation(actor, case, engagement, metric)
    except NotFound as error:
        raise Http404(error.detail) from error
    running = []
    total = None
    for start, end in explanation.counted:
        total = (end - start) if total is None else total + (end - start)
        running.append((start, end, end - start, total))
    return render(
        request,
        "ui/sla/explanation.html",
        {
            "case": case,
            "explanation": explanation,
            "reading": explanation.reading,
            "metric_label": Metric(metric).label,
            "engagement_label": EngagementKind(engagement).label,
            "counted": running,
            "viewer_zone": timezone.get_current_timezone_name(),
        },
    )


@require_GET
@login_required
def service_levels_view(request: HttpRequest) -> HttpResponse:
    calendars = [
        (calendar, hours_spec(hours_from_json(calendar.hours)))
        for calendar in selectors.calendar_list()[:200]
    ]
    actor: Person = request.user  # type: ignore[assignment]
    plans = list(selectors.plan_list()[:200])
    rows = []
    for plan in plans:
        targets = {target.priority: target for target in plan.targets.all()}
        rows.append(
            (plan, [(value, label, targets.get(value)) for value, label in Priority.choices])
        )
    return render(
        request,
        "ui/sla/service_levels.html",
        {
            "plans": plans,
            "plan_rows": rows,
            "calendars": calendars,
            "editable": can_manage_organisations(actor),
            "priorities": Priority.choices,
        },
    )


def _refused(request: HttpRequest, error: DomainError) -> None:
    problems = " ".join(" ".join(texts) for texts in error.fields.values())
    messages.error(request, f"{error.detail} {problems}".strip())


#: The target fields as the page labels them (a refusal names the one it is about).
TARGET_LABELS = {
    "first_response": "first response",
    "update_interval": "update every",
    "resolution": "resolve",
}


@require_POST
@login_required
def target_save_view(request: HttpRequest, code: str, priority: str) -> HttpResponse:
    """A plan's targets at one priority, durations as people write them (4 h, 1 d 2 h)."""
    actor: Person = request.user  # type: ignore[assignment]
    durations: dict[str, dt.timedelta | None] = {}
    problems: dict[str, str] = {}
    row = Priority(priority).label if priority in Priority.values else priority
    for name, label in TARGET_LABELS.items():
        try:
            durations[name] = duration_parse(request.POST.get(name, ""))
        except ValueError as error:
            problems[name] = f"{row}, {label}: {error}"
    raw_warn = request.POST.get("warn_percent", "75").strip()
    if not raw_warn.isdigit() or len(raw_warn) > 3:
        problems["warn_percent"] = f"{row}, warn at: a whole percentage, such as 75."
    try:
        if problems:
            raise ValidationFailed("The targets were not saved.", fields=problems)
        services.target_set(
            actor=actor,
            plan=code,
            priority=priority,
            calendar=request.POST.get("calendar", ""),
            warn_percent=int(raw_warn),
            **durations,
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request, f"Saved the {Priority(priority).label} targets; running clocks follow."
        )
    return redirect(f"{reverse('ui:service-levels')}#plan-{code}")


@require_POST
@login_required
def closed_day_add_view(request: HttpRequest, code: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        calendar = selectors.access_calendar(code)
        try:
            day = dt.date.fromisoformat(request.POST.get("day", ""))
        except ValueError as error:
            raise ValidationFailed(
                "The closed day was not added.", fields={"day": "Choose a date."}
            ) from error
        services.closed_day_add(
            actor=actor, calendar=calendar, day=day, name=request.POST.get("name", "")
        )
    except NotFound as error:
        raise Http404(error.detail) from error
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{calendar.name} is closed on {day:%-d %B %Y}.")
    return redirect(f"{reverse('ui:service-levels')}#calendars")


@require_POST
@login_required
def closed_day_remove_view(request: HttpRequest, code: str, day: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        calendar = selectors.access_calendar(code)
        services.closed_day_remove(actor=actor, calendar=calendar, day=dt.date.fromisoformat(day))
    except (NotFound, ValueError) as error:
        raise Http404("No such closed day.") from error
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{calendar.name} is open again on {day}.")
    return redirect(f"{reverse('ui:service-levels')}#calendars")
