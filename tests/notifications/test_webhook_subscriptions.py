"""Removing a webhook stops it for good (its pending deliveries and retries are cancelled and
logged as such), and a subscription names only events that exist for its organisation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from casebridge.core import clock
from casebridge.core.errors import ValidationFailed
from casebridge.core.events import declared_kinds
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_drain
from casebridge.notifications import deliveries, services, webhooks
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_deleting_a_webhook_cancels_its_pending_deliveries_and_retries(
    desk, open_case, receiver, api_as
):
    manager = api_as(desk.partner_a_manager)
    created = manager.post("/api/v1/webhooks", {"url": receiver.url, "kinds": ["case.opened"]})
    subscription_id = created.json()["id"]
    receiver.secret = created.json()["secret"]
    receiver.failures = 1
    open_case()
    outbox_drain()  # first attempt: 500, a retry is due in 15 s
    assert receiver.calls == 1

    assert manager.delete(f"/api/v1/webhooks/{subscription_id}").status_code == 204
    open_case()
    outbox_drain()  # an event after the removal: no delivery at all
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3), tick=False):
        assert deliveries.retry_due_deliveries() == 0
        assert deliveries.dispatch_due_deliveries() == 0

    assert receiver.calls == 1
    log = manager.get(f"/api/v1/webhooks/{subscription_id}/deliveries").json()
    assert [(d["status"], d["attempts"], d["next_attempt_at"]) for d in log["items"]] == [
        ("cancelled", 1, None)
    ]
    refused = manager.post(f"/api/v1/webhooks/deliveries/{log['items'][0]['id']}/redeliver")
    assert refused.status_code == 409
    assert refused.json()["fields"]["delivery_id"]
    assert receiver.calls == 1


def test_removing_a_webhook_in_the_portal_cancels_what_was_still_to_be_sent(
    desk, open_case, receiver
):
    subscription = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url, kinds=["case.opened"]
    )
    receiver.secret = subscription.secret
    receiver.failures = 5
    open_case()
    open_case()
    outbox_drain()  # both fail once and wait for their retry
    assert list(WebhookDelivery.objects.values_list("status", "attempts")) == [("pending", 1)] * 2

    page = signed_in(desk.partner_a_manager).post(
        f"/integrations/webhooks/{subscription.pk}/remove/", follow=True
    )
    assert "2 pending deliveries were cancelled" in page.content.decode()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"cancelled"}
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=3), tick=False):
        assert deliveries.retry_due_deliveries() == 0
    assert receiver.calls == 2


def test_a_delivery_of_a_removed_webhook_is_never_claimed(desk, open_case, receiver):
    subscription = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url, kinds=["case.opened"]
    )
    open_case()
    event = OutboxEvent.objects.get(kind="case.opened")
    subscription.is_active = False  # removed while the fan-out had it in hand
    subscription.save(update_fields=["is_active"])
    stray = WebhookDelivery.objects.create(
        subscription=subscription, event=event, next_attempt_at=clock.now(), created_at=clock.now()
    )
    assert deliveries.attempt_delivery(stray.pk) is False
    assert deliveries.retry_due_deliveries() == 0
    assert receiver.calls == 0
    assert not WebhookAttempt.objects.exists()


def test_a_misspelt_event_kind_is_a_field_error(desk, api_as):
    manager = api_as(desk.partner_a_manager)
    answer = manager.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1/hook", "kinds": ["case.opend", "case.close"]}
    )
    assert answer.status_code == 422
    message = answer.json()["fields"]["kinds"][0]
    assert "'case.opend'" in message
    assert "case.opened" in message  # the ones that exist are named
    assert not services.WebhookSubscription.objects.exists()


def test_a_customer_cannot_subscribe_to_what_it_never_hears(desk, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    admin = desk.customer_a_contact
    admin.roles.create(role="admin")
    with pytest.raises(ValidationFailed) as error:
        services.subscription_create(
            actor=admin, url="http://127.0.0.1/hook", kinds=["case.escalated", "case.opened"]
        )
    assert "'case.escalated'" in error.value.fields["kinds"][0]
    subscription = services.subscription_create(
        actor=admin, url="http://127.0.0.1/hook", kinds=["case.opened", "rca.signed"]
    )
    assert subscription.kinds == ["case.opened", "rca.signed"]


def test_the_portal_offers_the_events_in_words_and_refuses_others(desk, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    client = signed_in(desk.partner_a_manager)
    page = client.get("/integrations/").content.decode()
    assert "A case was opened" in page
    assert 'value="case.provide_solution"' in page

    refused = client.post(
        "/integrations/webhooks/", {"url": "http://127.0.0.1/hook", "kinds": ["case.opend"]}
    )
    assert refused.status_code == 422
    assert 'data-field="kinds"' in refused.content.decode()
    added = client.post(
        "/integrations/webhooks/",
        {"url": "http://127.0.0.1/hook", "kinds": ["case.opened", "case.close"]},
    )
    assert added.status_code == 302
    assert services.WebhookSubscription.objects.get().kinds == ["case.close", "case.opened"]


def test_every_event_about_a_case_can_be_subscribed_to_and_nothing_else():
    # Every kind the code records is declared (tests/core/test_event_registry.py proves it).
    emitted = {kind for kind in declared_kinds() if kind.startswith(("case.", "rca."))}
    assert "case.opened" in emitted
    assert "rca.signed" in emitted
    assert set(webhooks.WEBHOOK_KINDS) == emitted
    assert set(webhooks.WEBHOOK_KINDS) >= webhooks.CUSTOMER_KINDS
