"""The event kinds the service-level policy records in the outbox (docs/integration.md)."""

from __future__ import annotations

from casebridge.core.events import declare

POLICY_CHANGED = declare(
    "sla.policy_changed",
    "A calendar, closed day or target changed (the open cases' clocks are recomputed)",
)
