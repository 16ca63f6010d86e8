"""The transactional outbox.

A service records a domain event with :func:`outbox_record` inside its own transaction; one
delivery row per registered handler is written with it. Nothing leaves the process until the
transaction commits: after commit a drain task is enqueued, and the worker's periodic drain picks
up anything whose enqueue was lost (a killed process). :func:`outbox_drain` claims due deliveries
with a lease, runs each handler outside the claiming transaction, and records the outcome; a
handler that raises is retried with capped exponential backoff, and after the last attempt the
delivery is kept as *failed* until someone retries it. Handlers therefore see an event at least
once and must be idempotent on ``event.dedup_key``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from casebridge.core import clock
from casebridge.core.choices import DeliveryStatus
from casebridge.core.models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]


def claim_lease() -> dt.timedelta:
    """How long a claimed delivery stays invisible to other drains while its handler runs
    (CASEBRIDGE_OUTBOX_LEASE_SECONDS); a worker killed mid-delivery is taken over after it."""
    return dt.timedelta(seconds=settings.CASEBRIDGE_OUTBOX_LEASE_SECONDS)


@dataclass(frozen=True)
class RegisteredHandler:
    name: str
    kinds: frozenset[str]
    function: Handler

    def accepts(self, kind: str) -> bool:
        return "*" in self.kinds or kind in self.kinds


_handlers: dict[str, RegisteredHandler] = {}


def register_handler(
    name: str, *, kinds: list[str] | tuple[str, ...]
) -> Callable[[Handler], Handler]:
    """Register ``function`` under a stable ``name`` for the event kinds listed (``*`` for all).

    The name is stored on each delivery row, so renaming a handler strands its pending rows.
    """

    def decorator(function: Handler) -> Handler:
        existing = _handlers.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"outbox handler {name!r} is already registered")
        _handlers[name] = RegisteredHandler(name=name, kinds=frozenset(kinds), function=function)
        return function

    return decorator


def unregister_handler(name: str) -> None:
    _handlers.pop(name, None)


def registered_handlers() -> list[RegisteredHandler]:
    return sorted(_handlers.values(), key=lambda handler: handler.name)


def outbox_record(
    *, kind: str, payload: Mapping[str, Any], dedup_key: str | None = None
) -> OutboxEvent:
    """Record an event in the caller's transaction; recording an existing key returns it."""
    if dedup_key is not None:
        existing = OutboxEvent.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    moment = clock.now()
    if dedup_key is None:
        # A fresh random key cannot meet a concurrent writer's: no savepoint to roll back to.
        event = OutboxEvent.objects.create(kind=kind, payload=dict(payload), occurred_at=moment)
    else:
        try:
            with transaction.atomic():
                event = OutboxEvent.objects.create(
                    kind=kind, payload=dict(payload), occurred_at=moment, dedup_key=dedup_key
                )
        except IntegrityError:
            # A concurrent writer recorded the same key first; theirs is the event.
            return OutboxEvent.objects.get(dedup_key=dedup_key)
    OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=event, handler=handler.name, next_attempt_at=moment)
        for handler in registered_handlers()
        if handler.accepts(kind)
    )
    transaction.on_commit(_enqueue_drain)
    return event


@dataclass(frozen=True)
class PendingEvent:
    kind: str
    payload: Mapping[str, Any]
    dedup_key: str


def outbox_record_many(events: list[PendingEvent]) -> int:
    """Record many events in the caller's transaction with a handful of queries (bulk inserts;
    keys already recorded are skipped). Returns how many were new."""
    if not events:
        return 0
    keys = [event.dedup_key for event in events]
    known = set(OutboxEvent.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    fresh: dict[str, PendingEvent] = {}
    for event in events:
        if event.dedup_key not in known:
            fresh.setdefault(event.dedup_key, event)
    if not fresh:
        return 0
    moment = clock.now()
    rows = OutboxEvent.objects.bulk_create(
        OutboxEvent(kind=event.kind, payload=dict(event.payload), occurred_at=moment, dedup_key=key)
        for key, event in fresh.items()
    )
    handlers = registered_handlers()
    OutboxDelivery.objects.bulk_create(
        OutboxDelivery(event=row, handler=handler.name, next_attempt_at=moment)
        for row in rows
        for handler in handlers
        if handler.accepts(row.kind)
    )
    transaction.on_commit(_enqueue_drain)
    return len(rows)


def _enqueue_drain() -> None:
    from casebridge.core.tasks import outbox_drain_task

    try:
        outbox_drain_task.enqueue()
    except Exception:  # the periodic drain is the safety net; never fail the committed request
        logger.exception("outbox.enqueue_failed")


def backoff_delay(attempts: int) -> dt.timedelta:
    """Delay before the next try after ``attempts`` failures: doubling, capped."""
    base = settings.CASEBRIDGE_OUTBOX_BACKOFF_SECONDS
    cap = settings.CASEBRIDGE_OUTBOX_BACKOFF_CAP_SECONDS
    exponent = max(attempts - 1, 0)
    seconds = cap if exponent >= 32 else min(cap, base * (2**exponent))
    return dt.timedelta(seconds=seconds)


@dataclass
class DrainResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retried + self.failed


def outbox_drain(*, limit: int = 200) -> DrainResult:
    """Run every due delivery once (up to ``limit``) and record each outcome."""
    result = DrainResult()
    while result.attempted < limit:
        delivery = _claim_next_due()
        if delivery is None:
            break
        _deliver(delivery, result)
    return result


def _claim_next_due() -> OutboxDelivery | None:
    moment = clock.now()
    with transaction.atomic():
        delivery = (
            OutboxDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=moment)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = moment + claim_lease()
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def _deliver(delivery: OutboxDelivery, result: DrainResult) -> None:
    handler = _handlers.get(delivery.handler)
    event = OutboxEvent.objects.get(pk=delivery.event_id)
    try:
        if handler is None:
            raise LookupError(f"no outbox handler named {delivery.handler!r} is registered")
        handler.function(event)
    except Exception as error:
        _record_failure(delivery, error, result)
    else:
        with transaction.atomic():
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = clock.now()
            delivery.last_error = ""
            delivery.save(update_fields=["status", "delivered_at", "last_error"])
        result.delivered += 1


def _record_failure(delivery: OutboxDelivery, error: Exception, result: DrainResult) -> None:
    message = f"{type(error).__name__}: {error}"[:4000]
    gave_up = delivery.attempts >= settings.CASEBRIDGE_OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        delivery.last_error = message
        if gave_up:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = clock.now() + backoff_delay(delivery.attempts)
        delivery.save(update_fields=["last_error", "status", "next_attempt_at"])
    if gave_up:
        result.failed += 1
        logger.error(
            "outbox.delivery_failed",
            extra={"handler": delivery.handler, "event_id": delivery.event_id, "error": message},
        )
    else:
        result.retried += 1
        logger.warning(
            "outbox.delivery_retry",
            extra={
                "handler": delivery.handler,
                "event_id": delivery.event_id,
                "attempts": delivery.attempts,
                "error": message,
            },
        )


def outbox_retry_failed(*, delivery_ids: list[int] | None = None) -> int:
    """Put failed deliveries back in the queue (all of them, or the ids given)."""
    with transaction.atomic():
        deliveries = OutboxDelivery.objects.filter(status=DeliveryStatus.FAILED)
        if delivery_ids is not None:
            deliveries = deliveries.filter(pk__in=delivery_ids)
        count = deliveries.update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=clock.now()
        )
        if count:
            transaction.on_commit(_enqueue_drain)
    return count
