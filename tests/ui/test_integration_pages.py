"""The integrations page: webhooks for managers, health and quarantine for the vendor."""

from django.test import Client


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_integrations_page_manages_webhooks_and_shows_health(desk, receiver):
    manager = signed_in(desk.partner_a_manager)
    bad = manager.post("/integrations/webhooks/", {"url": "ftp://nowhere"})
    assert bad.status_code == 422
    assert 'data-field="url"' in bad.content.decode()
    added = manager.post(
        "/integrations/webhooks/", {"url": receiver.url, "kinds": "case.opened"}, follow=True
    )
    assert "signing secret, shown only now" in added.content.decode()
    assert receiver.url in manager.get("/integrations/").content.decode()
    assert 'data-testid="health"' not in manager.get("/integrations/").content.decode()
    vendor = signed_in(desk.vendor_admin).get("/integrations/").content.decode()
    assert "Quarantined mail" in vendor
    assert receiver.url not in vendor  # another organisation's webhook
