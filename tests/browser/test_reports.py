"""Reports in a browser: the vendor's dashboard over the small history of tests/reports, drilled
from a partner's service levels to its missed cases, and a CSV download; the partner's and the
customer's dashboards; no accessibility fault, nothing wider than a laptop or a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, PHONE, workspace
from tests.reports import conftest as reports_conftest

pytestmark = pytest.mark.browser

JUNE = "?start=2026-06&end=2026-06"
history = reports_conftest.history  # the small history of tests/reports, as a fixture here


def _fits(page) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]


def _charts_drawn(page) -> None:
    page.wait_for_load_state("load")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map(c => typeof Chart !== 'undefined' && !!Chart.getChart(c))"
    )
    assert drawn
    assert all(drawn)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_vendor_drills_from_a_partners_attainment_to_its_missed_cases_and_downloads_csv(
    browser, live_server, history, desk, viewport
):
    context, page = workspace(browser, live_server, "admin@vendor.example", viewport)
    page.goto("/reports/" + JUNE)

    expect(page.get_by_role("heading", name="Network reports")).to_be_visible()
    ranking = page.get_by_test_id("partner-ranking")
    expect(ranking.locator("tbody tr").first).to_contain_text("Partner A")
    expect(ranking.locator("tbody tr").first).to_contain_text("66.7 %")
    _charts_drawn(page)
    _fits(page)
    assert violations(page) == []
    page.screenshot(
        path=str(SCREENSHOTS / f"reports-vendor-{'1366' if viewport == LAPTOP else 'phone'}.png"),
        full_page=True,
    )

    ranking.locator('tr[data-partner="Partner A"]').get_by_test_id("partner-missed").click()
    expect(page.get_by_role("heading", name="Service-level target missed")).to_be_visible()
    listed = page.get_by_test_id("cases-behind")
    expect(listed).to_contain_text(history["b"].number)
    expect(listed).not_to_contain_text(history["a"].number)
    _fits(page)
    assert violations(page) == []

    page.get_by_role("link", name="Back to the reports").click()  # of Partner A, as drilled
    expect(page.get_by_role("heading", name="Network reports")).to_contain_text("Partner A")
    with page.expect_download() as download:
        page.locator("#sla-attainment").get_by_role("link", name="Download CSV").click()
    saved = download.value.path()
    with open(saved, encoding="utf-8") as downloaded:
        text = downloaded.read()
    assert text.splitlines()[1] == "To the customer: first response,1,1,50.0"
    context.close()


@pytest.mark.parametrize(
    ("email", "heading", "name"),
    [
        ("manager@a.example", "Reports of Partner A", "partner"),
        ("admin@direct.example", "Service levels of Direct customer", "customer"),
    ],
)
def test_the_partner_and_customer_dashboards(
    browser, live_server, history, desk, email, heading, name
):
    context, page = workspace(browser, live_server, email, LAPTOP)
    page.goto("/reports/" + JUNE)

    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    _charts_drawn(page)
    _fits(page)
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"reports-{name}-1366.png"), full_page=True)
    context.close()


def test_the_filters_refuse_a_period_in_the_future(browser, live_server, history, desk):
    context, page = workspace(browser, live_server, "admin@vendor.example", LAPTOP)
    page.goto("/reports/?end=2026-09")

    expect(page.get_by_test_id("filter-errors")).to_contain_text(
        "End: The period cannot end after this month."
    )
    assert violations(page) == []
    context.close()
