"""Report endpoints: each measure of docs/reports.md over a period (months) filtered by partner,
customer and priority, read from the rollups, and the cases behind any number.

A vendor manager reads the whole network; a partner manager its own desk and customers (another
partner's id is a 404); a customer administrator its own cases and service levels. A period
after this month, or a partner or customer that does not exist, is a 422 per field."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut
from casebridge.parties.models import Person
from casebridge.reports import selectors
from casebridge.reports.choices import Grouping, Measure
from casebridge.sla.choices import Priority

router = Router(tags=["reports"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class ReportQuery(Schema):
    start: str | None = Field(None, description="First month, YYYY-MM (default: 5 months ago).")
    end: str | None = Field(None, description="Last month, YYYY-MM, not after this month.")
    partner: int | None = Field(None, description="A partner's organisation id (the vendor).")
    customer: int | None = Field(None, description="A customer's organisation id.")
    priority: Priority | None = None


def _scope(request: HttpRequest, query: ReportQuery) -> selectors.ReportScope:
    return selectors.report_scope(
        actor=_actor(request),
        filters=selectors.ReportFilters(
            start=query.start,
            end=query.end,
            partner=query.partner,
            customer=query.customer,
            priority=query.priority,
        ),
    )


class ScopeOut(Schema):
    start: dt.date
    end: dt.date
    partner_id: int | None
    customer_id: int | None
    priority: str | None


def _scope_out(scope: selectors.ReportScope) -> dict[str, Any]:
    return {
        "start": scope.start,
        "end": scope.end,
        "partner_id": scope.partner_id,
        "customer_id": scope.customer_id,
        "priority": scope.priority,
    }


class AttainmentRowOut(Schema):
    target: str = Field(..., description="engagement.metric, e.g. customer.first_response.")
    label: str
    group: str = Field(..., description="The group's key (empty without grouping).")
    group_label: str
    met: int
    missed: int
    attainment: float | None = Field(..., description="Percent met of the decided targets.")


class AttainmentOut(Schema):
    scope: ScopeOut
    rows: list[AttainmentRowOut]


class AttainmentQuery(ReportQuery):
    group: Grouping | None = Field(None, description="Break the rows down by this key.")


@router.get(
    "/reports/sla-attainment",
    response={200: AttainmentOut, **ERRORS},
    summary="Service-level targets met and missed, per target",
)
def sla_attainment(request: HttpRequest, query: Query[AttainmentQuery]) -> Any:
    scope = _scope(request, query)
    rows = selectors.sla_attainment(scope, grouping=query.group)
    return {
        "scope": _scope_out(scope),
        "rows": [{**row.__dict__, "attainment": row.attainment} for row in rows],
    }


class AgeBucketOut(Schema):
    label: str
    cases: int
    days_from: int
    days_through: int | None


class BacklogOut(Schema):
    scope: ScopeOut
    open_cases: int
    by_age: list[AgeBucketOut]
    by_priority: dict[str, int]


@router.get(
    "/reports/backlog",
    response={200: BacklogOut, **ERRORS},
    summary="The cases open now, by age and priority",
)
def backlog(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    scope = _scope(request, query)
    report = selectors.backlog(scope)
    return {
        "scope": _scope_out(scope),
        "open_cases": report.open_cases,
        "by_age": [bucket.__dict__ for bucket in report.by_age],
        "by_priority": dict(report.by_priority),
    }


class ReturnOut(Schema):
    reason: str
    label: str
    cases: int


class EscalationsOut(Schema):
    scope: ScopeOut
    resolved: int
    deflected: int
    deflection: float | None
    escalated: int
    returned: list[ReturnOut]
    return_rate: float | None


@router.get(
    "/reports/escalations",
    response={200: EscalationsOut, **ERRORS},
    summary="Deflection (solved at the partner) and escalations returned, by reason",
)
def escalations(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    scope = _scope(request, query)
    report = selectors.escalations(scope)
    return {
        "scope": _scope_out(scope),
        "resolved": report.resolved,
        "deflected": report.deflected,
        "deflection": report.deflection,
        "escalated": report.escalated,
        "returned": [
            {"reason": reason, "label": label, "cases": cases}
            for reason, label, cases in report.returned
        ],
        "return_rate": report.return_rate,
    }


class RcaOwnerOut(Schema):
    owner_id: int
    owner: str
    on_time: int
    late: int
    overdue: int
    open: int


class PriorityOneOut(Schema):
    scope: ScopeOut
    opened: int
    resolved: int
    average_minutes_to_resolve: int | None
    rcas: list[RcaOwnerOut]


@router.get(
    "/reports/priority-one",
    response={200: PriorityOneOut, **ERRORS},
    summary="Priority 1 cases, their time to resolve, and RCAs per owner",
)
def priority_one(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    scope = _scope(request, query)
    report = selectors.priority_one(scope)
    rcas = [] if not scope.allows(Measure.RCA_OVERDUE) else [row.__dict__ for row in report.rcas]
    return {
        "scope": _scope_out(scope),
        "opened": report.opened,
        "resolved": report.resolved,
        "average_minutes_to_resolve": report.average_minutes_to_resolve,
        "rcas": rcas,
    }


class MonthCountOut(Schema):
    month: dt.date
    cases: int


class ComponentCountOut(Schema):
    component: str
    name: str
    cases: int


class ReleaseCountOut(Schema):
    release: str
    cases: int


class VolumeOut(Schema):
    scope: ScopeOut
    by_month: list[MonthCountOut]
    by_component: list[ComponentCountOut]
    by_release: list[ReleaseCountOut]


@router.get(
    "/reports/volume",
    response={200: VolumeOut, **ERRORS},
    summary="Cases opened per month, component and release",
)
def volume(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    scope = _scope(request, query)
    report = selectors.volume(scope)
    return {
        "scope": _scope_out(scope),
        "by_month": [{"month": month, "cases": cases} for month, cases in report.by_month],
        "by_component": [
            {"component": code, "name": name, "cases": cases}
            for code, name, cases in report.by_component
        ],
        "by_release": [
            {"release": release, "cases": cases} for release, cases in report.by_release
        ],
    }


class PartnerRowOut(Schema):
    partner_id: int
    partner: str
    opened: int
    met: int
    missed: int
    attainment: float | None
    resolved: int
    deflected: int
    deflection: float | None
    escalated: int
    returned: int
    return_rate: float | None
    p1_opened: int
    rcas_overdue: int


class PartnersOut(Schema):
    scope: ScopeOut
    rows: list[PartnerRowOut]


@router.get(
    "/reports/partners",
    response={200: PartnersOut, **ERRORS},
    summary="The partners of the network ranked by their desks' attainment (the vendor)",
)
def partners(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    scope = _scope(request, query)
    rows = selectors.partner_ranking(scope)
    return {
        "scope": _scope_out(scope),
        "rows": [
            {
                **row.__dict__,
                "attainment": row.attainment,
                "deflection": row.deflection,
                "return_rate": row.return_rate,
            }
            for row in rows
        ],
    }


class CaseBehindOut(Schema):
    id: int
    number: str
    title: str
    priority: Priority
    customer_id: int
    customer: str
    partner_id: int | None
    partner: str | None
    customer_status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_customer(case: Any) -> str:
        return str(case.customer.name)

    @staticmethod
    def resolve_partner(case: Any) -> str | None:
        return case.partner.name if case.partner_id else None


class CasesBehindQuery(ReportQuery):
    measure: Measure
    item: str = Field(
        "",
        max_length=60,
        description="The measure's item: a target (customer.first_response), a return reason, "
        "an RCA owner's id, a component code, a release, or for open cases an age in days "
        "(8-30, 91-).",
    )


@router.get(
    "/reports/cases",
    response=list[CaseBehindOut],
    summary="The cases behind a number (those you may see)",
)
@paginate(Pages)
def cases_behind(request: HttpRequest, query: Query[CasesBehindQuery]) -> Any:
    scope = _scope(request, query)
    return selectors.cases_behind(
        actor=_actor(request), scope=scope, measure=query.measure, item=query.item
    ).cases
