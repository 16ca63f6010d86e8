"""The event kinds a root-cause analysis records in the outbox (docs/integration.md lists them).
Each goes to the owner's managers and the activity's C and I parties (notifications)."""

from __future__ import annotations

from casebridge.core.events import declare

OPENED = declare("rca.opened", "A root-cause analysis was opened")
REASSIGNED = declare("rca.reassigned", "A root-cause analysis changed owner")
OVERDUE = declare("rca.overdue", "A root-cause analysis is overdue")
SIGNED = declare("rca.signed", "A root-cause analysis was signed")
