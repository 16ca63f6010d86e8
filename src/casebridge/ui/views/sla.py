"""Portal pages for service levels: a case's clocks (polled over HTMX), the explanation of one
clock, and the plans and calendars every party may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casebridge.cases import selectors as case_selectors
from casebridge.cases.choices import EngagementKind
from casebridge.cases.models import Case
from casebridge.core.errors import NotFound
from casebridge.parties.models import Person
from casebridge.sla import selectors
from casebridge.sla.calendar import hours_from_json, hours_spec
from casebridge.sla.choices import Metric


def clock_context(actor: Person, case: Case) -> dict[str, object]:
    """What the clocks panel shows: the actor's visible clocks, grouped by engagement."""
    readings = case_selectors.case_clocks(actor, case)
    return {
        "case": case,
        "clock_groups": [
            (label, [r for r in readings if r.engagement == kind])
            for kind, label in EngagementKind.choices
            if any(r.engagement == kind for r in readings)
        ],
        "viewer_zone": timezone.get_current_timezone_name(),
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
    return render(
        request,
        "ui/sla/service_levels.html",
        {"plans": selectors.plan_list()[:200], "calendars": calendars},
    )
