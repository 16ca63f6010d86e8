"""Portal pages of the reports: the dashboard (the vendor's network, a partner's desk, a
customer's own service levels), the cases behind any number, and each measure as CSV."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from casebridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.parties.selectors import organisation_list
from casebridge.reports import exports, selectors
from casebridge.reports.choices import Grouping, Measure
from casebridge.reports.selectors import ReportFilters, ReportScope, report_scope
from casebridge.sla.choices import Priority

PAGE_SIZE = 50
#: Colours of the charts (met, missed; the volume and backlog bars).
MET, MISSED, NEUTRAL = "#4f9d69", "#c2452d", "#1f5fbf"


def _number(value: str | None) -> int | str | None:
    if value in (None, ""):
        return None
    return int(value) if value.isdigit() and len(value) < 12 else value


def _filters(request: HttpRequest) -> tuple[ReportFilters, dict[str, str]]:
    """The filters as asked; an id that is not a number is a field error like any other."""
    fields: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("partner", "customer"):
        value = _number(request.GET.get(name))
        if isinstance(value, str):
            fields[name] = "Not an organisation's id."
            value = None
        values[name] = value
    filters = ReportFilters(
        start=request.GET.get("start") or None,
        end=request.GET.get("end") or None,
        priority=request.GET.get("priority") or None,
        **values,
    )
    return filters, fields


def _scope(actor: Person, request: HttpRequest) -> tuple[ReportScope, dict[str, list[str]]]:
    """The caller's scope, or the default one with the problems of what was asked."""
    filters, fields = _filters(request)
    try:
        if fields:
            raise ValidationFailed("The report's filters are not valid.", fields=fields)
        return report_scope(actor=actor, filters=filters), {}
    except ValidationFailed as error:
        return report_scope(actor=actor, filters=ReportFilters()), error.fields
    except NotFound as error:
        raise Http404(error.detail) from error
    except PermissionDenied as error:
        raise Forbidden(error.detail) from error


def _link(scope: ReportScope, measure: str, item: str = "", **extra: Any) -> str:
    params = {**scope.query(), "measure": measure, **({"item": item} if item else {}), **extra}
    return f"{reverse('ui:report-cases')}?{urlencode(params)}"


def _attainment_section(scope: ReportScope) -> dict[str, Any]:
    rows = selectors.sla_attainment(scope)
    found = {row.target: row for row in rows}
    targets = [
        found.get(f"{e}.{m}")
        or selectors.AttainmentRow(
            f"{e}.{m}", selectors.target_label(f"{e}.{m}", scope.viewer), 0, 0
        )
        for e, m in selectors.TARGETS
        if scope.viewer != OrganisationKind.CUSTOMER or e == "customer"
    ]
    return {
        "rows": [
            {
                "row": row,
                "met_link": _link(scope, Measure.SLA_MET, row.target),
                "missed_link": _link(scope, Measure.SLA_MISSED, row.target),
            }
            for row in targets
        ],
        "chart": {
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "labels": [row.label.split(": ", 1) for row in targets],  # two lines each
            "series": [
                {"label": "Met", "values": [row.met for row in targets], "colour": MET},
                {"label": "Missed", "values": [row.missed for row in targets], "colour": MISSED},
            ],
        },
    }


def _ages(bucket: selectors.AgeBucket) -> str:
    """An age bucket as the cases list asks for it: ``8-30``, ``91-``."""
    through = "" if bucket.days_through is None else str(bucket.days_through)
    return f"{bucket.days_from}-{through}"


def _backlog_section(scope: ReportScope) -> dict[str, Any]:
    report = selectors.backlog(scope)
    return {
        "report": report,
        "buckets": [
            {
                "bucket": bucket,
                "link": _link(scope, Measure.OPEN, _ages(bucket)),
            }
            for bucket in report.by_age
        ],
        "chart": {
            "type": "bar",
            "labels": [bucket.label for bucket in report.by_age],
            "series": [
                {
                    "label": "Open cases",
                    "values": [bucket.cases for bucket in report.by_age],
                    "colour": NEUTRAL,
                }
            ],
        },
    }


def _volume_section(scope: ReportScope) -> dict[str, Any]:
    report = selectors.volume(scope)
    return {
        "report": report,
        "components": [
            (name, cases, _link(scope, Measure.COMPONENT, code))
            for code, name, cases in report.by_component
        ],
        "chart": {
            "type": "bar",
            "labels": [f"{month:%b %Y}" for month, _ in report.by_month],
            "series": [
                {
                    "label": "Cases opened",
                    "values": [cases for _, cases in report.by_month],
                    "colour": NEUTRAL,
                }
            ],
        },
    }


