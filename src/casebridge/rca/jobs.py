"""Background work on RCAs: open or reassign them from case events (outbox), catch any resolved
Priority 1 left without one, and flag overdue drafts."""

from __future__ import annotations

import datetime as dt

from casebridge.cases import events as case_events
from casebridge.cases.choices import CustomerStatus, Priority
from casebridge.cases.models import Case
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import register_handler
from casebridge.core.schedule import register_job
from casebridge.rca.services import rca_flag_overdue, rca_sync_for_case


@register_handler(
    "rca.sync", kinds=(case_events.RESOLVE, case_events.CLOSE, case_events.ATTRIBUTION_CHANGED)
)
def sync_from_case(event: OutboxEvent) -> None:
    rca_sync_for_case(int(event.payload["case_id"]))


@register_job(
    "rca.open_missing",
    every=dt.timedelta(minutes=15),
    description="Open the RCA of any resolved Priority 1 that has none (a safety net for the "
    "outbox), and reassign RCAs whose case cause changed.",
)
def open_missing() -> int:
    cases = (
        Case.objects.filter(priority=Priority.P1)
        .exclude(cause_attribution="")
        .filter(customer_status__in=(CustomerStatus.RESOLVED, CustomerStatus.CLOSED))
        .filter(rca__isnull=True)
    )
    opened = 0
    for case_id in cases.values_list("pk", flat=True)[:500]:
        if rca_sync_for_case(case_id) is not None:
            opened += 1
    return opened


@register_job(
    "rca.overdue",
    every=dt.timedelta(hours=1),
    description="Flag RCA drafts past their due date (once each) and put rca.overdue events in "
    "the outbox.",
)
def flag_overdue() -> int:
    return rca_flag_overdue()
