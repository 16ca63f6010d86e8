"""Core tables: the audit trail, the transactional outbox, the periodic schedule's state, the
throttles and the workers' heartbeats."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from casebridge.core.choices import DeliveryStatus


class TimeStampedModel(models.Model):
    """Base for every domain table: when a row was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who changed which configuration row, when, and how (before and after)."""

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted (a periodic job, a migration).",
    )
    actor_label = models.CharField(max_length=254, help_text="Who acted, as shown at the time.")
    organisation_id = models.BigIntegerField(
        null=True, blank=True, help_text="The organisation the changed row belongs to."
    )
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "occurred_at"], name="audit_target_idx"
            ),
            models.Index(fields=["organisation_id", "occurred_at"], name="audit_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id} by {self.actor_label}"


def _new_dedup_key() -> str:
    return uuid.uuid4().hex


class OutboxEvent(models.Model):
    """A domain event written in the business transaction; delivered to handlers after commit."""

    kind = models.CharField(max_length=100)
    dedup_key = models.CharField(
        max_length=200,
        unique=True,
        default=_new_dedup_key,
        help_text="Receivers deduplicate on this key; recording the same key twice is a no-op.",
    )
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="outbox_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.dedup_key})"


class OutboxDelivery(models.Model):
    """One handler's progress with one event: attempts, next try, last error."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=150)
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="outbox_delivery_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- event {self.event_id}: {self.status}"


class PeriodicJobState(models.Model):
    """When each registered periodic job last ran and is next due (shared by all workers)."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} next at {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class Throttle(models.Model):
    """A fixed-window counter shared by every process and node (sign-in failures, locks and
    slow-downs; API request rates count in the cache instead, see ``core.throttle``).

    Kept in the database so every web process counts together and a cache restart unlocks
    nothing; one row per key."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class WorkerHeartbeat(models.Model):
    """One `casebridge worker` process, and when it last said it was alive."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=200, help_text="The task queues it runs, with threads.")
    runs_schedule = models.BooleanField(default=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["beat_at"], name="worker_heartbeat_beat_idx")]

    def __str__(self) -> str:
        return f"worker {self.hostname}:{self.pid} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