def _dashboard_context(actor: Person, scope: ReportScope) -> dict[str, Any]:
    kind = scope.viewer
    context: dict[str, Any] = {
        "scope": scope,
        "viewer": kind,
        "attainment": _attainment_section(scope),
        "backlog": _backlog_section(scope),
        "volume": _volume_section(scope),
        "priority_one": selectors.priority_one(scope),
        "p1_link": _link(scope, Measure.P1_OPENED),
        "query": urlencode(scope.query()),
    }
    if kind != OrganisationKind.CUSTOMER:
        escalations = selectors.escalations(scope)
        context["escalations"] = escalations
        context["escalation_links"] = {
            "deflected": _link(scope, Measure.DEFLECTED),
            "escalated": _link(scope, Measure.ESCALATED),
            "returned": [
                (label, cases, _link(scope, Measure.RETURNED, reason))
                for reason, label, cases in escalations.returned
            ],
        }
        context["rca_rows"] = [
            {
                "row": row,
                "links": {
                    name: _link(scope, measure, str(row.owner_id))
                    for name, measure in (
                        ("on_time", Measure.RCA_ON_TIME),
                        ("late", Measure.RCA_LATE),
                        ("overdue", Measure.RCA_OVERDUE),
                        ("open", Measure.RCA_OPEN),
                    )
                },
            }
            for row in context["priority_one"].rcas
        ]
    if kind == OrganisationKind.VENDOR:
        ranking = selectors.partner_ranking(scope)
        context["ranking"] = [
            {
                "row": row,
                "missed_link": _link(
                    scope, Measure.SLA_MISSED, "customer", partner=str(row.partner_id)
                ),
                "filter_link": "?" + urlencode({**scope.query(), "partner": row.partner_id}),
            }
            for row in ranking
        ]
        context["ranking_chart"] = {
            "type": "bar",
            "horizontal": True,
            "percent": True,
            "labels": [row.partner for row in ranking],
            "series": [
                {
                    "label": "Attainment %",
                    "values": [row.attainment or 0 for row in ranking],
                    "colour": MET,
                }
            ],
        }
    return context


def _choices(actor: Person, scope: ReportScope) -> dict[str, Any]:
    kind = actor.organisation.kind
    partners = (
        organisation_list(actor=actor, kind=OrganisationKind.PARTNER)
        if kind == OrganisationKind.VENDOR
        else []
    )
    customers = organisation_list(actor=actor, kind=OrganisationKind.CUSTOMER)
    if scope.partner_id is not None and kind == OrganisationKind.VENDOR:
        customers = customers.filter(relationship__partner_id=scope.partner_id)
    return {
        "partners": partners,
        "customers": customers if kind != OrganisationKind.CUSTOMER else [],
        "priorities": Priority.choices,
    }


@require_GET
@login_required
def reports_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    scope, errors = _scope(actor, request)
    context = _dashboard_context(actor, scope)
    context.update(_choices(actor, scope))
    context["errors"] = errors
    context["asked"] = request.GET
    title = {
        OrganisationKind.VENDOR: "Network reports",
        OrganisationKind.PARTNER: f"Reports of {actor.organisation.name}",
        OrganisationKind.CUSTOMER: f"Service levels of {actor.organisation.name}",
    }[actor.organisation.kind]
    context["title"] = title
    return render(request, "ui/reports/dashboard.html", context, status=422 if errors else 200)


@require_GET
@login_required
def report_cases_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    scope, errors = _scope(actor, request)
    measure = request.GET.get("measure", "")
    item = request.GET.get("item", "")
    behind = None
    if not errors:
        try:
            behind = selectors.cases_behind(actor=actor, scope=scope, measure=measure, item=item)
        except ValidationFailed as error:
            errors = error.fields
    page = Paginator(behind.cases if behind else [], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ui/reports/cases.html",
        {
            "scope": scope,
            "behind": behind,
            "page": page,
            "hidden": behind.total - page.paginator.count if behind else 0,
            "title": selectors.describe_number(scope, measure, item) if behind else "Cases",
            "errors": errors,
            "back": f"{reverse('ui:reports')}?{urlencode(scope.query())}",
            "query": urlencode({**scope.query(), "measure": measure, "item": item}),
        },
        status=422 if errors else 200,
    )


@require_GET
@login_required
def report_export_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    name = request.GET.get("report", "")
    if name not in exports.TABLES:
        raise Http404("No such report.")
    filters, fields = _filters(request)
    grouping = request.GET.get("group") or None
    if grouping is not None and grouping not in Grouping.values:
        fields["group"] = f"One of: {', '.join(Grouping.values)}."
    try:
        if fields:
            raise ValidationFailed("The report's filters are not valid.", fields=fields)
        scope = report_scope(actor=actor, filters=filters)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        exports.write_measure_csv(name, scope, response, grouping)
    except ValidationFailed as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        return HttpResponse(problems, status=422, content_type="text/plain; charset=utf-8")
    except NotFound as error:
        raise Http404(error.detail) from error
    except PermissionDenied as error:
        raise Forbidden(error.detail) from error
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{scope.start:%Y-%m}-to-{scope.end:%Y-%m}.csv"'
    )
    return response
