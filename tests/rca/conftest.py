"""Fixtures of the RCA tests."""

import pytest

from casebridge.core.outbox import outbox_drain
from tests.cases.helpers import act


@pytest.fixture
def resolved_p1(desk, open_case):
    """``resolved_p1(attribution)`` → a Priority 1 of Customer of A, resolved, with its RCA."""

    def make(attribution="customer_infrastructure", *, customer=None, worker=None, drain=True):
        worker = worker or desk.partner_a_agent
        case = open_case(
            impact="high",
            urgency="high",
            actor=worker if customer else None,
            customer=customer,
        )
        assert case.priority == "P1"
        act(case, worker, "start")
        act(case, worker, "propose_solution")
        act(case, worker, "resolve", attribution=attribution)
        if drain:
            outbox_drain()
        case.refresh_from_db()
        return case

    return make
