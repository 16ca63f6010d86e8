"""A partner agent's morning in one walk through the portal: sign in and land on my work
(assigned and due), find a case by a phrase from a message, take it with `a`, take two more
from the queue at once, and hear through the bell that a colleague handed one over."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from casebridge.cases import services
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.outbox import outbox_drain
from tests.browser.test_accessibility import violations
from tests.browser.test_journeys import SCREENSHOTS
from tests.browser.test_workspace import LAPTOP, workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def morning(desk, open_case):
    """Yesterday's work: one case already the agent's, a Priority 1 coming due, a case whose
    thread holds the phrase the agent remembers, two more waiting, and one a colleague will
    hand over."""
    mine = open_case(impact="medium", urgency="medium")
    services.case_assign(
        actor=desk.partner_a_manager,
        case=mine,
        engagement="customer",
        assignee=desk.partner_a_agent,
    )
    urgent = open_case(impact="high", urgency="high")
    # Due in half an hour whatever today's business hours (the clock's queue key, as a sweep
    # leaves it).
    Case.objects.filter(pk=urgent.pk).update(customer_due_at=clock.now() + dt.timedelta(minutes=30))
    remembered = open_case(impact="low", urgency="medium")
    services.case_comment(
        actor=desk.customer_a_contact,
        case=remembered,
        audience="public",
        body="Since Monday the wallboard freezes at nine every morning.",
    )
    waiting = [open_case(impact="low", urgency="low") for _ in range(2)]
    handed = open_case(impact="low", urgency="low")
    outbox_drain()
    return {
        "mine": mine,
        "urgent": urgent,
        "remembered": remembered,
        "waiting": waiting,
        "handed": handed,
    }


def test_a_partner_agents_morning(browser, live_server, desk, morning):
    context, page = workspace(browser, live_server, "agent@a.example", LAPTOP)

    # Home is my work: what is mine, and what comes due first.
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_test_id("view-mine")).to_contain_text(morning["mine"].number)
    expect(page.get_by_test_id("view-due")).to_contain_text(morning["urgent"].number)
    assert violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "morning-home-1366.png"), full_page=True)

    # A phrase from the customer's message finds its case.
    page.wait_for_load_state("load")  # the shortcuts script has run
    page.keyboard.press("/")
    page.keyboard.type('"freezes at nine"')
    page.keyboard.press("Enter")
    hits = page.get_by_test_id("hit")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text(morning["remembered"].number)
    hits.first.get_by_role("link").first.click()

    # `a` takes it.
    expect(page.get_by_test_id("assignment")).to_contain_text("Customer side: nobody")
    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_contain_text(
        f"{morning['remembered'].number} is assigned to you."
    )
    expect(page.get_by_test_id("case-status")).to_contain_text("Assigned toyou")

    # Two more from the queue, at once.
    page.goto("/cases/")
    for case in morning["waiting"]:
        page.get_by_label(f"Choose {case.number}").check()
    page.get_by_text("With the chosen cases").click()
    page.get_by_label("Assign to").select_option(label="Me")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 done.")

    # A colleague hands one over; the bell says so and leads to it.
    services.case_assign(
        actor=desk.partner_a_manager,
        case=morning["handed"],
        engagement="customer",
        assignee=desk.partner_a_agent,
    )
    outbox_drain()
    page.goto("/")
    expect(page.get_by_test_id("view-mine")).to_contain_text(morning["handed"].number)
    page.get_by_test_id("bell").click()
    handed_over = page.get_by_test_id("inbox").get_by_text("A case was assigned to you")
    expect(handed_over.first).to_be_visible()
    expect(page.get_by_test_id("inbox")).to_contain_text(morning["handed"].number)
    context.close()
