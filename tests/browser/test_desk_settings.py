"""The back-office pages this wave changed: a desk's automatic assignment on its organisation
page, and plan targets typed in words on the Service levels page (screenshots at 1366 px and a
phone width; no page wider than the window; no accessibility violation)."""

import pytest
from playwright.sync_api import expect

from casebridge.parties.models import Organisation
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

#: The elements that stick out of the window, not counting those inside a scrolling box.
WIDER_THAN_THE_WINDOW = """[...document.querySelectorAll('body *')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement)
    if (getComputedStyle(p).overflowX !== 'visible') return false;
  return true;
}).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""

VIEWPORTS = {"1366": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_partner_manager_turns_on_assignment_in_turn(browser, live_server, desk, size):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[size])
    page = context.new_page()
    sign_in(page, desk.partner_a_manager.email)

    page.goto(f"/organisations/{desk.partner_a.pk}/")
    page.get_by_label("A case arriving at this desk goes").select_option("round_robin")
    page.get_by_role("button", name="Save").first.click()

    expect(page.locator(".messages")).to_contain_text("New cases: In turn (round-robin).")
    assert Organisation.objects.get(pk=desk.partner_a.pk).auto_assignment == "round_robin"
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"organisation-{size}.png"), full_page=True)
    assert page.evaluate(WIDER_THAN_THE_WINDOW) == []
    page.locator("#auto-assignment").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"auto-assignment-{size}.png"))
    context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_target_in_words_is_saved_and_a_wrong_one_refused_beside_it(
    browser, live_server, desk, size
):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[size])
    page = context.new_page()
    sign_in(page, desk.vendor_admin.email)
    page.goto("/service-levels/")

    field = page.locator("input[name=first_response]").first
    field.fill("two hours")
    page.get_by_role("button", name="Save").first.click()

    expect(page.locator(".errors, .messages").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"service-levels-refused-{size}.png"), full_page=True)
    field = page.locator("input[name=first_response]").first
    field.fill("1 h 30 min")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("input[name=first_response]").first).to_have_value("1 h 30 min")
    assert violations(page) == []
    assert page.evaluate(WIDER_THAN_THE_WINDOW) == []
    page.screenshot(path=str(SCREENSHOTS / f"service-levels-{size}.png"), full_page=True)
    context.close()
