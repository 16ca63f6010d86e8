"""Search in a browser: `/` focuses the header box, a phrase from a message finds its case with
the words marked, a refusal shows beside the field, a case number opens the case; the page has
no accessibility fault and fits a laptop and a phone."""

import pytest
from playwright.sync_api import expect

from casebridge.cases import services
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, PHONE, workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def messages(desk, open_case):
    wanted = open_case(impact="high", urgency="high")
    services.case_comment(
        actor=desk.partner_a_agent,
        case=wanted,
        audience="public",
        body="After the upgrade the SIP trunk to Frankfurt rejects every INVITE with 488.",
    )
    services.case_comment(
        actor=desk.partner_a_agent,
        case=wanted,
        audience="partner_internal",
        body="Internal: the Frankfurt trunk certificate expired; do not tell the customer yet.",
    )
    other = open_case(impact="low", urgency="low")
    services.case_comment(
        actor=desk.partner_a_agent,
        case=other,
        audience="public",
        body="The Frankfurt office asks for a second trunk next quarter.",
    )
    return {"wanted": wanted, "other": other}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_an_agent_finds_a_case_by_a_phrase_from_a_message(browser, live_server, messages, viewport):
    context, page = workspace(browser, live_server, "agent@a.example", viewport)

    page.wait_for_load_state("load")  # the shortcuts script has run
    page.keyboard.press("/")
    expect(page.locator("#case-lookup")).to_be_focused()
    page.keyboard.type('"sip trunk" frankfurt')
    page.keyboard.press("Enter")

    hits = page.get_by_test_id("hit")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text(messages["wanted"].number)
    expect(hits.first.locator("mark").first).to_be_visible()
    expect(page.get_by_role("heading", name="1 case found")).to_be_visible()
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"search-{viewport['width']}.png"), full_page=True)

    page.get_by_test_id("search-q").fill('"frankfurt trunk')
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Close the phrase")
    expect(page.get_by_test_id("search-q")).to_have_attribute("aria-invalid", "true")
    assert violations(page) == []

    page.get_by_test_id("search-q").fill(messages["other"].number)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/cases/{messages['other'].pk}/")
    context.close()


def test_a_customer_never_finds_the_partners_internal_note(browser, live_server, messages):
    context, page = workspace(browser, live_server, "contact@customer-a.example", LAPTOP)

    page.goto("/search/?q=certificate+expired")
    expect(page.get_by_role("heading", name="Nothing found")).to_be_visible()
    page.goto("/search/?q=frankfurt")
    expect(page.get_by_test_id("hit")).to_have_count(2)
    expect(page.get_by_test_id("search-results")).not_to_contain_text("certificate")
    context.close()
