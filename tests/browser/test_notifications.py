"""The bell in a browser: the partner agent whose desk must act sees the count, opens the list,
follows the notification to the case; the bell is empty afterwards. No accessibility fault."""

import pytest
from playwright.sync_api import expect

from casebridge.core.outbox import outbox_drain
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_the_bell_leads_the_desk_to_the_case_it_must_act_on(browser, live_server, desk, open_case):
    case = open_case()
    outbox_drain()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, desk.partner_a_agent.email)

    expect(page.get_by_test_id("bell-count")).to_have_text("1 unread")
    page.get_by_test_id("bell").click()
    inbox = page.get_by_test_id("inbox")
    expect(inbox).to_contain_text("A case was opened")
    expect(inbox).to_contain_text(case.number)
    expect(inbox).to_contain_text("Must act")
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "notifications-1366.png"))

    inbox.get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    context.close()
