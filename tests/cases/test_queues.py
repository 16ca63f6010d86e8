"""Queues by status, priority and due time: the case row's queue keys follow every write."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casebridge.cases import services
from casebridge.cases.models import Case, CaseClock
from casebridge.cases.selectors import QueueFilters, after_cursor, case_queue, encode_cursor
from casebridge.cases.services.clocks import clocks_repair
from casebridge.core.errors import ValidationFailed
from tests.cases.helpers import COMPLETE, act

AMS = ZoneInfo("Europe/Amsterdam")


def local(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.fixture
def travel():
    with time_machine.travel(local("2026-06-15 09:00"), tick=False) as traveller:
        yield traveller


def keys(case):
    case.refresh_from_db()
    return (case.customer_status, case.vendor_status, case.customer_due_at, case.vendor_due_at)


def next_due(case, engagement):
    """The earliest due time of the engagement's running or breached clocks, as stored."""
    return (
        CaseClock.objects.filter(
            case=case, engagement=engagement, status__in=("running", "breached")
        )
        .exclude(due_at=None)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def test_the_queue_keys_follow_the_engagements_and_their_clocks(desk, open_case, travel):
    case = open_case(impact="high", urgency="high", **COMPLETE)
    assert keys(case) == ("new", "", next_due(case, "customer"), None)
    assert case.customer_due_at is not None

    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )
    assert keys(case) == (
        "escalated",
        "submitted",
        next_due(case, "customer"),
        next_due(case, "vendor"),
    )
    assert case.vendor_due_at is not None

    act(case, desk.vendor_engineer, "accept")
    act(case, desk.vendor_engineer, "request_information")
    # Waiting on the partner pauses the vendor's clocks: nothing is due on that side.
    assert keys(case)[1:] == ("waiting_on_partner", next_due(case, "customer"), None)


def test_a_customer_reply_moves_the_status_key(desk, open_case, travel):
    case = open_case()
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "wait_on_customer")
    assert keys(case)[0] == "waiting_on_customer"

    services.case_comment(actor=desk.customer_a_contact, case=case, audience="public", body="Hi")

    assert keys(case)[0] == "in_progress"


def test_the_vendor_sees_a_model_1_case_once_escalated(desk, open_case, travel):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    vendor_queue = QueueFilters(engagement="vendor")
    assert list(case_queue(actor=desk.vendor_engineer, filters=vendor_queue)) == []

    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    assert list(case_queue(actor=desk.vendor_engineer, filters=vendor_queue)) == [case]
    submitted = QueueFilters(engagement="vendor", status="submitted", sort="due")
    assert list(case_queue(actor=desk.vendor_engineer, filters=submitted)) == [case]


def test_the_due_order_puts_the_most_urgent_first_and_nothing_due_last(desk, open_case, travel):
    low = open_case(impact="low", urgency="low")
    urgent = open_case(impact="high", urgency="high")
    medium = open_case(impact="medium", urgency="medium")
    waiting = open_case(impact="high", urgency="high")
    act(waiting, desk.partner_a_agent, "start")
    act(waiting, desk.partner_a_agent, "propose_solution")  # done: nothing is owed

    rows = list(case_queue(actor=desk.partner_a_agent, filters=QueueFilters(sort="due")))

    assert rows == [urgent, medium, low, waiting]
    assert [row.next_due_at for row in rows] == [keys(c)[2] for c in (urgent, medium, low, waiting)]
    assert rows[-1].next_due_at is None
    assert rows[0].next_due_metric == "first_response"


def test_due_cursors_walk_the_queue_once_with_ties_and_gaps(desk, open_case, travel):
    opened = [
        open_case(impact=level, urgency=level)
        for level in ("low", "high", "medium", "high", "low", "medium")
    ]
    for case in opened[:2]:
        act(case, desk.partner_a_agent, "start")
        act(case, desk.partner_a_agent, "propose_solution")
    filters = QueueFilters(sort="due")
    everything = list(case_queue(actor=desk.partner_a_agent, filters=filters))

    seen, cursor = [], None
    while True:
        page = list(
            after_cursor(case_queue(actor=desk.partner_a_agent, filters=filters), cursor, "due")[:2]
        )
        seen += page
        if len(page) < 2:
            break
        cursor = encode_cursor(page[-1], "due")

    assert seen == everything
    assert sorted(c.pk for c in seen) == sorted(c.pk for c in opened)


def test_a_cursor_of_another_order_or_an_unknown_engagement_is_refused(desk, open_case, travel):
    case = open_case()
    row = case_queue(actor=desk.partner_a_agent, filters=QueueFilters())[0]
    queue = case_queue(actor=desk.partner_a_agent, filters=QueueFilters(sort="due"))

    with pytest.raises(ValidationFailed) as error:
        after_cursor(queue, encode_cursor(row, "updated"), "due")
    assert "cursor" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        case_queue(actor=desk.partner_a_agent, filters=QueueFilters(engagement="supplier"))
    assert "engagement" in error.value.fields
    assert case.customer_status == "new"


def test_the_due_queue_of_a_page_costs_three_queries(
    desk, open_case, travel, django_assert_max_num_queries
):
    for _ in range(6):
        open_case()
    filters = QueueFilters(status="new", priority="P2", sort="due")

    with django_assert_max_num_queries(3):
        rows = [
            (c.number, c.next_due_at, [e.status for e in c.engagements.all()])
            for c in case_queue(actor=desk.partner_a_agent, filters=filters)[:50]
        ]

    assert len(rows) == 6


def test_the_clocks_repair_restores_lost_queue_keys(desk, open_case, travel):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(customer_due_at=None, customer_status="")

    clocks_repair()

    assert keys(case)[:3] == ("new", "", next_due(case, "customer"))
