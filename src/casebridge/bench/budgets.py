"""Query budgets: each selector behind a page or list, timed on this database, with its plan.

A budget is a selector as a page calls it (the first 50 rows of a queue, everything a case page
reads) plus the queryset whose plan decides its cost. The plan fails the budget when it reads a
whole table of cases, events or clocks (a sequential scan on PostgreSQL, a ``SCAN`` without an
index on SQLite); latency growth is judged by comparing runs at different sizes
(``bench/scale.py``)."""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext

from casebridge.bench.generator import host_words
from casebridge.cases import search
from casebridge.cases import selectors as case_selectors
from casebridge.cases.models import Case, CaseClock
from casebridge.core import clock
from casebridge.installed_base import selectors as installed_base_selectors
from casebridge.parties import selectors as party_selectors
from casebridge.parties.models import AuthorisedSubmitter, Person
from casebridge.reports import selectors as report_selectors
from casebridge.reports.models import ReportCount

PAGE = 50
#: Tables a list or page must never read whole.
GUARDED = ("cases_case", "cases_caseevent", "cases_caseclock", "cases_comment")
_FULL_SCAN = {
    "postgresql": re.compile(r"Seq Scan on (\w+)"),
    "sqlite": re.compile(r"\bSCAN (\w+)(?! USING)"),
}


@dataclass
class Budget:
    """One selector's figures: the whole call as a page makes it (Python included), and its
    deciding query alone in the database (``db_ms``, ``rows``), which is what must stay flat
    as cases grow: the Python part grows with the rows a page shows, not with the table."""

    name: str
    median_ms: float
    p95_ms: float
    queries: int
    db_ms: float = 0.0
    rows: int = 0
    plan: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)

    @property
    def plan_ok(self) -> bool:
        return not self.full_scans


def plan_of(queryset: QuerySet[Any]) -> list[str]:
    """The plan's lines (PostgreSQL: with actual rows, as executed)."""
    if connection.vendor == "postgresql":
        text = queryset.explain(analyze=True)
    else:
        text = queryset.explain()
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def full_scans(plan: list[str]) -> list[str]:
    pattern = _FULL_SCAN.get(connection.vendor)
    if pattern is None:
        return []
    found = []
    for line in plan:
        match = pattern.search(line)
        if match and match.group(1) in GUARDED:
            found.append(line.strip())
    return found


def measure(
    name: str,
    function: Callable[[], object],
    repeat: int,
    plan: Callable[[], QuerySet[Any]] | None = None,
) -> Budget:
    function()  # warm: the first run fills caches a running server keeps
    timings = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    budget = Budget(name, statistics.median(timings), p95, queries)
    if plan is not None:
        budget.db_ms, budget.rows = database_time(plan(), repeat)
        budget.plan = plan_of(plan())
        budget.full_scans = full_scans(budget.plan)
    return budget


def database_time(queryset: QuerySet[Any], repeat: int) -> tuple[float, int]:
    """The median time of the query's SQL alone, fetched but not turned into objects."""
    sql, params = queryset.query.sql_with_params()
    timings = []
    rows = 0
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = len(cursor.fetchall())
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:]), rows


def _person(**filters: Any) -> Person:
    person = (
        Person.objects.select_related("organisation")
        .filter(is_active=True, **filters)
        .order_by("id")
        .first()
    )
    if person is None:
        raise LookupError(f"no person with {filters}: generate a data set first")
    return person


def _queue(actor: Person, **filters: Any) -> Callable[[], QuerySet[Case]]:
    return lambda: case_selectors.case_queue(
        actor=actor, filters=case_selectors.QueueFilters(**filters)
    )[:PAGE]


def _page(queryset: Callable[[], QuerySet[Case]]) -> Callable[[], object]:
    """A queue page as the portal renders it: each row, its customer and engagements."""

    def read() -> object:
        return [
            (case.number, case.customer.name, [e.status for e in case.engagements.all()])
            for case in queryset()
        ]

    return read


