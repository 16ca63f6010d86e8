"""Steps that take words, in a browser (issue 20): the agent asks the customer a question from
the step's own form, refused first without the question (the error beside the box); a refused
escalation explains itself at the top of the escalation panel, each rule a link to its field.
At 1366 px and on a phone, with no accessibility fault and nothing wider than the window."""

import pytest
from playwright.sync_api import expect

from casebridge.cases import services
from tests.browser.test_accessibility import violations
from tests.browser.test_case_page import OVERFLOW
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, PHONE, workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def in_progress(desk, open_case):
    case = open_case(impact="high", urgency="medium")
    services.case_transition(
        actor=desk.partner_a_agent, case=case, action="start", expected_revision=None
    )
    return case


def fits(page):
    width, window = page.evaluate(OVERFLOW)
    assert width <= window, f"the page is {width} px wide in a {window} px window"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_agent_asks_the_customer_a_question(browser, live_server, desk, in_progress, viewport):
    name = "1366" if viewport is LAPTOP else "phone"
    context, page = workspace(browser, live_server, "agent@a.example", viewport)
    page.goto(f"/cases/{in_progress.pk}/")

    step = page.get_by_test_id("step-wait_on_customer")
    step.locator("summary").click()
    question = step.get_by_label("Your question to Customer of A")
    expect(question).to_be_visible()
    question.evaluate("box => box.removeAttribute('required')")  # the server's refusal
    step.get_by_role("button", name="Ask the customer").click()

    step = page.get_by_test_id("step-wait_on_customer")
    expect(step.locator("[data-field=message]")).to_have_text("Write the question.")
    fits(page)
    assert violations(page) == []
    step.screenshot(path=str(SCREENSHOTS / f"ask-the-customer-refused-{name}.png"))

    step.get_by_label("Your question to Customer of A").fill(
        "Which number do your callers dial when they hear silence?"
    )
    page.screenshot(path=str(SCREENSHOTS / f"ask-the-customer-{name}.png"), full_page=True)
    step.get_by_role("button", name="Ask the customer").click()

    expect(page.get_by_test_id("status-customer")).to_contain_text("Waiting")
    expect(page.get_by_test_id("thread")).to_contain_text("Which number do your callers dial")
    fits(page)
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_a_refused_escalation_explains_itself(browser, live_server, desk, in_progress, viewport):
    name = "1366" if viewport is LAPTOP else "phone"
    context, page = workspace(browser, live_server, "manager@a.example", viewport)
    page.goto(f"/cases/{in_progress.pk}/")

    page.get_by_role("button", name="Escalate to the vendor").click()

    summary = page.get_by_test_id("escalation-refused")
    expect(summary).to_contain_text("The case cannot go to the vendor yet")
    expect(summary).not_to_contain_text("actions_taken")
    summary.get_by_role("link", name="Actions already taken and their results").click()
    expect(page.locator("#id_actions_taken")).to_be_focused()
    expect(page.locator("[data-field=actions_taken]")).to_have_text(
        "Required by the submission guidelines."
    )
    fits(page)
    assert violations(page) == []
    summary.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"escalation-refused-{name}.png"), full_page=True)
    context.close()
