"""Shared helpers of the case tests (the fixtures live in tests/conftest.py)."""

import datetime as dt

from django.utils import timezone

from casebridge.cases import services, workflow

COMPLETE = {
    "expected_behaviour": "Calls reach an agent.",
    "actual_behaviour": "Callers hear silence after the menu.",
    "error_messages": "SIP 488 Not Acceptable Here",
    "steps_to_reproduce": "Call the main number, press 1.",
    "reproducible": True,
    "occurred_at": dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC),
    "frequency": "constant",
    "business_impact": "No customer calls answered.",
    "users_affected": 120,
    "actions_taken": "Restarted the SBC; no change.",
    "causes_ruled_out": ["tenant", "teams", "network", "sbc", "firewall"],
    "evidence": "trace.har, sbc.log",
}


def act(case, actor, action, **extra):
    """Perform ``action``; a step that needs words gets a sample unless ``message`` is given."""
    words = workflow.row_of(action).words
    if words is not None and words.required:
        extra.setdefault("message", f"Here is the {words.what}.")
    case.refresh_from_db()
    return services.case_transition(
        actor=actor, case=case, action=action, expected_revision=case.revision, **extra
    )


def in_days(days: int) -> dt.date:
    """A date counted from today, so a test holds whatever day it runs on."""
    return timezone.localdate() + dt.timedelta(days=days)
