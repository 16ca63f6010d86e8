"""axe-core over the pages people use all day, for each kind of person: no violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.test_journeys import as_person

pytestmark = pytest.mark.browser

AXE = Axe()


def violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


def test_sign_in_page_has_no_accessibility_violation(page):
    page.goto("/login/")
    assert violations(page) == []


@pytest.mark.parametrize(
    "who", ["partner_a_agent", "partner_a_manager", "vendor_engineer", "customer_a_contact"]
)
def test_home_queue_and_case_page_have_no_accessibility_violation(
    browser, live_server, desk, open_case, who
):
    case = open_case(impact="high", urgency="high")
    person = getattr(desk, who)
    page = as_person(browser, live_server, person.email)
    found = violations(page)  # where a sign-in lands
    page.goto("/cases/")
    found += violations(page)
    if who != "vendor_engineer":  # the vendor does not see an unescalated model-1 case
        page.goto(f"/cases/{case.pk}/")
        found += violations(page)
    page.goto("/cases/new/")
    found += violations(page)
    page.context.close()
    assert found == []
