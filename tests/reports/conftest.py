"""A small history whose every measure is counted by hand in tests/reports/test_measures.py.

All in June 2026, Standard plan, business hours 09:00-17:00 Amsterdam (Mon 1 June):

* A, Priority 2 of Customer of A (4 h first response / 8 h updates / 24 working hours to
  resolve). Opened Mon 10:00, started 10:05, the partner asks the customer at 11:00 (first
  response met after 55 min, the clocks pause), resumes Wed 09:00, proposes 09:30, resolves
  10:00; the customer is back on Thu: reopened 09:00, proposed 09:30, resolved 10:00. Never
  escalated: solved at the partner. Time to resolve: Mon 10:00 → Thu 10:00 = 4,320 min.
* B, Priority 1 of Customer of A on the SBC, version 2025.08.1 (1 h / 2 h / 8 working hours,
  the vendor's side the same). Opened Mon 10:30, started 10:40, escalated 10:45; the vendor
  accepts 11:00 (vendor first response met), returns it as incomplete 11:15, the partner
  resubmits 11:30; nobody answers the customer until Wed (first response due Mon 11:30:
  missed), the vendor accepts it again Wed 09:45 and provides a solution Wed 10:00 (its next
  update was due Mon 13:30 after the resubmission: missed;
  its resolution due Tue 11:00: missed), the partner confirms 10:15 and resolves 10:30 (the
  customer's resolution was due Tue 10:30: missed). Time to resolve: 2,880 min. Its RCA
  (partner-owned: the customer's infrastructure) is flagged overdue on 30 June.
* C, Priority 4 of Customer of B, opened Mon 12:00 and left open (first response due Wed
  15:00: missed, raised by the sweep on Thu; no update or resolution target).
* D, Priority 3 of the direct customer (model 2, no partner), opened Mon 12:00 and left open
  (first response due Tue 12:00: missed; resolution not yet due).

The customer side of B owes updates from its first answer (the confirmation, Wed 10:15) and
resolves 15 minutes later: met. The sweep runs Mon 16:00, Tue 12:30 and Thu 10:30, as the
worker's would have raised each breach by then.

The history ends Thu 4 June 10:30 after the sweep; open cases are then 3 days old.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casebridge.cases import services as case_services
from casebridge.cases.models import Case
from casebridge.cases.services.clocks import clocks_sweep
from casebridge.core.outbox import outbox_drain
from casebridge.rca.services import rca_flag_overdue
from tests.cases.helpers import COMPLETE, act

AMS = ZoneInfo("Europe/Amsterdam")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.fixture
def history(desk, open_case):
    with time_machine.travel(local("2026-06-01 10:00"), tick=False) as travel:
        a = open_case(impact="medium", urgency="high")
        travel.move_to(local("2026-06-01 10:05"))
        act(a, desk.partner_a_agent, "start")
        travel.move_to(local("2026-06-01 10:30"))
        b = open_case(impact="high", urgency="high", **COMPLETE)
        Case.objects.filter(pk=b.pk).update(component="sbc", version="2025.08.1")
        travel.move_to(local("2026-06-01 10:40"))
        act(b, desk.partner_a_manager, "start")
        travel.move_to(local("2026-06-01 10:45"))
        b.refresh_from_db()
        case_services.case_transition(
            actor=desk.partner_a_manager, case=b, action="escalate", expected_revision=b.revision
        )
        travel.move_to(local("2026-06-01 11:00"))
        act(a, desk.partner_a_agent, "wait_on_customer")
        act(b, desk.vendor_engineer, "accept")
        travel.move_to(local("2026-06-01 11:15"))
        act(b, desk.vendor_engineer, "return", return_reason="incomplete", reason="No HAR file.")
        travel.move_to(local("2026-06-01 11:30"))
        act(b, desk.partner_a_manager, "resubmit")
        travel.move_to(local("2026-06-01 12:00"))
        c = open_case(
            actor=desk.customer_b_contact, customer=desk.customer_b, impact="low", urgency="low"
        )
        d = open_case(
            actor=desk.customer_direct_admin,
            customer=desk.customer_direct,
            impact="medium",
            urgency="medium",
        )
        travel.move_to(local("2026-06-01 16:00"))
        clocks_sweep()  # the worker sweeps every minute; here when something fell due
        travel.move_to(local("2026-06-02 12:30"))
        clocks_sweep()
        outbox_drain()
        travel.move_to(local("2026-06-03 09:00"))
        act(a, desk.partner_a_agent, "resume")
        travel.move_to(local("2026-06-03 09:30"))
        act(a, desk.partner_a_agent, "propose_solution")
        travel.move_to(local("2026-06-03 10:00"))
        act(a, desk.partner_a_agent, "resolve")
        travel.move_to(local("2026-06-03 09:45"))
        act(b, desk.vendor_engineer, "accept")
        travel.move_to(local("2026-06-03 10:00"))
        act(b, desk.vendor_engineer, "provide_solution")
        travel.move_to(local("2026-06-03 10:15"))
        act(b, desk.partner_a_manager, "confirm")
        travel.move_to(local("2026-06-03 10:30"))
        act(b, desk.partner_a_manager, "resolve", attribution="customer_infrastructure")
        outbox_drain()
        travel.move_to(local("2026-06-04 09:00"))
        act(a, desk.partner_a_agent, "reopen", reason="The menu is silent again.")
        travel.move_to(local("2026-06-04 09:30"))
        act(a, desk.partner_a_agent, "propose_solution")
        travel.move_to(local("2026-06-04 10:00"))
        act(a, desk.partner_a_agent, "resolve")
        travel.move_to(local("2026-06-04 10:30"))
        clocks_sweep()
        outbox_drain()
        rca_flag_overdue(now=local("2026-06-30 09:00"))
        outbox_drain()
        travel.move_to(local("2026-06-04 10:30"))
        yield {"a": a, "b": b, "c": c, "d": d, "travel": travel}
