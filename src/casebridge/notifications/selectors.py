"""What a person reads of what they were told: their notifications in the portal (the bell),
newest first, only of cases they may still see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from casebridge.cases.models import Case
from casebridge.core.errors import NotFound
from casebridge.notifications.choices import NotificationStatus
from casebridge.notifications.mail import HEADLINES
from casebridge.notifications.models import Notification, NotificationPreference
from casebridge.notifications.recipients import NOTIFIED_KINDS
from casebridge.parties.models import Person

#: Notifications on one page of the list.
PAGE = 25


def inbox(actor: Person) -> QuerySet[Notification]:
    """The actor's notifications, newest first: never one dropped because they could not hear
    of it, nor one about a case they can no longer see (moved, or its party's access ended)."""
    return (
        Notification.objects.filter(recipient=actor)
        .exclude(status=NotificationStatus.DROPPED)
        .filter(Q(case__isnull=True) | Q(case__in=Case.objects.visible_to(actor).values("pk")))
        .order_by("-created_at", "-id")
    )


def unread_count(actor: Person) -> int:
    """What the bell shows (one indexed count)."""
    return inbox(actor).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class InboxPage:
    items: list[Notification]
    before: int | None  # the id to ask for the next (older) page with, if there is one


def inbox_page(actor: Person, *, before: int | None = None, unread: bool = False) -> InboxPage:
    """One page of the inbox, keyset by id (older than ``before``), with its cases."""
    rows = inbox(actor).select_related("case")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if before is not None:
        rows = rows.filter(id__lt=before)
    items = list(rows.order_by("-id")[: PAGE + 1])
    more = len(items) > PAGE
    items = items[:PAGE]
    return InboxPage(items=items, before=items[-1].pk if more else None)


def headline(notification: Notification) -> str:
    """The notification in one sentence, as its e-mail's subject says it."""
    return str(HEADLINES.get(notification.kind, notification.kind))


def access_notification(actor: Person, notification_id: int) -> Notification:
    """One of the actor's own notifications, else 404 (another person's is never found)."""
    found = inbox(actor).select_related("case").filter(pk=notification_id).first()
    if found is None:
        raise NotFound("No such notification.")
    return found


def email_choices(actor: Person) -> list[tuple[str, str, bool]]:
    """Every kind of event a person may be told of, its sentence and whether they get it by
    e-mail (the default is yes)."""
    chosen = dict(NotificationPreference.objects.filter(person=actor).values_list("kind", "email"))
    return [
        (kind, str(HEADLINES.get(kind, kind)), chosen.get(kind, True)) for kind in NOTIFIED_KINDS
    ]
