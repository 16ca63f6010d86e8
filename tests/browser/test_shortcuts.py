"""Keyboard shortcuts in a browser: ? lists them, j/k choose a case on My work, a assigns the
chosen one to me, Enter opens it, / goes to the search box."""

import pytest
from playwright.sync_api import expect

from casebridge.cases.models import Engagement
from tests.browser.test_journeys import sign_in

pytestmark = pytest.mark.browser


def test_an_agent_works_my_work_from_the_keyboard(browser, live_server, desk, open_case):
    cases = [open_case(impact="high", urgency="high"), open_case(impact="low", urgency="low")]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, desk.partner_a_agent.email)
    unassigned = page.get_by_test_id("view-unassigned")
    expect(unassigned).to_contain_text(cases[0].number)

    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcuts")).to_be_hidden()

    page.keyboard.press("j")
    chosen = page.locator("tr.kb-current a.case-number")
    expect(chosen).to_be_focused()
    number = chosen.inner_text()
    page.keyboard.press("a")
    expect(page.locator(".message.success")).to_contain_text(f"{number} is assigned to you.")
    assert (
        Engagement.objects.get(case__number=number, kind="customer").assignee
        == desk.partner_a_agent
    )

    page.keyboard.press("j")
    target = page.locator("tr.kb-current a.case-number").inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(target)
    page.keyboard.press("/")
    expect(page.locator("[data-shortcut=search]")).to_be_focused()
    context.close()
