"""The e-mail handler, like a webhook attempt, keeps inside the outbox lease (a slow mail server
never has the same messages sent twice by a second drain), and mail still waiting for a person
deactivated meanwhile is dropped, not sent."""

from __future__ import annotations

import time

import pytest
from django.core import mail as outbox_mail

from casebridge.core.models import OutboxEvent
from casebridge.notifications import mail, services
from casebridge.notifications.models import Notification
from casebridge.parties.models import Person
from tests.notifications.test_notifications import escalated


class SlowConnection:
    """A mail connection that takes ``pause`` seconds per message and notes each recipient."""

    def __init__(self, sent: list[str], pause: float, refuse: bool = False) -> None:
        self.sent, self.pause, self.refuse = sent, pause, refuse

    def send_messages(self, messages):
        time.sleep(self.pause)
        if self.refuse:
            raise OSError("421 try again later")
        self.sent.extend(address for message in messages for address in message.to)
        return len(messages)


def test_a_slow_mail_server_is_left_before_the_lease_ends(desk, open_case, monkeypatch, settings):
    settings.CASEBRIDGE_OUTBOX_LEASE_SECONDS = 1  # half of it, 0.5 s, is the handler's budget
    sent: list[str] = []
    monkeypatch.setattr(mail, "open_connection", lambda: SlowConnection(sent, pause=0.3))
    escalated(desk, open_case)
    event = OutboxEvent.objects.get(kind="case.escalated")
    started = time.monotonic()

    with pytest.raises(services.DeliveryFailed, match="lease"):
        services.notify_event(event)

    assert time.monotonic() - started < 1.0  # inside the lease
    recipients = Notification.objects.filter(event=event).count()
    assert recipients >= 3, "the test needs an event with several recipients"
    assert 0 < len(sent) < recipients
    while Notification.objects.filter(event=event, status="pending").exists():
        try:
            services.notify_event(event)
        except services.DeliveryFailed:
            continue
    assert sorted(sent) == sorted(set(sent))  # nobody got it twice
    assert len(sent) == recipients


def test_mail_still_pending_for_a_deactivated_person_is_dropped(desk, open_case, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(mail, "open_connection", lambda: SlowConnection(sent, pause=0, refuse=True))
    escalated(desk, open_case)
    event = OutboxEvent.objects.get(kind="case.escalated")
    with pytest.raises(services.DeliveryFailed):
        services.notify_event(event)  # the server refuses: everything stays pending
    waiting = Notification.objects.filter(event=event, status="pending").select_related("recipient")
    gone = waiting.first().recipient
    Person.objects.filter(pk=gone.pk).update(is_active=False)
    monkeypatch.undo()

    services.notify_event(event)

    assert Notification.objects.get(event=event, recipient=gone).status == "dropped"
    assert gone.email not in [address for m in outbox_mail.outbox for address in m.to]
    assert not Notification.objects.filter(event=event, status="pending").exists()
