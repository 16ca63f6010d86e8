"""Bulk actions in a browser: a partner manager ticks two cases in the queue and assigns them
to an agent; the results say so per case, and the agent's bell rings with both assignments."""

import pytest
from playwright.sync_api import expect

from casebridge.core.outbox import outbox_drain
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}


def test_a_manager_assigns_two_cases_at_once_and_the_agents_bell_rings(
    browser, live_server, desk, open_case
):
    cases = [open_case() for _ in range(3)]
    outbox_drain()  # the openings: the agent's bell holds those three already
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, desk.partner_a_manager.email)
    page.goto("/cases/")

    for case in cases[:2]:
        page.get_by_label(f"Choose {case.number}").check()
    page.get_by_text("With the chosen cases").click()
    page.get_by_label("Assign to").select_option(label=desk.partner_a_agent.full_name)
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "bulk-1366.png"), full_page=True)
    page.get_by_role("button", name="Assign", exact=True).click()

    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 done.")
    results = page.get_by_test_id("bulk-results")
    for case in cases[:2]:
        expect(results).to_contain_text(case.number)
    expect(results).not_to_contain_text(cases[2].number)
    page.screenshot(path=str(SCREENSHOTS / "bulk-results-1366.png"))
    context.close()

    outbox_drain()
    agent = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    agent.set_default_timeout(10_000)
    agent_page = agent.new_page()
    sign_in(agent_page, desk.partner_a_agent.email)
    expect(agent_page.get_by_test_id("bell-count")).to_have_text("5 unread")
    agent_page.get_by_test_id("bell").click()
    expect(
        agent_page.get_by_test_id("inbox").get_by_text("A case was assigned to you")
    ).to_have_count(2)
    agent.close()
