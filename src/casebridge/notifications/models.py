"""Who was told what, webhook subscriptions and their delivery log, and every inbound e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casebridge.cases.models import Case
from casebridge.core.models import OutboxEvent
from casebridge.notifications.choices import (
    DeliveryStatus,
    InboundOutcome,
    NotificationStatus,
    Purpose,
)
from casebridge.parties.models import Organisation


class Notification(models.Model):
    """One person told (or consulted) about one domain event: by e-mail (unless their
    preference skips it) and in the portal's notifications until they read it there."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=100)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    activity = models.CharField(max_length=60, blank=True)
    letters = models.CharField(max_length=5, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True, help_text="Consultations only.")
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    message_id = models.CharField(max_length=250, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recipient read it in the portal."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "purpose"], name="notification_once_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(fields=["recipient", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="notification_pending_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.purpose})"


class NotificationPreference(models.Model):
    """A person's choice to receive an event kind by e-mail or not (accountable ones excepted)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=100)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="preference_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}: {'e-mail' if self.email else 'off'}"


class WebhookSubscription(models.Model):
    """An organisation's receiver of signed event posts; removing it sets ``is_active`` off."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Shared secret of the HMAC signature.")
    kinds = models.JSONField(default=list, help_text="Event kinds; empty means all it may see.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    busy_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker is sending to this receiver until then (one at a time per receiver).",
    )

    class Meta:
        ordering = ["organisation", "id"]

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.url}"


class WebhookDelivery(models.Model):
    """One event for one subscription, tried until delivered or given up (kept either way)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_once_per_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_log_idx"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at:%H:%M:%S}: {self.status_code or self.error}"


class InboundMessage(models.Model):
    """Every e-mail received, once (by Message-ID), with what became of it."""

    message_id = models.CharField(max_length=250, unique=True)
    received_at = models.DateTimeField()
    sender = models.CharField(max_length=254, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField()
    outcome = models.CharField(max_length=12, choices=InboundOutcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw = models.BinaryField(help_text="Kept for quarantined messages, to retry or inspect.")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"
