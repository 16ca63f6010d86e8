"""Webhook deliveries: from an outbox event to the receivers, one attempt at a time.

The outbox handler only writes one :class:`WebhookDelivery` per subscription that may see the
event (database work, no HTTP) and hands each receiver to the ``webhooks`` task queue, which
the worker runs on threads of its own: e-mail, the outbox and the periodic jobs never wait on
a receiver. Sending is claimed twice:

- the **subscription** is held while one worker sends to it (``busy_until``), so one slow or
  dead receiver occupies at most one webhook thread and its deliveries go out in order;
- each **delivery** is claimed by a conditional update (pending, due, webhook still active),
  so two workers never post it at the same time.

Both claims last the outbox lease (``CASEBRIDGE_OUTBOX_LEASE_SECONDS``), which settings refuse
unless it is at least twice the attempt's wall-clock deadline (``CASEBRIDGE_WEBHOOK_TIMEOUT``):
an attempt still running is never taken over, and a worker killed mid-attempt is. A receiver
that fails stops its round (the rest waits for the next retry run, a minute later at most)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import backoff_delay, claim_lease
from casebridge.notifications import webhooks
from casebridge.notifications.choices import DeliveryStatus
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)


def _case_of(event: OutboxEvent) -> Case | None:
    case_id = event.payload.get("case_id")
    if case_id is None:
        return None
    return (
        Case.objects.select_related("customer", "partner", "matrix_version")
        .filter(pk=case_id)
        .first()
    )


def fan_out_webhooks(event: OutboxEvent) -> int:
    """One delivery per active subscription that may see the event; the sending is queued."""
    case = _case_of(event)
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related(
        "organisation"
    )
    now = clock.now()
    receivers: list[int] = []
    for subscription in subscriptions:
        if subscription.kinds and event.kind not in subscription.kinds:
            continue
        if not webhooks.may_receive(subscription.organisation, event, case):
            continue
        try:
            with transaction.atomic():
                # Under the subscription's row lock: a webhook removed meanwhile (which cancels
                # its pending deliveries in its own transaction) gets nothing new.
                if (
                    WebhookSubscription.objects.select_for_update()
                    .filter(pk=subscription.pk, is_active=True)
                    .only("pk")
                    .first()
                    is None
                ):
                    continue
                WebhookDelivery.objects.create(
                    subscription=subscription, event=event, next_attempt_at=now, created_at=now
                )
        except IntegrityError:  # the outbox ran this handler before: the delivery exists
            continue
        receivers.append(subscription.pk)
    # The outbox runs handlers outside any transaction: the deliveries are committed already.
    for subscription_id in receivers:
        send_soon(subscription_id)
    return len(receivers)


def send_soon(subscription_id: int) -> None:
    """Queue a round of sending to one receiver on the webhook threads."""
    from casebridge.notifications.tasks import webhook_send_task

    try:
        webhook_send_task.enqueue(subscription_id)
    except Exception:  # the periodic retry is the safety net; the event is already recorded
        logger.exception("webhooks.enqueue_failed", extra={"subscription_id": subscription_id})


def _hold(subscription_id: int) -> dt.datetime | None:
    """Hold the subscription for one worker; the moment it is held until is the token."""
    now = clock.now()
    until = now + claim_lease()
    held = (
        WebhookSubscription.objects.filter(pk=subscription_id, is_active=True)
        .filter(Q(busy_until__isnull=True) | Q(busy_until__lte=now))
        .update(busy_until=until)
    )
    return until if held else None


def _renew(subscription_id: int, token: dt.datetime) -> dt.datetime | None:
    until = clock.now() + claim_lease()
    renewed = WebhookSubscription.objects.filter(pk=subscription_id, busy_until=token).update(
        busy_until=until
    )
    return until if renewed else None


def _release(subscription_id: int, token: dt.datetime) -> None:
    WebhookSubscription.objects.filter(pk=subscription_id, busy_until=token).update(busy_until=None)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """Claim a due delivery of an active webhook for the length of the lease, or None."""
    now = clock.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=now,
        subscription__is_active=True,
    ).update(next_attempt_at=now + claim_lease())
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery_id)


def _attempt(delivery: WebhookDelivery) -> bool:
    """Post a claimed delivery once and record the attempt and what comes next."""
    event = delivery.event
    body = webhooks.body_of(event, _case_of(event))
    status_code, error, duration = webhooks.post(
        delivery.subscription.url, delivery.subscription.secret, event, body
    )
    now = clock.now()
    attempts = delivery.attempts + 1
    WebhookAttempt.objects.create(
        delivery=delivery, at=now, status_code=status_code, duration_ms=duration, error=error
    )
    mine = WebhookDelivery.objects.filter(pk=delivery.pk)
    if not error:
        # Delivered even if the webhook was removed meanwhile: the receiver has it.
        mine.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CANCELLED]).update(
            status=DeliveryStatus.DELIVERED,
            attempts=attempts,
            delivered_at=now,
            next_attempt_at=None,
        )
        return True
    pending = mine.filter(status=DeliveryStatus.PENDING)
    if attempts >= settings.CASEBRIDGE_WEBHOOK_MAX_ATTEMPTS:
        pending.update(status=DeliveryStatus.FAILED, attempts=attempts, next_attempt_at=None)
    else:
        pending.update(attempts=attempts, next_attempt_at=now + backoff_delay(attempts))
    mine.filter(status=DeliveryStatus.CANCELLED).update(attempts=attempts)
    logger.info(
        "webhooks.attempt_failed",
        extra={"delivery_id": delivery.pk, "attempts": attempts, "error": error},
    )
    return False


def attempt_delivery(delivery_id: int) -> bool:
    """Try one delivery now if it is due and nobody else is sending it; True if delivered."""
    delivery = _claim(delivery_id)
    return delivery is not None and _attempt(delivery)


def _due(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)


def send_due(subscription_id: int, *, limit: int = 100) -> int:
    """One round for one receiver: its due deliveries, oldest first, one at a time, until one
    fails (the rest waits for the next round). Returns how many were delivered."""
    token = _hold(subscription_id)
    if token is None:
        return 0  # another worker is sending to this receiver, or the webhook is gone
    delivered = 0
    try:
        for _ in range(limit):
            due = (
                WebhookDelivery.objects.filter(_due(clock.now()), subscription_id=subscription_id)
                .order_by("next_attempt_at", "id")
                .values_list("pk", flat=True)
                .first()
            )
            if due is None:
                break
            renewed = _renew(subscription_id, token)
            if renewed is None:
                break
            token = renewed
            delivery = _claim(due)
            if delivery is None:  # the webhook was removed meanwhile
                break
            if not _attempt(delivery):
                break
            delivered += 1
    finally:
        _release(subscription_id, token)
    return delivered


def _receivers_with_due_deliveries(now: dt.datetime, limit: int) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(_due(now), subscription__is_active=True)
        .order_by("subscription_id")
        .values_list("subscription_id", flat=True)
        .distinct()[:limit]
    )


def retry_due_deliveries(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send everything due now, receiver by receiver, in this process; returns how many were
    delivered (``casebridge jobs run``-style use and tests; the worker uses
    :func:`dispatch_due_deliveries`)."""
    delivered = 0
    for subscription_id in _receivers_with_due_deliveries(now or clock.now(), limit):
        delivered += send_due(subscription_id)
    return delivered


def dispatch_due_deliveries(*, limit: int = 500) -> int:
    """Queue a round for every receiver with due deliveries that nobody is sending to."""
    now = clock.now()
    idle = WebhookSubscription.objects.filter(
        Q(busy_until__isnull=True) | Q(busy_until__lte=now)
    ).values("pk")
    receivers = list(
        WebhookDelivery.objects.filter(
            _due(now), subscription__is_active=True, subscription__in=idle
        )
        .order_by("subscription_id")
        .values_list("subscription_id", flat=True)
        .distinct()[:limit]
    )
    for subscription_id in receivers:
        send_soon(subscription_id)
    return len(receivers)
