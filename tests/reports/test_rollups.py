"""The rollups kept live by the outbox handler: idempotent, order-free, equal to a rebuild."""

import datetime as dt

import pytest
from django.core.management import call_command

from casebridge.cases import workflow
from casebridge.cases.models import Case
from casebridge.core.models import OutboxDelivery
from casebridge.core.outbox import outbox_drain, registered_handlers
from casebridge.reports import services
from casebridge.reports.models import ReportCount, ReportEntry
from casebridge.reports.services import (
    REPORTED_KINDS,
    counts_snapshot,
    report_refresh_case,
    reports_rebuild,
)
from tests.cases.helpers import act


def test_the_handler_follows_every_workflow_step_of_a_case():
    kinds = {f"case.{action}" for action in workflow.ACTIONS} - {"case.escalate"}

    assert kinds - set(REPORTED_KINDS) == set()
    assert "case.escalated" in REPORTED_KINDS


def test_the_handler_is_registered_for_the_kinds_listed():
    handler = next(h for h in registered_handlers() if h.name == "reports.rollup")

    assert handler.kinds == frozenset(REPORTED_KINDS)


def test_live_rollups_equal_rebuilt(desk, open_case):
    case = open_case()
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")
    act(case, desk.partner_a_agent, "resolve")
    open_case(impact="low", urgency="low")
    outbox_drain()
    live = counts_snapshot()

    reports_rebuild()

    assert live
    assert counts_snapshot() == live


def test_refreshing_a_case_twice_changes_nothing_the_second_time(desk, open_case):
    case = open_case()
    outbox_drain()
    before = counts_snapshot()

    changed = report_refresh_case(case.pk)

    assert changed == 0
    assert counts_snapshot() == before


def test_events_delivered_late_and_out_of_order_end_in_the_same_counts(desk, open_case):
    case = open_case()
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")
    # The later event's delivery runs first; then the earlier ones, then all again.
    deliveries = list(OutboxDelivery.objects.filter(handler="reports.rollup").order_by("-event_id"))
    for delivery in deliveries:
        report_refresh_case(int(delivery.event.payload["case_id"]))
    act(case, desk.partner_a_agent, "resolve")
    outbox_drain()
    outbox_drain()
    live = counts_snapshot()

    reports_rebuild()

    assert counts_snapshot() == live


def test_a_handler_that_dies_midway_leaves_nothing_half_counted(desk, open_case, monkeypatch):
    case = open_case()
    outbox_drain()
    before = counts_snapshot()
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")
    act(case, desk.partner_a_agent, "resolve")
    real_apply = services._apply

    def count_then_die(changes):
        real_apply(changes)  # the counts are written, the entries not yet
        raise RuntimeError("killed")

    monkeypatch.setattr(services, "_apply", count_then_die)
    result = outbox_drain()

    assert result.retried >= 1
    assert counts_snapshot() == before  # rolled back whole
    monkeypatch.setattr(services, "_apply", real_apply)
    OutboxDelivery.objects.filter(handler="reports.rollup").update(
        next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    outbox_drain()
    live = counts_snapshot()
    reports_rebuild()
    assert counts_snapshot() == live
    assert ReportCount.objects.filter(measure="resolved").count() == 2  # customer's, partner's


def test_refreshing_a_changed_case_costs_a_bounded_number_of_queries(
    desk, open_case, django_assert_max_num_queries
):
    case = open_case()
    outbox_drain()
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")

    # Savepoint and release (the test's transaction), the case's lock, its entries, its facts
    # (case, clocks, history, RCA), one upsert of the counts, the entries out and in, the
    # emptied counts out.
    with django_assert_max_num_queries(12):
        assert report_refresh_case(case.pk) > 0


def test_a_deleted_case_counts_for_nothing(desk, open_case):
    case = open_case()
    outbox_drain()
    ReportEntry.objects.filter(case=case).delete()
    ReportCount.objects.all().delete()
    Case.objects.filter(pk=case.pk).update(customer_status="resolved")

    report_refresh_case(case.pk + 1000)

    assert counts_snapshot() == {}


@pytest.mark.django_db
def test_the_rebuild_command_reports_what_it_counted(desk, open_case, capsys):
    open_case()
    open_case()

    call_command("reports", "rebuild")

    assert "2 cases" in capsys.readouterr().out
    assert ReportCount.objects.get(measure="opened", customer__isnull=True).count == 2
