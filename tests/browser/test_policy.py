"""Pages under the Content-Security-Policy in a real browser, on a closed network: the API
docs (Swagger UI from our static files), the printable RCA and the back office. The autouse
fixture of conftest.py fails any of them on a policy violation or a request off the server."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from casebridge.rca import services as rca_services
from casebridge.rca.models import Rca
from tests.browser.test_journeys import as_person

pytestmark = pytest.mark.browser


def test_the_api_docs_render_from_our_own_files(browser, live_server, desk):
    page = as_person(browser, live_server, "manager@a.example")

    response = page.goto("/api/docs")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 50
    page.locator(".opblock-summary", has_text="/api/v1/cases/{case_id}/actions/escalate").click()
    expect(page.get_by_text("version_override_request").first).to_be_visible()


def test_the_printable_rca_is_styled_under_the_policy(browser, live_server, desk, resolved_p1):
    case = resolved_p1()
    rca = Rca.objects.get(case=case)
    owner = desk.partner_a_manager
    rca_services.rca_update(
        actor=owner,
        rca=rca,
        changes={
            "impact": "All inbound calls failed for 40 minutes.",
            "root_cause": "An expired SBC certificate.",
            "public_summary": "A certificate expired; it is renewed and now monitored.",
            "timeline": [{"at": "2026-06-01T09:30:00+00:00", "text": "Calls fail."}],
        },
    )
    rca_services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Renew the certificate.",
            "owner": owner,
            "due_on": dt.date(2099, 12, 1),
        },
    )
    rca_services.rca_sign(actor=owner, rca=rca)
    page = as_person(browser, live_server, "manager@a.example")

    page.goto(f"/rcas/{rca.pk}/print/")

    expect(page.get_by_role("heading", name=f"Root-cause analysis · {case.number}")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "768px"


def test_the_back_office_works_under_the_policy(browser, live_server, desk):
    page = as_person(browser, live_server, "admin@vendor.example")

    page.goto("/admin/")
    page.get_by_role("link", name="Organisations").first.click()
    page.get_by_role("link", name="Partner A").click()

    expect(page.get_by_label("Name")).to_have_value("Partner A")
