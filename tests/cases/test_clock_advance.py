"""Stored clocks moved on by each write equal what the repair path (the replay of the whole
history) stores, on the database: the ledger round-trips through the clock rows, a write reads
only its new events, and ``clocks_repair`` leaves the rows where the writes put them."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from casebridge.cases import services
from casebridge.cases.models import Case, CaseClock, CaseEvent
from casebridge.cases.services.clocks import clocks_refresh, clocks_repair
from casebridge.parties.models import CustomerRelationship
from casebridge.rasci.selectors import relationships
from casebridge.sla import services as sla_services
from casebridge.sla.models import BusinessCalendar
from tests.cases.helpers import act
from tests.cases.test_clock_ledger import writes

STORED = ("status", "plan", "priority", "calendar", "target", "started_at", "due_at", "warn_at")
STORED += ("met_at", "cycle")
IMPACT = {"P1": ("high", "high"), "P2": ("high", "medium"), "P3": ("medium", "medium")}
IMPACT["P4"] = ("low", "low")


def stored(case):
    return {
        (row.engagement, row.metric): tuple(getattr(row, name) for name in STORED)
        for row in CaseClock.objects.filter(case=case)
    }


class _Undo(Exception):
    pass


def replayed(case):
    """What the repair path (the replay of the whole history) stores at this moment, undone."""
    found = {}
    try:
        with transaction.atomic():
            again = Case.objects.select_for_update().get(pk=case.pk)
            clocks_refresh(again, replay=True)
            found = {"rows": stored(case), "keys": keys(Case.objects.get(pk=case.pk))}
            raise _Undo
    except _Undo:
        return found


def keys(case):
    return case.customer_due_at, case.vendor_due_at


@pytest.fixture
def closed_office(desk):
    """The business-hours calendar closed on two working days of the generated weeks."""
    calendar = BusinessCalendar.objects.get(code="business-hours")
    for day in (dt.date(2026, 3, 31), dt.date(2026, 4, 8)):
        sla_services.closed_day_add(actor=desk.vendor_admin, calendar=calendar, day=day, name="x")
    return desk


def _side(desk, side):
    return {
        "customer": desk.customer_a_contact,
        "partner": desk.partner_a_agent,
        "vendor": desk.vendor_engineer,
    }[side]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=writes(), plan=st.sampled_from(["standard", "premium_plus"]))
def test_each_write_stores_what_the_replay_reads(closed_office, open_case, batches, plan):
    desk = closed_office
    CustomerRelationship.objects.filter(customer=desk.customer_a).update(support_plan=plan)
    relationships.invalidate()
    opening = batches[0][0]
    impact, urgency = IMPACT[opening.after["priority"]]
    with time_machine.travel(opening.at, tick=False) as traveller:
        case = open_case(impact=impact, urgency=urgency)
        for batch in batches[1:]:
            traveller.move_to(batch[0].at)
            for fact in batch:
                CaseEvent.objects.create(
                    case=case,
                    occurred_at=fact.at,
                    actor=_side(desk, fact.actor_side),
                    actor_label=fact.actor_side,
                    kind=fact.kind,
                    engagement=fact.engagement,
                    audience=fact.audience,
                    after=fact.after,
                )
            with CaptureQueriesContext(connection) as queries:
                clocks_refresh(case)
            history_reads = [q for q in queries if 'FROM "cases_caseevent"' in q["sql"]]
            event("advanced" if all(">=" in q["sql"] for q in history_reads) else "replayed")
            case = Case.objects.get(pk=case.pk)
            assert {"rows": stored(case), "keys": keys(case)} == replayed(case)
        before = stored(case)
        clocks_repair()
        assert stored(case) == before


def test_a_write_reads_only_its_new_events(desk, open_case):
    with time_machine.travel(dt.datetime(2026, 6, 15, 7, 0, tzinfo=dt.UTC), tick=False) as clock:
        case = open_case(impact="medium", urgency="medium")
        for number in range(25):
            clock.shift(dt.timedelta(minutes=10))
            services.case_comment(
                actor=desk.customer_a_contact, case=case, audience="public", body=f"Still {number}"
            )
            clock.shift(dt.timedelta(minutes=10))
            services.case_comment(
                actor=desk.partner_a_agent, case=case, audience="public", body=f"Seen {number}"
            )
        clock.shift(dt.timedelta(minutes=10))
        with CaptureQueriesContext(connection) as queries:
            act(case, desk.partner_a_agent, "triage")
        replay = replayed(case)

    (history_read,) = [q["sql"] for q in queries if 'FROM "cases_caseevent"' in q["sql"]]
    assert '"cases_caseevent"."id" >=' in history_read
    assert {"rows": stored(case), "keys": keys(case)} == replay
