"""The vendor's on-call engineer on the 24x7 line in a browser: a caller found by a number typed
with spaces, their open Priority 1, the call logged from the same screen; no accessibility
violation, nothing wider than a laptop's or a phone's screen."""

import pytest
from playwright.sync_api import expect

from casebridge.cases.models import PhoneFollowUp
from casebridge.parties.models import Person
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS, sign_in
from tests.ui.test_line import caller_number, p1s, spaced  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_on_call_engineer_finds_the_caller_and_logs_the_call(
    browser,
    live_server,
    desk,
    p1s,  # noqa: F811 (the fixture imported above)
    caller_number,  # noqa: F811
    viewport,
):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, desk.vendor_engineer.email)

    page.get_by_role("link", name="24x7 line").first.click()
    page.get_by_label("Caller's number").fill(spaced(caller_number))
    page.get_by_role("button", name="Look up the caller").click()

    caller = page.get_by_test_id("caller")
    expect(caller).to_contain_text(desk.partner_a_manager.full_name)
    expect(page.get_by_test_id("caller-state")).to_have_text("Authorised")
    expect(page.get_by_test_id("open-p1")).to_contain_text(p1s["escalated"].number)
    expect(page.get_by_test_id("open-p1")).not_to_contain_text(p1s["resolved"].number)
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    name = "1366" if viewport is LAPTOP else "phone"
    page.screenshot(path=str(SCREENSHOTS / f"line-{name}.png"), full_page=True)

    page.get_by_label("What was said").fill("   ")  # blanks pass the browser, not the server
    page.get_by_role("button", name="Log the call").click()
    expect(page.locator("[data-field=summary]")).to_have_text("Summarise the call.")
    page.get_by_label("What was said").fill("Calls fail again since 09:10; logs uploaded.")
    page.get_by_role("button", name="Log the call").click()

    expect(page.locator(".message.success")).to_contain_text(
        f"The call is logged on {p1s['escalated'].number}."
    )
    assert PhoneFollowUp.objects.get().summary == "Calls fail again since 09:10; logs uploaded."
    context.close()


def test_a_long_name_in_the_bar_is_cut_not_pushed_off_the_window(browser, live_server, desk):
    # In a full run the factories' names grow (Person 1249 …): the vendor's bar once ran 3 px
    # past 1366 px.
    Person.objects.filter(pk=desk.vendor_engineer.pk).update(
        full_name="Person 123456789 with a long family name"
    )
    context = browser.new_context(base_url=live_server.url, viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, desk.vendor_engineer.email)

    page.goto("/line/")

    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    context.close()
