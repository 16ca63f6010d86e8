"""Telling people and systems: notifications from the policy, e-mail after commit, webhook
subscriptions and deliveries, preferences. Handlers run in the worker, outside the business
transaction; each step is idempotent so the outbox's at-least-once delivery never duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from django.db import transaction

from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import claim_lease
from casebridge.notifications import deliveries, mail, webhooks
from casebridge.notifications.choices import DeliveryStatus, NotificationStatus, Purpose
from casebridge.notifications.models import (
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookSubscription,
)
from casebridge.notifications.recipients import (
    NOTIFIED_KINDS,
    OTHER_EVENTS,
    Hearing,
    Recipient,
    event_audience,
    hearing,
    rca_of,
    recipients_for,
    standing_recipients,
)
from casebridge.parties.choices import Role
from casebridge.parties.models import Organisation, Person

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """Some e-mail of an event could not be sent; the outbox retries the rest later."""


def _case_of(event: OutboxEvent) -> Case | None:
    case_id = event.payload.get("case_id")
    if case_id is None:
        return None
    # Read once for every recipient's message (each message reads the case, its engagements
    # and its matrix as the recipient may).
    return (
        Case.objects.select_related("customer", "partner", "matrix_version")
        .prefetch_related("engagements")
        .filter(pk=case_id)
        .first()
    )


# --- E-mail notifications ---


def _silenced(kind: str, recipients: list[Recipient]) -> set[int]:
    """Who switched e-mail for ``kind`` off (one query); never what they answer for (A)."""
    off = set(
        NotificationPreference.objects.filter(
            person_id__in=[r.person.pk for r in recipients], kind=kind, email=False
        ).values_list("person_id", flat=True)
    )
    return {
        r.person.pk
        for r in recipients
        if r.person.pk in off and r.purpose != Purpose.ESCALATE and "A" not in r.letters
    }


def notify_event(event: OutboxEvent) -> int:
    """Record who hears of ``event`` (once each) and send what is still pending; returns the
    number sent. Raises DeliveryFailed if the mail server refused, so the outbox retries."""
    case = _case_of(event)
    if event.kind not in NOTIFIED_KINDS:
        return 0
    now = clock.now()
    if case is not None:
        recipients = recipients_for(event.kind, event.payload, case, now)
    elif event.kind in OTHER_EVENTS:
        recipients = standing_recipients(event.kind, event.payload, now)
    else:
        return 0
    silenced = _silenced(event.kind, recipients)
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    event=event,
                    kind=event.kind,
                    case=case,
                    recipient=r.person,
                    purpose=r.purpose,
                    activity=r.activity,
                    letters=r.letters,
                    respond_by=r.respond_by,
                    status=NotificationStatus.SKIPPED
                    if r.person.pk in silenced
                    else NotificationStatus.PENDING,
                    created_at=now,
                )
                for r in recipients
            ],
            ignore_conflicts=True,
        )
    pending = Notification.objects.filter(
        event=event, status=NotificationStatus.PENDING
    ).select_related("recipient__organisation")
    sent, failures = 0, []
    audience = event_audience(event.kind, event.payload)
    connection = mail.open_connection()
    # The outbox claimed this event for the length of its lease: stop well before it ends, or
    # another drain would take the event over and send the same messages again.
    budget = time.monotonic() + claim_lease().total_seconds() / 2
    rca_id = rca_of(event.kind, event.payload)
    verdicts: dict[int, Hearing] = {}
    for notification in pending:
        # Told once, sent later (a retry): whoever can no longer see the case (or, for an RCA
        # event, the RCA) is not told. Seeing them is a matter of one's organisation: decided
        # once per organisation.
        reason, sees_case = "", True
        if case is not None:
            notification.case = case
            recipient = notification.recipient
            if not recipient.is_active:
                verdict = hearing(recipient, case, audience)  # no query
            else:
                if recipient.organisation_id not in verdicts:
                    verdicts[recipient.organisation_id] = hearing(
                        recipient, case, audience, rca_id=rca_id
                    )
                verdict = verdicts[recipient.organisation_id]
            reason, sees_case = verdict.reason, verdict.sees_case
        if reason:
            Notification.objects.filter(pk=notification.pk).update(
                status=NotificationStatus.DROPPED, error=reason[:500]
            )
            logger.warning(
                "notification.dropped",
                extra={
                    "event": event.dedup_key,
                    "person_id": notification.recipient_id,
                    "reason": reason,
                },
            )
            continue
        if time.monotonic() > budget:
            failures.append("paused before the outbox lease ends; the rest goes next time")
            break
        message = mail.compose(notification, dict(event.payload), sees_case=sees_case)
        try:
            connection.send_messages([message])
        except Exception as error:  # the SMTP server's refusal, a timeout: retried by the outbox
            failures.append(f"{notification.recipient.email}: {error}")
            Notification.objects.filter(pk=notification.pk).update(error=str(error)[:500])
            continue
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT,
            sent_at=clock.now(),
            message_id=message.extra_headers["Message-ID"],
            error="",
        )
        sent += 1
    if failures:
        logger.warning("mail.refused", extra={"event": event.dedup_key, "count": len(failures)})
        raise DeliveryFailed("; ".join(failures)[:1000])
    return sent


# --- Read in the portal ---


def notification_read(*, actor: Person, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (again is a no-op)."""
    if notification.recipient_id != actor.pk:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = clock.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, actor: Person) -> int:
    """Mark every unread notification of the actor read; returns how many were."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=clock.now()
    )


@transaction.atomic
def preferences_set(*, actor: Person, email: dict[str, bool]) -> list[NotificationPreference]:
    """Several e-mail choices at once (the portal's form): all saved or, on an unknown kind,
    none."""
    return [preference_set(actor=actor, kind=kind, email=on) for kind, on in email.items()]


@transaction.atomic
def preference_set(*, actor: Person, kind: str, email: bool) -> NotificationPreference:
    if kind not in NOTIFIED_KINDS:
        raise ValidationFailed(
            "Unknown event kind.", fields={"kind": [f"One of: {', '.join(NOTIFIED_KINDS)}."]}
        )
    preference, _ = NotificationPreference.objects.update_or_create(
        person=actor, kind=kind, defaults={"email": email}
    )
    return preference


# --- Webhooks ---


def _may_manage(actor: Person, organisation: Organisation) -> bool:
    return (
        actor.is_active
        and actor.organisation_id == organisation.pk
        and actor.has_role(Role.ADMIN, Role.MANAGER)
    )


@transaction.atomic
def subscription_create(
    *, actor: Person, url: str, kinds: list[str], secret: str = ""
) -> WebhookSubscription:
    """Subscribe the actor's organisation; the secret is generated unless given (16+ chars)."""
    organisation = actor.organisation
    if not _may_manage(actor, organisation):
        raise PermissionDenied("An organisation's administrators and managers manage webhooks.")
    fields: dict[str, list[str]] = {}
    if len(url) > 500:
        fields["url"] = ["At most 500 characters."]
    else:
        try:
            webhooks.check_url(url)
        except webhooks.UnsafeUrl as error:
            fields["url"] = [str(error)]
    receivable = webhooks.kinds_for(organisation.kind)
    unknown = sorted({kind for kind in kinds if kind not in receivable})
    if unknown:
        named = ", ".join(repr(kind[:40]) for kind in unknown[:5])
        fields["kinds"] = [
            f"Not an event your organisation's webhooks receive: {named}. "
            f"One of: {', '.join(receivable)}."
        ]
    if secret and len(secret) < 16:
        fields["secret"] = ["At least 16 characters, or leave it empty for a generated one."]
    if fields:
        raise ValidationFailed("The webhook was not saved.", fields=fields)
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        kinds=sorted(set(kinds)),
        created_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="webhook.subscribed",
        target=subscription,
        organisation_id=organisation.pk,
        after={"url": url, "kinds": subscription.kinds},
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor: Person, subscription: WebhookSubscription) -> int:
    """Remove a webhook: it gets nothing more, and its pending deliveries and retries are
    cancelled (kept in the delivery log as such). Returns how many were cancelled."""
    if not _may_manage(actor, subscription.organisation):
        raise PermissionDenied("An organisation's administrators and managers manage webhooks.")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    was_active = subscription.is_active
    subscription.is_active = False
    subscription.save(update_fields=["is_active"])
    cancelled = WebhookDelivery.objects.filter(
        subscription=subscription, status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    if was_active or cancelled:
        audit_record(
            actor=actor,
            action="webhook.unsubscribed",
            target=subscription,
            organisation_id=subscription.organisation_id,
            before={"url": subscription.url, "is_active": was_active},
            after={"is_active": False, "cancelled_deliveries": cancelled},
        )
    return cancelled


@transaction.atomic
def redeliver(*, actor: Person, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (failed, or delivered and wanted once more): queued at once, and
    picked up by the next retry run should that be lost."""
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .select_related("subscription__organisation")
        .filter(pk=delivery_id, subscription__organisation_id=actor.organisation_id)
        .first()
    )
    if delivery is None:
        raise NotFound("No such delivery.")
    if not _may_manage(actor, delivery.subscription.organisation):
        raise PermissionDenied("An organisation's administrators and managers manage webhooks.")
    if not delivery.subscription.is_active:
        raise Conflict(
            "This webhook was removed; its deliveries are not sent again.",
            fields={"delivery_id": "The webhook was removed."},
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    subscription_id = delivery.subscription_id
    transaction.on_commit(lambda: deliveries.send_soon(subscription_id))
    audit_record(
        actor=actor,
        action="webhook.redelivered",
        target=delivery.subscription,
        organisation_id=actor.organisation_id,
        after={"delivery_id": delivery.pk},
    )
    return delivery


def health() -> dict[str, Any]:
    """What an operator looks at: stuck deliveries, quarantined mail, the last inbound message."""
    from casebridge.core.choices import DeliveryStatus as OutboxStatus
    from casebridge.core.models import OutboxDelivery
    from casebridge.notifications.choices import InboundOutcome
    from casebridge.notifications.models import InboundMessage

    stale = clock.now() - dt.timedelta(minutes=15)
    last = InboundMessage.objects.order_by("-received_at").values_list("received_at", flat=True)
    return {
        "outbox_failed": OutboxDelivery.objects.filter(status=OutboxStatus.FAILED).count(),
        "outbox_stuck": OutboxDelivery.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lt=stale
        ).count(),
        "webhooks_failed": WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count(),
        "webhooks_retrying": WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, attempts__gt=0
        ).count(),
        "mail_quarantined": InboundMessage.objects.filter(
            outcome=InboundOutcome.QUARANTINED
        ).count(),
        "mail_last_received_at": last.first(),
    }
