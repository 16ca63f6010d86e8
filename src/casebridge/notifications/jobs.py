"""The outbox handlers that tell people and systems, and the periodic webhook retry."""

from __future__ import annotations

import datetime as dt

from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import register_handler
from casebridge.core.schedule import register_job
from casebridge.notifications.deliveries import dispatch_due_deliveries, fan_out_webhooks
from casebridge.notifications.recipients import NOTIFIED_KINDS
from casebridge.notifications.services import notify_event


@register_handler("notifications.email", kinds=NOTIFIED_KINDS)
def email_people(event: OutboxEvent) -> None:
    notify_event(event)


@register_handler("webhooks.fanout", kinds=("*",))
def call_webhooks(event: OutboxEvent) -> None:
    fan_out_webhooks(event)


@register_job(
    "webhooks.retry",
    every=dt.timedelta(minutes=1),
    description="Hand webhook deliveries whose next attempt has come to the webhook threads.",
)
def retry_webhooks() -> int:
    return dispatch_due_deliveries()
