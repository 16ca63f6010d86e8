"""The outbox handler that keeps the report rollups in step with the cases."""

from __future__ import annotations

from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import register_handler
from casebridge.reports.services import REPORTED_KINDS, report_refresh_case


@register_handler("reports.rollup", kinds=REPORTED_KINDS)
def refresh_rollups(event: OutboxEvent) -> None:
    """Recount the case the event is about (idempotent: a recomputation from its state)."""
    report_refresh_case(int(event.payload["case_id"]))
