"""Background tasks of notifications: thin wrappers that call the mechanism by id.

Webhook sending runs on the ``webhooks`` queue, which ``casebridge worker`` serves with threads
of its own (``CASEBRIDGE_WEBHOOK_CONCURRENCY``), apart from the queue of e-mail, the outbox and
the periodic jobs."""

from __future__ import annotations

from django_tasks import task

from casebridge.notifications import deliveries

WEBHOOK_QUEUE = "webhooks"


@task(queue_name=WEBHOOK_QUEUE)
def webhook_send_task(subscription_id: int) -> int:
    return deliveries.send_due(subscription_id)