def run_budgets(*, repeat: int = 30) -> list[Budget]:
    """Time every budgeted selector on the data set in this database."""
    vendor = _person(organisation__kind="vendor", support_level="l3_expert")
    # The partner with the most open cases: its queue pages are the fullest at every size.
    busiest = (
        Case.objects.filter(closed_at__isnull=True)
        .exclude(partner=None)
        .values("partner_id")
        .annotate(open_cases=Count("id"))
        .order_by("-open_cases", "partner_id")
        .values_list("partner_id", flat=True)
        .first()
    )
    agent = _person(organisation_id=busiest, support_level="l1_basic")
    # The partner's newest open escalated case: a case page as people open it most (a case
    # open for years costs more, its clocks walk every working day since it opened).
    case = (
        Case.objects.filter(partner_id=busiest, closed_at__isnull=True)
        .exclude(vendor_status="")
        .order_by("-id")
        .first()
    ) or Case.objects.filter(partner_id=busiest).order_by("-id").first()
    if case is None:
        raise LookupError("no cases: generate a data set first")
    contact = _person(organisation_id=case.customer_id)
    submitter = AuthorisedSubmitter.objects.filter(person__organisation_id=busiest).first()
    caller_phone = submitter.phone if submitter else contact.phone
    caller = Person.objects.get(phone=caller_phone)
    now = clock.now()

    def case_page() -> object:
        seen = case_selectors.access_case(agent, case.pk)
        return (
            case_selectors.case_clocks(agent, seen),
            list(case_selectors.case_comments(actor=agent, case=seen)),
            list(case_selectors.case_timeline(actor=agent, case=seen)),
            case_selectors.allowed_actions(actor=agent, case=seen),
        )

    def caller_lookup() -> object:
        match = party_selectors.caller_lookup(actor=vendor, phone=caller_phone)
        return match, list(case_selectors.open_p1_cases(caller=caller, actor=vendor)[:PAGE])

    def due_clocks() -> QuerySet[Any]:
        return (
            CaseClock.objects.filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .values_list("case_id", flat=True)[:600]
        )

    # Search: a case's two host names (selective, like an error code) as its partner's agent,
    # and two words of a title one case in eight shares (the worst case: thousands of texts
    # to rank) as the agent and as the vendor.
    rare = " ".join(host_words(case.pk))
    common = "reports empty"  # from TITLES[4]

    # The report dashboards over the last twelve months: the vendor's network, one partner's.
    this_month = clock.today().replace(day=1)
    year_ago = dt.date(this_month.year - 1, this_month.month, 1)
    network = report_selectors.ReportScope(viewer="vendor", start=year_ago, end=this_month)
    desk = report_selectors.ReportScope(
        viewer="partner", start=year_ago, end=this_month, partner_id=busiest
    )

    def vendor_dashboard() -> object:
        return (
            report_selectors.sla_attainment(network),
            report_selectors.partner_ranking(network),
            report_selectors.backlog(network),
            report_selectors.escalations(network),
            report_selectors.priority_one(network),
            report_selectors.volume(network),
        )

    def partner_dashboard() -> object:
        return (
            report_selectors.sla_attainment(desk),
            report_selectors.backlog(desk),
            report_selectors.escalations(desk),
            report_selectors.priority_one(desk),
            report_selectors.volume(desk),
        )

    def network_counts() -> QuerySet[Any]:
        return (
            ReportCount.objects.filter(month__gte=year_ago, measure__in=("sla_met", "sla_missed"))
            .values("partner_id", "measure", "item")
            .annotate(cases=Count("id"))
        )

    partner_due = _queue(agent, status="in_progress", priority="P3", sort="due")
    partner_recent = _queue(agent)
    vendor_due = _queue(vendor, engagement="vendor", status="investigating", sort="due")
    vendor_recent = _queue(vendor)
    customer_own = _queue(contact)
    return [
        measure(
            "partner queue: in progress, P3, by SLA due, first 50",
            _page(partner_due),
            repeat,
            partner_due,
        ),
        measure(
            "partner queue: last changed, first 50", _page(partner_recent), repeat, partner_recent
        ),
        measure(
            "vendor queue: investigating, by SLA due, first 50",
            _page(vendor_due),
            repeat,
            vendor_due,
        ),
        measure(
            "vendor queue: last changed, first 50", _page(vendor_recent), repeat, vendor_recent
        ),
        measure("customer's own cases, first 50", _page(customer_own), repeat, customer_own),
        measure(
            "case page (case, clocks, conversation, timeline, actions)",
            case_page,
            repeat,
            lambda: case_selectors.case_timeline(actor=agent, case=case),
        ),
        measure(
            "24x7 caller lookup and the caller's open P1 cases",
            caller_lookup,
            repeat,
            lambda: case_selectors.open_p1_cases(caller=caller, actor=vendor)[:PAGE],
        ),
        measure(
            "SLA sweep: due clocks read",
            lambda: list(due_clocks()),
            repeat,
            due_clocks,
        ),
        measure(
            "search: a case's two host names, partner agent",
            lambda: search.search_cases(agent, rare),
            repeat,
        ),
        measure(
            "search: two title words of one case in eight, partner agent",
            lambda: search.search_cases(agent, common),
            max(3, repeat // 3),
        ),
        measure(
            "search: two title words of one case in eight, vendor",
            lambda: search.search_cases(vendor, common),
            max(3, repeat // 3),
        ),
        measure(
            "reports: the vendor's dashboard, last 12 months",
            vendor_dashboard,
            max(3, repeat // 3),
            network_counts,
        ),
        measure("reports: a partner's dashboard, last 12 months", partner_dashboard, repeat),
        measure(
            "compliance report of one partner",
            lambda: installed_base_selectors.compliance_report(
                actor=agent, partner_id=busiest, on=clock.today()
            ),
            max(3, repeat // 5),
        ),
    ]


def render(results: list[Budget], style: str = "md") -> str:
    if style == "json":
        return json.dumps(
            [{**asdict(result), "plan_ok": result.plan_ok} for result in results], indent=2
        )
    lines = [
        f"database {connection.vendor}; {Case.objects.count():,} cases",
        "",
        "| selector | median ms | p95 ms | queries | its query alone, ms | rows | plan |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        verdict = "indexed" if result.plan_ok else "FULL SCAN: " + "; ".join(result.full_scans)
        lines.append(
            f"| {result.name} | {result.median_ms:.2f} | {result.p95_ms:.2f} | "
            f"{result.queries} | {result.db_ms:.2f} | {result.rows} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
