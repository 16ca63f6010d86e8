"""The clocks a write moves on from its stored ledger read exactly what the replay of the whole
history reads, after every write of random legal histories (pure: no database)."""

import datetime as dt

from hypothesis import event, given, settings
from hypothesis import strategies as st

from casebridge.cases import workflow
from casebridge.cases.clock_ledger import ledger_of, ledger_readings, ledgers_advance
from casebridge.cases.clocks import EventFact, Reading, engagement_clocks, history_of
from casebridge.sla.calendar import Calendar
from casebridge.sla.selectors import Policy

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
#: A Friday morning, so the first days cross a weekend.
START = dt.datetime(2026, 3, 27, 7, 30, tzinfo=dt.UTC)
ALWAYS = Calendar(always_open=True)
OFFICE = Calendar(
    time_zone="Europe/Amsterdam",
    hours={day: ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30)) for day in range(5)},
    country="NL",
    closed_days=frozenset({dt.date(2026, 3, 31), dt.date(2026, 4, 8)}),
)
#: Per priority: first response, update, resolution, calendar (P1 of the desk's plan is 24x7,
#: P4 promises no update and no resolution time).
TERMS = {
    "desk": {
        "P1": (30 * M, H, 4 * H, ALWAYS),
        "P2": (2 * H, 4 * H, 16 * H, OFFICE),
        "P3": (8 * H, 8 * H, 40 * H, OFFICE),
        "P4": (16 * H, None, None, OFFICE),
    },
    "vendor": {
        "P1": (H, 2 * H, 8 * H, OFFICE),
        "P2": (4 * H, 8 * H, 24 * H, OFFICE),
        "P3": (8 * H, 8 * H, 40 * H, OFFICE),
        "P4": (16 * H, None, None, OFFICE),
    },
}


def plan(name, warn_share):
    def policy_for(priority):
        first, update, resolution, calendar = TERMS[name][priority]
        return Policy(
            plan=name,
            priority=priority,
            calendar_code="24x7" if calendar.always_open else "office",
            calendar_name="",
            calendar=calendar,
            targets={"first_response": first, "update": update, "resolution": resolution},
            warn_share=warn_share,
        )

    return policy_for


def fact(moment, kind, engagement="", status=None, audience="public", side="partner", **after):
    if status is not None:
        after["status"] = status
    return EventFact(moment, kind, engagement, audience, after, side)


#: Minutes between writes: often none, often a target's length (to land on its edges).
GAPS = st.one_of(
    st.sampled_from([0, 0, 1, 30, 60, 120, 240, 8 * 60, 16 * 60, 24 * 60, 3 * 24 * 60]),
    st.integers(0, 5 * 24 * 60),
)


@st.composite
def writes(draw):
    """A legal case history as the writes that made it: each write's events at one moment."""
    moment = START + draw(st.sampled_from([0, 90, 330, 390]) | st.integers(0, 7 * 24 * 60)) * M
    priority = draw(st.sampled_from(["P1", "P2", "P3", "P4"]))
    result = [[fact(moment, "opened", "customer", priority=priority, side="customer")]]
    customer, vendor = "new", None
    for _ in range(draw(st.integers(1, 24))):
        choice = draw(st.sampled_from(["customer", "customer", "vendor", "message", "priority"]))
        # A priority change often lands at the instant of the write before it (same-instant
        # events order by the history, and a clock met then is judged under the new priority).
        same_instant = choice == "priority" and draw(st.booleans())
        moment += (0 if same_instant else draw(GAPS)) * M
        batch = []
        if choice == "customer":
            options = [
                t
                for t in workflow.available("customer", customer)
                if t.action != "escalate" or vendor is None
            ]
            if not options:
                continue
            transition = draw(st.sampled_from(options))
            customer = transition.target
            batch.append(fact(moment, transition.action, "customer", customer))
            if transition.action == "escalate":
                vendor = "submitted"
                batch.append(fact(moment, "submitted", "vendor", vendor, "partner_vendor"))
        elif choice == "vendor" and vendor is not None:
            options = workflow.available("vendor", vendor)
            if not options:
                continue
            transition = draw(st.sampled_from(options))
            vendor = transition.target
            batch.append(fact(moment, transition.action, "vendor", vendor, side="vendor"))
            follows = transition.customer_follows
            if follows:
                customer = follows
                batch.append(fact(moment, "status_followed", "customer", customer))
        elif choice == "message":
            audience = draw(
                st.sampled_from(["public", "partner_vendor", "partner_internal", "vendor_internal"])
            )
            side = draw(st.sampled_from(["customer", "partner", "vendor"]))
            batch.append(fact(moment, "commented", audience=audience, side=side))
        elif choice == "priority":
            priority = draw(st.sampled_from(["P1", "P2", "P3", "P4"]))
            batch.append(fact(moment, "priority_changed", priority=priority))
        if batch:
            result.append(batch)
    return result


def seen(reading: Reading):
    """Everything a reading says, as stored and shown."""
    state = reading.state
    return (
        reading.engagement,
        reading.metric,
        reading.status,
        reading.cycle,
        reading.started_at,
        reading.target,
        reading.policy.plan if reading.policy else None,
        reading.policy.priority if reading.policy else None,
        reading.due_at,
        reading.warn_at,
        reading.met_at,
        (state.elapsed, state.remaining, state.paused, state.breached) if state else None,
    )


@settings(max_examples=250, deadline=None)
@given(writes(), st.sampled_from([0.75, 0.5, 1.0]), st.lists(GAPS, min_size=30, max_size=30))
def test_the_ledger_moved_on_by_each_write_reads_what_the_replay_reads(batches, share, later):
    policies = {"customer": plan("desk", share), "vendor": plan("vendor", share)}
    facts: list[EventFact] = []
    ledgers = None
    for number, batch in enumerate(batches):
        facts += batch
        advanced = ledgers_advance(ledgers, batch, policies) if ledgers else None
        kinds = "a priority change" if batch[0].kind == "priority_changed" else "a write"
        event(f"{kinds} {'moved the ledger on' if advanced is not None else 'replayed'}")
        if advanced is None:  # the repair path: the ledger read off the whole history
            histories = {e: history_of(e, facts) for e in policies}
            advanced = {
                e: ledger_of(history, policies[e], facts[-1].at)
                for e, history in histories.items()
                if history is not None
            }
        ledgers = advanced
        written_at = facts[-1].at
        for now in (written_at, written_at + later[number % len(later)] * M):
            for engagement, policy_for in policies.items():
                history = history_of(engagement, facts)
                assert (history is None) == (engagement not in ledgers)
                if history is None:
                    continue
                expected = [seen(r) for r in engagement_clocks(history, policy_for, now)]
                moved = [seen(r) for r in ledger_readings(ledgers[engagement], policy_for, now)]
                assert moved == expected
