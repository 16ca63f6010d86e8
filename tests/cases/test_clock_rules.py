"""Properties of the case clocks over random, legal histories (pure: no database)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from casebridge.cases import workflow
from casebridge.cases.clocks import EventFact, engagement_clocks, history_of
from casebridge.sla.calendar import WEEKDAYS_9_TO_5, Calendar
from casebridge.sla.choices import ClockStatus
from casebridge.sla.selectors import Policy

H = dt.timedelta(hours=1)
START = dt.datetime(2026, 3, 20, 8, 0, tzinfo=dt.UTC)
CALENDARS = [
    Calendar(always_open=True),
    Calendar(time_zone="Europe/Amsterdam", hours=WEEKDAYS_9_TO_5, country="NL"),
]


def policy_on(calendar):
    def policy_for(priority):
        scale = {"P1": 1, "P2": 2, "P3": 4, "P4": 8}[priority]
        return Policy(
            plan="plan",
            priority=priority,
            calendar_code="c",
            calendar_name="c",
            calendar=calendar,
            targets={
                "first_response": scale * H,
                "update": 2 * scale * H,
                "resolution": 8 * scale * H,
            },
            warn_share=0.75,
        )

    return policy_for


@st.composite
def histories(draw):
    """A legal walk through the customer engagement with messages and priority changes."""
    moment = START
    facts = [EventFact(moment, "opened", "customer", "public", {"priority": "P2"}, "customer")]
    status = "new"
    for _ in range(draw(st.integers(0, 12))):
        moment += dt.timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))
        choice = draw(st.sampled_from(["step", "step", "message", "customer", "priority"]))
        if choice == "step":
            options = [t for t in workflow.available("customer", status) if t.action != "reopen"]
            if not options:
                continue
            transition = draw(st.sampled_from(options))
            status = transition.target
            facts.append(
                EventFact(
                    moment, transition.action, "customer", "public", {"status": status}, "partner"
                )
            )
        elif choice == "message":
            facts.append(EventFact(moment, "commented", "", "public", {}, "partner"))
        elif choice == "customer":
            facts.append(EventFact(moment, "commented", "", "public", {}, "customer"))
        else:
            priority = draw(st.sampled_from(["P1", "P2", "P3", "P4"]))
            facts.append(
                EventFact(
                    moment, "priority_changed", "", "public", {"priority": priority}, "partner"
                )
            )
    return facts, moment


@settings(max_examples=80, deadline=None)
@given(
    histories(),
    st.sampled_from(CALENDARS),
    st.integers(0, 10 * 24 * 60),
    st.integers(0, 10 * 24 * 60),
)
def test_clocks_only_move_forward_and_met_clocks_stay_put(walk, calendar, later, even_later):
    facts, last = walk
    history = history_of("customer", facts)
    policy_for = policy_on(calendar)
    first_now = last + dt.timedelta(minutes=later)
    second_now = first_now + dt.timedelta(minutes=even_later)
    before = engagement_clocks(history, policy_for, first_now)
    after = engagement_clocks(history, policy_for, second_now)

    for one, two in zip(before, after, strict=True):
        assert one.metric == two.metric
        if one.state is None:
            assert two.state is None
            continue
        assert dt.timedelta(0) <= one.state.elapsed <= first_now - one.started_at
        assert one.state.elapsed <= two.state.elapsed
        assert one.state.due_at >= one.started_at
        if one.status in (ClockStatus.MET, ClockStatus.MISSED):
            assert (two.status, two.met_at, two.due_at) == (one.status, one.met_at, one.due_at)
            assert two.state.elapsed == one.state.elapsed
        if one.status == ClockStatus.BREACHED:
            assert two.status in (ClockStatus.BREACHED, ClockStatus.PAUSED)


@settings(max_examples=80, deadline=None)
@given(histories(), st.sampled_from(CALENDARS))
def test_no_update_is_owed_before_the_first_answer(walk, calendar):
    facts, last = walk
    history = history_of("customer", facts)
    readings = {r.metric: r for r in engagement_clocks(history, policy_on(calendar), last)}

    if readings["first_response"].met_at is None:
        assert readings["update"].status == ClockStatus.INACTIVE
    else:
        assert readings["update"].started_at >= readings["first_response"].met_at
