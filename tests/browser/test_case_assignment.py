"""Assignment on the case page in a browser: `a` assigns the open case to me, the select gives
it to a colleague; the line says who has each side; no accessibility fault."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, workspace

pytestmark = pytest.mark.browser


def test_an_agent_takes_the_open_case_then_hands_it_on(browser, live_server, desk, open_case):
    case = open_case(impact="high", urgency="high")
    context, page = workspace(browser, live_server, "agent@a.example", LAPTOP)
    page.goto(f"/cases/{case.pk}/")
    line = page.get_by_test_id("assignment")
    expect(line).to_contain_text("Customer side: nobody")

    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_contain_text(f"{case.number} is assigned to you.")
    expect(line).to_contain_text("Customer side: you")
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "case-assignment-1366.png"))

    page.get_by_label("Assign the customer side to").select_option(
        label=f"{desk.partner_a_manager.full_name} · Level 2 Intermediate"
    )
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(line).to_contain_text(f"Customer side: {desk.partner_a_manager.full_name}")
    page.locator("#comment-form").screenshot(path=str(SCREENSHOTS / "composer-1366.png"))
    context.close()
