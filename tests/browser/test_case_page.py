"""The case page in a browser: a header that says what matters (priority and status in words,
who has it, the next due time, whose turn it is), the conversation on the left and what the case
is about on the right at 1366 px, one column on a phone; the customer's page has no internal
controls. No accessibility fault, nothing wider than the window."""

import pytest
from playwright.sync_api import expect

from casebridge.cases import services
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.services import InstallationInput
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, PHONE, workspace

pytestmark = pytest.mark.browser

#: The widest element's right edge against the window's width.
OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _box(page, selector):
    return page.locator(selector).bounding_box()


def _fits_and_passes_axe(page, viewport, name):
    """Nothing wider than the window, no accessibility fault; the screenshot for review."""
    width, window = page.evaluate(OVERFLOW)
    assert width <= window, f"the page is {width} px wide in a {window} px window"
    assert violations(page) == []
    size = "1366" if viewport is LAPTOP else "phone"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)


@pytest.fixture
def worked_case(desk, open_case, releases):
    installation = installed_base_services.installation_create(
        actor=None,
        customer=desk.customer_a,
        data=InstallationInput(component="wallboard", version="2025.08.0"),
    )
    case = open_case(impact="high", urgency="medium")
    case.installation_id = installation.pk
    case.component_id = "wallboard"
    case.version = "2025.08.0"
    case.save(update_fields=["installation", "component", "version"])
    services.case_comment(
        actor=desk.customer_a_contact,
        case=case,
        body="It started after the **night's** maintenance window.",
        audience="public",
    )
    services.case_comment(
        actor=desk.partner_a_agent,
        case=case,
        body="Internal: the customer skipped the upgrade checklist.",
        audience="partner_internal",
    )
    return case


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_agent_reads_the_case_at_a_glance(browser, live_server, desk, worked_case, viewport):
    context, page = workspace(browser, live_server, "agent@a.example", viewport)
    page.goto(f"/cases/{worked_case.pk}/")

    facts = page.get_by_test_id("case-status")
    expect(facts).to_contain_text("Priority 2")
    expect(facts).to_contain_text("Customer side")
    expect(facts).to_contain_text("Customer of A")
    expect(facts).to_contain_text("Assigned to")
    expect(page.get_by_test_id("next-step")).to_contain_text("Your turn: take into triage")
    expect(page.get_by_test_id("system")).to_contain_text("2025.08.0")
    expect(page.get_by_test_id("managed-by")).to_have_text("Partner A")
    expect(page.get_by_test_id("thread")).to_contain_text("the customer skipped")

    thread, about = _box(page, "#thread"), _box(page, "#about")
    if viewport is LAPTOP:  # side by side: the conversation left, the facts right, both on top
        assert thread["x"] + thread["width"] <= about["x"]
        assert about["y"] < thread["y"] + thread["height"]
    else:  # one column: the conversation before the facts
        assert about["y"] > thread["y"]
    _fits_and_passes_axe(page, viewport, "case-page")
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_customer_sees_its_conversation_and_what_is_expected(
    browser, live_server, desk, worked_case, viewport
):
    context, page = workspace(browser, live_server, "contact@customer-a.example", viewport)
    page.goto(f"/cases/{worked_case.pk}/")

    facts = page.get_by_test_id("case-status")
    expect(facts).to_contain_text("Status")
    expect(facts).to_contain_text("Your support")
    expect(facts).not_to_contain_text("Assigned to")
    expect(page.get_by_test_id("next-step")).to_contain_text(
        "Partner A is working on it; nothing is needed from you now."
    )
    expect(page.get_by_test_id("thread")).to_contain_text("maintenance window")
    expect(page.get_by_test_id("thread")).not_to_contain_text("skipped the upgrade")
    for internal in ("#assignment-head", "#escalate-form form", "[data-testid=similar]"):
        assert page.locator(internal).count() == 0, internal
    expect(page.locator("#escalation-panel h2")).to_have_text("Your case's details")
    expect(page.get_by_text("Runs under")).to_have_count(0)

    _fits_and_passes_axe(page, viewport, "case-page-customer")
    context.close()
