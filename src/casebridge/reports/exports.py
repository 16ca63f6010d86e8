"""Each measure as a table for people (CSV through :mod:`casebridge.core.exports`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casebridge.core.exports import Writable, write_csv
from casebridge.reports import selectors
from casebridge.reports.selectors import ReportScope

Table = tuple[list[str], list[list[Any]]]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def sla_attainment_table(scope: ReportScope, grouping: str | None = None) -> Table:
    rows = selectors.sla_attainment(scope, grouping=grouping)
    header = ["Target", "Met", "Missed", "Attainment %"]
    if grouping:
        header.insert(0, grouping.capitalize())
    return header, [
        [
            *([row.group_label] if grouping else []),
            row.label,
            row.met,
            row.missed,
            _percent(row.attainment),
        ]
        for row in rows
    ]


def backlog_table(scope: ReportScope, grouping: str | None = None) -> Table:
    report = selectors.backlog(scope)
    rows: list[list[Any]] = [["Age", bucket.label, bucket.cases] for bucket in report.by_age]
    rows += [["Priority", priority, cases] for priority, cases in report.by_priority]
    return ["Breakdown", "Group", "Open cases"], rows


def escalations_table(scope: ReportScope, grouping: str | None = None) -> Table:
    report = selectors.escalations(scope)
    rows: list[list[Any]] = [
        ["Resolved", report.resolved, ""],
        [
            "Resolved at the partner without escalation",
            report.deflected,
            _percent(report.deflection),
        ],
        ["Escalated to the vendor", report.escalated, ""],
    ]
    rows += [
        [f"Returned: {label}", cases, _percent(selectors.percent_of(cases, report.escalated))]
        for _, label, cases in report.returned
    ]
    return ["Measure", "Cases", "Rate %"], rows


def priority_one_table(scope: ReportScope, grouping: str | None = None) -> Table:
    report = selectors.priority_one(scope)
    average = report.average_minutes_to_resolve
    rows: list[list[Any]] = [
        ["Priority 1 cases opened", "", report.opened],
        ["Priority 1 cases resolved", "", report.resolved],
        ["Average minutes to resolve", "", "" if average is None else average],
    ]
    if scope.allows("rca_overdue"):
        for row in report.rcas:
            rows += [
                ["RCAs signed on time", row.owner, row.on_time],
                ["RCAs signed late", row.owner, row.late],
                ["RCAs overdue", row.owner, row.overdue],
                ["RCAs open, not yet due", row.owner, row.open],
            ]
    return ["Measure", "RCA owner", "Value"], rows


def volume_table(scope: ReportScope, grouping: str | None = None) -> Table:
    report = selectors.volume(scope)
    rows: list[list[Any]] = [["Month", f"{month:%Y-%m}", cases] for month, cases in report.by_month]
    rows += [["Component", name, cases] for _, name, cases in report.by_component]
    rows += [["Release", release, cases] for release, cases in report.by_release]
    return ["Breakdown", "Group", "Cases opened"], rows


def partners_table(scope: ReportScope, grouping: str | None = None) -> Table:
    rows = selectors.partner_ranking(scope)
    header = [
        "Partner",
        "Cases opened",
        "Targets met",
        "Targets missed",
        "Attainment %",
        "Deflection %",
        "Return rate %",
        "Priority 1 cases",
        "RCAs overdue",
    ]
    return header, [
        [
            row.partner,
            row.opened,
            row.met,
            row.missed,
            _percent(row.attainment),
            _percent(row.deflection),
            _percent(row.return_rate),
            row.p1_opened,
            row.rcas_overdue,
        ]
        for row in rows
    ]


#: Every measure's table by the name its download goes by.
TABLES: dict[str, Callable[[ReportScope, str | None], Table]] = {
    "sla-attainment": sla_attainment_table,
    "backlog": backlog_table,
    "escalations": escalations_table,
    "priority-one": priority_one_table,
    "volume": volume_table,
    "partners": partners_table,
}


def write_measure_csv(
    name: str, scope: ReportScope, target: Writable, grouping: str | None = None
) -> None:
    header, rows = TABLES[name](scope, grouping)
    write_csv(target, header, rows)
