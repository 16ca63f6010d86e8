"""The event kinds a case's life records in the outbox (docs/integration.md lists them).

Each step of the workflow table records the kind its row names (``Transition.event``); the rest
are recorded by the writes named beside them. ``audience`` is who reads the event where that is
one audience; "" where it depends on the event (its engagement, its message's audience)."""

from __future__ import annotations

from casebridge.cases.choices import Audience
from casebridge.core.events import declare

PUBLIC = Audience.PUBLIC
PARTNER_VENDOR = Audience.PARTNER_VENDOR

OPENED = declare("case.opened", "A case was opened", audience=PUBLIC)
ESCALATED = declare("case.escalated", "A case was escalated to the vendor", audience=PUBLIC)
ASSIGNED = declare("case.assigned", "A side of a case was assigned to someone (or unassigned)")
COMMENTED = declare("case.commented", "A message was added to a case")
PRIORITY_CHANGED = declare("case.priority_changed", "A case's priority changed", audience=PUBLIC)
ATTRIBUTION_CHANGED = declare(
    "case.attribution_changed", "A case's cause attribution changed", audience=PARTNER_VENDOR
)
SLA_WARNING = declare("case.sla_warning", "A service-level target is about to be missed")
SLA_BREACHED = declare("case.sla_breached", "A service-level target was missed")
REPLY_ON_CLOSED = declare(
    "case.reply_on_closed",
    "A reply reached a closed case (reopened it or opened a follow-up)",
    audience=PUBLIC,
)

# The steps of the customer engagement (public) and of the vendor engagement (partner and vendor).
TRIAGE = declare("case.triage", "Case step: Take into triage", audience=PUBLIC)
START = declare("case.start", "Case step: Start work", audience=PUBLIC)
WAIT_ON_CUSTOMER = declare("case.wait_on_customer", "Case step: Ask the customer", audience=PUBLIC)
RESUME = declare("case.resume", "Case step: Resume", audience=PUBLIC)
PROPOSE_SOLUTION = declare(
    "case.propose_solution", "Case step: Propose a solution", audience=PUBLIC
)
REJECT_SOLUTION = declare(
    "case.reject_solution", "Case step: Solution did not work", audience=PUBLIC
)
RESOLVE = declare("case.resolve", "Case step: Resolve", audience=PUBLIC)
CLOSE = declare("case.close", "Case step: Close", audience=PUBLIC)
REOPEN = declare("case.reopen", "Case step: Reopen", audience=PUBLIC)
ACCEPT = declare("case.accept", "Case step: Accept", audience=PARTNER_VENDOR)
RETURN = declare("case.return", "Case step: Return", audience=PARTNER_VENDOR)
RESUBMIT = declare("case.resubmit", "Case step: Submit again", audience=PARTNER_VENDOR)
TO_EXPERT = declare("case.to_expert", "Case step: Hand to Level 3", audience=PARTNER_VENDOR)
TO_ADVANCED = declare(
    "case.to_advanced", "Case step: Hand back to Level 2", audience=PARTNER_VENDOR
)
REQUEST_INFORMATION = declare(
    "case.request_information", "Case step: Ask for information", audience=PARTNER_VENDOR
)
ANSWER = declare("case.answer", "Case step: Answer", audience=PARTNER_VENDOR)
PROVIDE_SOLUTION = declare(
    "case.provide_solution", "Case step: Provide a solution", audience=PARTNER_VENDOR
)
CONFIRM = declare("case.confirm", "Case step: Confirm the solution", audience=PARTNER_VENDOR)
REJECT = declare("case.reject", "Case step: Solution does not work", audience=PARTNER_VENDOR)

#: The service-level events the sweep raises (``cases/services/clocks.py`` names them by the
#: history kind, ``sla_warning`` / ``sla_breached``, with this prefix).
SLA_EVENTS = frozenset({SLA_WARNING, SLA_BREACHED})
