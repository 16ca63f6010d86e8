"""The composer in a browser: an agent inserts a desk macro (filled in for the case, with its
audience and its step), previews the Markdown, and sends; at 1366 px and on a phone. No
accessibility fault, nothing wider than the window."""

import pytest
from playwright.sync_api import expect

from casebridge.cases import macros
from tests.browser.test_accessibility import violations
from tests.browser.test_case_page import OVERFLOW
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, PHONE, workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_macro(desk):
    return macros.macro_create(
        actor=desk.partner_a_manager,
        fields=macros.MacroFields(
            name="We are on it",
            body="Hello {{ customer.name }},\n\nwe are looking at **{{ case.number }}** now.",
            scope="desk",
            audience="public",
            action="start",
        ),
    )


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "phone"])
def test_the_agent_inserts_a_macro_previews_and_sends(
    browser, live_server, desk, open_case, desk_macro, viewport
):
    case = open_case()
    name = "1366" if viewport is LAPTOP else "phone"
    context, page = workspace(browser, live_server, "agent@a.example", viewport)
    page.goto(f"/cases/{case.pk}/")

    page.get_by_label("Insert a reply").select_option(label="We are on it")
    expect(page.locator("#id_body")).to_have_value(
        f"Hello Customer of A,\n\nwe are looking at **{case.number}** now."
    )
    expect(page.get_by_test_id("macro-step")).to_be_checked()
    expect(page.locator("#macro-step")).to_contain_text("Then: Start work")
    page.get_by_test_id("preview-button").click()
    expect(page.get_by_test_id("preview").locator("strong")).to_have_text(case.number)
    page.locator("#comment-form").scroll_into_view_if_needed()
    width, window = page.evaluate(OVERFLOW)
    assert width <= window, f"the page is {width} px wide in a {window} px window"
    assert violations(page) == []
    page.locator("#comment-form").screenshot(path=str(SCREENSHOTS / f"composer-{name}.png"))

    page.get_by_role("button", name="Send").click()

    expect(page.get_by_test_id("thread")).to_contain_text("we are looking at")
    expect(page.get_by_test_id("case-status")).to_contain_text("In progress")
    context.close()


def test_an_empty_message_has_nothing_to_preview(browser, live_server, desk, open_case):
    case = open_case()
    context, page = workspace(browser, live_server, "agent@a.example", LAPTOP)
    page.goto(f"/cases/{case.pk}/")

    page.get_by_test_id("preview-button").click()

    expect(page.get_by_test_id("preview")).to_have_text("Nothing to preview.")
    context.close()


def test_the_macros_page_keeps_a_macro_with_errors_beside_fields(browser, live_server, desk):
    context, page = workspace(browser, live_server, "agent@a.example", LAPTOP)
    page.goto("/macros/new/")
    page.get_by_label("Name").fill("Logs")
    page.get_by_label("Reply").fill("Could you send the logs, {{ customer.firstname }}?")
    page.get_by_role("button", name="Save the macro").click()

    expect(page.locator('[data-field="body"]')).to_contain_text("{{ customer.firstname }}")
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "macro-form-error.png"), full_page=True)
    page.get_by_label("Reply").fill("Could you send the logs, {{ customer.name }}?")
    page.get_by_role("button", name="Save the macro").click()

    expect(page.get_by_test_id("macros")).to_contain_text("Logs")
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "macros-page.png"), full_page=True)
    context.close()
