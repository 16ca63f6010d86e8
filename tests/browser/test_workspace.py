"""The agent's workspace in a browser: the bar on one line, no page wider than the screen, case
numbers whole, flash messages styled, at a laptop's width, a wide screen's and a phone's."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}

#: The tops and heights of the bar's entries, the widest line of the page, the case numbers'.
MEASURE = """() => {
  const entries = [...document.querySelectorAll('.topbar nav > ul > li')].map(li => {
    const box = li.getBoundingClientRect();
    return {top: Math.round(box.top), height: Math.round(box.height)};
  });
  const numbers = [...document.querySelectorAll('a.case-number')].map(
    a => Math.round(a.getBoundingClientRect().height));
  const line = parseFloat(getComputedStyle(document.body).lineHeight);
  const nav = document.querySelector('.topbar nav').getBoundingClientRect();
  const lookup = document.querySelector('.topbar form.lookup').getBoundingClientRect();
  return {
    entries, numbers, line,
    navRight: Math.round(nav.right), lookupLeft: Math.round(lookup.left),
    pageWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    mainWidth: Math.round(document.querySelector('main').getBoundingClientRect().width),
  };
}"""


def workspace(browser, live_server, email, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, email)
    return context, page


@pytest.fixture
def queue_cases(desk, open_case):
    return [
        open_case(impact=impact, urgency=urgency)
        for impact, urgency in (("high", "high"), ("medium", "medium"), ("low", "low"))
    ]


@pytest.mark.parametrize("email", ["admin@vendor.example", "manager@a.example"])
def test_the_bar_fits_one_line_at_1366_px(browser, live_server, desk, queue_cases, email):
    context, page = workspace(browser, live_server, email, LAPTOP)
    page.goto("/cases/")

    seen = page.evaluate(MEASURE)

    assert len({entry["top"] for entry in seen["entries"]}) == 1
    assert seen["navRight"] <= seen["lookupLeft"]
    assert max(entry["height"] for entry in seen["entries"]) < 1.5 * seen["line"]
    assert seen["pageWidth"] <= seen["viewport"]
    page.get_by_text("More", exact=True).click()
    expect(page.get_by_role("link", name="API tokens")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"bar-1366-{email.split('@')[0]}.png"))
    context.close()


def test_the_queue_at_1366_px_keeps_numbers_whole_and_styles_errors(
    browser, live_server, queue_cases
):
    context, page = workspace(browser, live_server, "manager@a.example", LAPTOP)
    page.goto("/cases/?cursor=not-a-cursor")

    seen = page.evaluate(MEASURE)

    assert len(seen["numbers"]) == 3
    assert max(seen["numbers"]) < 1.5 * seen["line"]
    assert seen["pageWidth"] <= seen["viewport"]
    message = page.locator(".message.error")
    expect(message).to_contain_text("That page link is out of date")
    assert message.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(page.get_by_test_id("queue")).not_to_contain_text("in_progress")
    page.screenshot(path=str(SCREENSHOTS / "queue-1366.png"), full_page=True)
    context.close()


def test_a_wide_screen_is_used(browser, live_server, queue_cases):
    context, page = workspace(browser, live_server, "manager@a.example", WIDE)
    page.goto("/cases/")

    seen = page.evaluate(MEASURE)

    assert seen["mainWidth"] > 1600
    page.screenshot(path=str(SCREENSHOTS / "queue-1920.png"))
    context.close()


def test_a_phone_shows_the_queue_and_a_case_without_sideways_scrolling(
    browser, live_server, queue_cases
):
    context, page = workspace(browser, live_server, "manager@a.example", PHONE)
    page.goto("/cases/")

    seen = page.evaluate(MEASURE)

    assert seen["pageWidth"] <= seen["viewport"]
    page.screenshot(path=str(SCREENSHOTS / "queue-phone.png"), full_page=True)
    page.locator("a.case-number").first.click()
    expect(page.get_by_test_id("case-status")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "case-phone.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_a_partner_lands_on_its_work(browser, live_server, queue_cases, viewport):
    context, page = workspace(browser, live_server, "agent@a.example", viewport)

    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    unassigned = page.get_by_test_id("view-unassigned")
    expect(unassigned.locator("a.case-number")).to_have_count(3)
    expect(page.get_by_test_id("work-counts")).to_contain_text("3 unassigned at my desk")
    seen = page.evaluate(MEASURE)
    assert seen["pageWidth"] <= seen["viewport"]
    page.screenshot(path=str(SCREENSHOTS / f"home-{viewport['width']}.png"), full_page=True)
    context.close()
