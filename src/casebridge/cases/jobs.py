"""Background work on case clocks: the periodic sweep (registered where it lives) and the repair
that follows a change of policy, calendar or a customer's plan, delivered through the outbox."""

from __future__ import annotations

from casebridge.cases.services import clocks
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import register_handler
from casebridge.parties import events as parties_events
from casebridge.sla import events as sla_events


@register_handler(
    "sla.repair", kinds=(sla_events.POLICY_CHANGED, parties_events.RELATIONSHIP_UPDATED)
)
def repair_after_change(event: OutboxEvent) -> None:
    """Recompute running clocks; idempotent (a recomputation from history), so safe to repeat."""
    if event.kind == parties_events.RELATIONSHIP_UPDATED:
        clocks.clocks_repair(customer_id=event.payload["customer_id"])
    else:
        clocks.clocks_repair()
