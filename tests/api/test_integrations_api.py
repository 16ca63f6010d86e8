"""Case exchange, webhooks, preferences and health over the API."""

from casebridge.cases.models import Case, CaseEvent
from casebridge.core.outbox import outbox_drain
from casebridge.notifications.models import WebhookDelivery
from tests.cases.helpers import COMPLETE


def test_a_partner_desk_creates_and_updates_a_case_by_its_own_reference(desk, api_as):
    client = api_as(desk.partner_a_agent)
    body = {
        "customer_id": desk.customer_a.pk,
        "title": "Callers hear silence",
        "description": "From our desk ticket INC-4711.",
        "impact": "high",
        "urgency": "medium",
    }

    created = client.put("/api/v1/exchange/cases/INC-4711", body)
    again = client.put("/api/v1/exchange/cases/INC-4711", body)

    assert created.status_code == 201, created.content
    assert again.status_code == 200
    assert created.json()["id"] == again.json()["id"]
    assert created.json()["external_reference"] == "INC-4711"
    case = Case.objects.get()
    assert CaseEvent.objects.filter(case=case, kind="details_changed").count() == 0

    updated = client.put(
        "/api/v1/exchange/cases/INC-4711",
        {**body, "expected_behaviour": COMPLETE["expected_behaviour"]},
    )
    assert updated.status_code == 200
    assert Case.objects.get().expected_behaviour == COMPLETE["expected_behaviour"]
    assert client.get("/api/v1/exchange/cases/INC-4711").json()["number"] == case.number
    assert api_as(desk.partner_b_agent).get("/api/v1/exchange/cases/INC-4711").status_code == 404
    other_customer = client.put(
        "/api/v1/exchange/cases/INC-4711", {**body, "customer_id": desk.customer_b.pk}
    )
    assert other_customer.status_code == 422


def test_webhooks_are_managed_and_their_log_is_readable(desk, api_as, receiver):
    manager = api_as(desk.partner_a_manager)
    refused = api_as(desk.partner_a_agent).post("/api/v1/webhooks", {"url": receiver.url})
    assert refused.status_code == 403
    bad = manager.post("/api/v1/webhooks", {"url": "gopher://x"})
    assert bad.status_code == 422
    created = manager.post("/api/v1/webhooks", {"url": receiver.url, "kinds": ["case.opened"]})
    assert created.status_code == 201
    receiver.secret = created.json()["secret"]
    receiver.failures = 1

    api_as(desk.partner_a_agent).put(
        "/api/v1/exchange/cases/T-1",
        {"customer_id": desk.customer_a.pk, "title": "Down", "description": "Down."},
    )
    outbox_drain()
    subscription_id = created.json()["id"]
    log = manager.get(f"/api/v1/webhooks/{subscription_id}/deliveries").json()
    assert log["count"] == 1
    delivery = log["items"][0]
    assert (delivery["kind"], delivery["status"], delivery["attempts"]) == (
        "case.opened",
        "pending",
        1,
    )
    assert delivery["log"][0]["status_code"] == 500

    redelivered = manager.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver")
    assert redelivered.status_code == 200
    from casebridge.notifications.deliveries import retry_due_deliveries

    assert retry_due_deliveries() == 1
    assert WebhookDelivery.objects.get().status == "delivered"
    assert receiver.accepted[0]["case"]["external_reference"] == "T-1"
    assert (
        api_as(desk.partner_b_manager)
        .get(f"/api/v1/webhooks/{subscription_id}/deliveries")
        .status_code
        == 404
    )


def test_preferences_and_health(desk, api_as):
    client = api_as(desk.customer_a_contact)
    assert client.put("/api/v1/me/notifications/case.close", {"email": False}).status_code == 200
    choices = {p["kind"]: p["email"] for p in client.get("/api/v1/me/notifications").json()}
    assert choices["case.close"] is False
    assert choices["case.opened"] is True
    assert client.put("/api/v1/me/notifications/nope", {"email": False}).status_code == 422

    assert client.get("/api/v1/health/integrations").status_code == 403
    health = api_as(desk.vendor_admin).get("/api/v1/health/integrations").json()
    assert health["mail_quarantined"] == 0
    assert api_as(desk.vendor_admin).get("/api/v1/mail/inbound").json()["count"] == 0
