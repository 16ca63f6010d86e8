"""Each measure against the small history of tests/reports/conftest.py, counted by hand."""

import pytest

from casebridge.reports import selectors
from casebridge.reports.selectors import ReportFilters, report_scope
from casebridge.reports.services import counts_snapshot, reports_rebuild

JUNE = ReportFilters(start="2026-06", end="2026-06")


def _attainment(rows):
    return {row.target: (row.met, row.missed) for row in rows}


@pytest.fixture
def vendor_scope(history, desk):
    return report_scope(actor=desk.vendor_admin, filters=JUNE)


def test_sla_attainment_per_target_over_the_network(vendor_scope):
    rows = selectors.sla_attainment(vendor_scope)

    assert _attainment(rows) == {
        "customer.first_response": (1, 3),  # A met; B, C, D missed
        "customer.update": (2, 0),  # A, and B from its first answer
        "customer.resolution": (1, 1),  # A (reopened, still in time); B late
        "vendor.first_response": (1, 0),
        "vendor.update": (0, 1),
        "vendor.resolution": (0, 1),
    }
    assert rows[0].attainment == 25.0


def test_sla_attainment_per_partner(vendor_scope, desk):
    rows = selectors.sla_attainment(vendor_scope, grouping="partner")

    first_response = {
        row.group_label: (row.met, row.missed)
        for row in rows
        if row.target == "customer.first_response"
    }
    assert first_response == {
        "Partner A": (1, 1),
        "Partner B": (0, 1),
        "Served by the vendor directly": (0, 1),
    }


def test_sla_attainment_per_priority_and_plan(vendor_scope):
    by_priority = selectors.sla_attainment(vendor_scope, grouping="priority")
    by_plan = selectors.sla_attainment(vendor_scope, grouping="plan")

    assert {
        (row.group, row.target): (row.met, row.missed)
        for row in by_priority
        if row.target == "customer.first_response"
    } == {
        ("P1", "customer.first_response"): (0, 1),
        ("P2", "customer.first_response"): (1, 0),
        ("P3", "customer.first_response"): (0, 1),
        ("P4", "customer.first_response"): (0, 1),
    }
    assert {row.group_label for row in by_plan} == {"Standard"}


def test_backlog_is_the_open_cases_by_age(vendor_scope):
    backlog = selectors.backlog(vendor_scope)

    assert backlog.open_cases == 2  # C and D, opened Mon, 3 days old on Thu
    assert [(bucket.label, bucket.cases) for bucket in backlog.by_age] == [
        ("Up to 1 day", 0),
        ("2 to 7 days", 2),
        ("8 to 30 days", 0),
        ("31 to 90 days", 0),
        ("Over 90 days", 0),
    ]
    assert backlog.by_priority == [("P1", 0), ("P2", 0), ("P3", 1), ("P4", 1)]


def test_deflection_and_returned_escalations(vendor_scope):
    report = selectors.escalations(vendor_scope)

    assert (report.resolved, report.deflected, report.escalated) == (2, 1, 1)
    assert report.deflection == 50.0
    assert [(reason, cases) for reason, _, cases in report.returned] == [
        ("incomplete", 1),
        ("not_attributable", 0),
    ]
    assert report.return_rate == 100.0


def test_priority_one_time_to_resolve_and_rcas_per_owner(vendor_scope, desk):
    report = selectors.priority_one(vendor_scope)

    assert (report.opened, report.resolved, report.average_minutes_to_resolve) == (1, 1, 2880)
    assert [(row.owner, row.on_time, row.late, row.overdue, row.open) for row in report.rcas] == [
        ("Partner A", 0, 0, 1, 0)
    ]


def test_volume_by_month_component_and_release(vendor_scope):
    report = selectors.volume(vendor_scope)

    assert [cases for _, cases in report.by_month] == [4]
    assert [(code, cases) for code, _, cases in report.by_component] == [("", 3), ("sbc", 1)]
    assert report.by_release == [("No version named", 3), ("2025.08.1", 1)]


def test_partners_ranked_by_their_desks_attainment(vendor_scope):
    rows = selectors.partner_ranking(vendor_scope)

    assert [
        (row.partner, row.opened, row.met, row.missed, row.deflected, row.returned) for row in rows
    ] == [
        ("Partner A", 2, 4, 2, 1, 1),  # A: 3 met; B: update met, first response and resolution not
        ("Partner B", 1, 0, 1, 0, 0),
    ]
    assert rows[0].attainment == 66.7


def test_a_partner_reads_its_own_desk_only(history, desk):
    scope = report_scope(actor=desk.partner_a_manager, filters=JUNE)

    assert _attainment(selectors.sla_attainment(scope))["customer.first_response"] == (1, 1)
    assert selectors.volume(scope).by_month[0][1] == 2


def test_a_customer_reads_its_own_cases_and_its_own_service_levels(history, desk):
    scope = report_scope(actor=desk.customer_direct_admin, filters=JUNE)

    assert _attainment(selectors.sla_attainment(scope)) == {"customer.first_response": (0, 1)}
    assert selectors.backlog(scope).open_cases == 1


def test_rollups_rebuilt_equal_the_rollups_kept_live(history):
    live = counts_snapshot()

    reports_rebuild()

    assert counts_snapshot() == live


def test_the_partners_grain_sums_its_customers_rows(history):
    from django.db.models import Sum

    from casebridge.reports.models import ReportCount

    names = ("month", "partner_id", "priority", "plan", "measure", "item")
    fine = {
        tuple(row[n] for n in names): (row["cases"], row["minutes"])
        for row in ReportCount.objects.filter(customer__isnull=False)
        .values(*names)
        .annotate(cases=Sum("count"), minutes=Sum("total"))
    }
    coarse = {
        tuple(row[n] for n in names): (row["count"], row["total"])
        for row in ReportCount.objects.filter(customer__isnull=True).values(
            *names, "count", "total"
        )
    }

    assert coarse == fine
