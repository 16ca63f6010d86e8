import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casebridge.installed_base import services
from casebridge.installed_base.services import InstallationInput
from casebridge.parties.models import AuthorisedSubmitter
from tests.factories import PASSWORD, CertificationFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("CASEBRIDGE_SCREENSHOTS", tempfile.gettempdir()))


def sign_in(page, email: str) -> None:
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_partner_agent_sees_its_qualification_and_nobody_elses(page, world, live_server):
    CertificationFactory(person=world.partner_a_agent, level="l1_basic")
    CertificationFactory(person=world.partner_a_manager, level="l1_basic")
    CertificationFactory(person=world.partner_a_agent, level="l2_intermediate")

    sign_in(page, "agent@a.example")

    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    page.get_by_role("link", name="My organisation").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Partner A")
    qualification = page.get_by_test_id("qualification")
    expect(qualification).to_contain_text("not qualified")
    expect(qualification).to_contain_text(
        "1 of the 2 people needed hold a valid Level 2 Intermediate"
    )

    page.get_by_role("link", name="Customers").click()
    expect(page.get_by_role("link", name="Customer of A")).to_be_visible()
    expect(page.get_by_text("Partner B")).to_have_count(0)
    expect(page.get_by_text("Customer of B")).to_have_count(0)

    response = page.goto(f"/organisations/{world.partner_b.pk}/")
    assert response.status == 404


def test_a_partner_manager_registers_a_submitter_and_sees_field_errors(page, world):
    sign_in(page, "manager@a.example")
    page.get_by_role("link", name="My organisation").click()
    form = page.locator("#submitters form")

    form.get_by_label("Person").select_option(value=str(world.partner_a_agent.pk))
    form.get_by_label("Phone").fill("call me maybe")
    form.get_by_role("button", name="Register").click()
    expect(page.locator('[data-field="phone"]')).to_contain_text("Not a phone number")
    assert not AuthorisedSubmitter.objects.exists()

    form = page.locator("#submitters form")
    form.get_by_label("Person").select_option(value=str(world.partner_a_agent.pk))
    form.get_by_label("Phone").fill("020 555 0177")
    form.get_by_role("button", name="Register").click()

    expect(page.locator("#submitters-card")).to_contain_text("+31 20 555 0177")
    expect(page.locator("#submitters-card")).to_contain_text("awaiting verification")
    assert AuthorisedSubmitter.objects.get().person == world.partner_a_agent
    page.screenshot(path=str(SCREENSHOTS / "partner-organisation.png"), full_page=True)


def test_a_customer_reads_the_matrices_and_who_does_what(page, world, matrices):
    sign_in(page, "contact@customer-a.example")

    page.get_by_role("link", name="RASCI").click()
    expect(page.get_by_test_id("matrix-model_1")).to_contain_text("case.submit")
    expect(page.get_by_test_id("matrix-model_2")).to_contain_text("case.submit")

    page.goto(f"/organisations/{world.customer_a.pk}/")
    page.get_by_role("link", name="who does what").click()
    table = page.get_by_test_id("responsibilities")
    expect(table).to_contain_text("Partner A")
    expect(table).to_contain_text(world.customer_a_contact.full_name)
    page.screenshot(path=str(SCREENSHOTS / "responsibilities.png"), full_page=False)


def test_the_vendor_reads_the_end_of_life_report_with_its_chart(page, world, releases):
    services.installation_create(
        actor=None,
        customer=world.customer_a,
        data=InstallationInput(component="wallboard", version="2024.10.0"),
    )
    sign_in(page, "admin@vendor.example")

    page.get_by_role("link", name="End of life").click()

    expect(page.get_by_test_id("exposed")).to_contain_text("Customer of A")
    # Fails after the timeout unless Chart.js drew on the canvas.
    page.wait_for_function(
        "() => window.Chart !== undefined"
        " && Chart.getChart(document.getElementById('lifecycle-chart')) !== undefined"
    )
    page.screenshot(path=str(SCREENSHOTS / "compliance.png"), full_page=False)


def as_person(browser, live_server, email):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    person_page = context.new_page()
    sign_in(person_page, email)
    return person_page


def click_action(page, label, reason=None, message=None):
    """Press a step's button; a step with inputs opens its form in place first."""
    step = page.locator("details.action-step", has=page.get_by_text(label, exact=True))
    if step.count():
        step.locator("summary").click()
        form = step.locator("form")
    else:
        form = page.locator("form.action-form", has=page.get_by_role("button", name=label))
    if reason is not None:
        form.locator("input[name=reason]").fill(reason)
    if message is not None:
        form.locator("textarea[name=message]").fill(message)
    form.get_by_role("button", name=label).click()


def test_the_whole_case_journey(browser, live_server, desk, matrices):
    # The customer reports.
    customer = as_person(browser, live_server, "contact@customer-a.example")
    customer.get_by_role("link", name="Cases", exact=True).click()
    customer.get_by_role("link", name="New case").click()
    customer.get_by_label("Title").fill("Callers hear silence")
    customer.get_by_label("Description").fill("Since this morning no call reaches an agent.")
    customer.get_by_label("Impact").select_option("high")
    customer.get_by_label("Urgency").select_option("medium")
    customer.get_by_role("button", name="Open the case").click()
    expect(customer.get_by_test_id("status-customer")).to_contain_text("New")
    case_url = customer.url

    # Partner Level 1 takes it.
    agent = as_person(browser, live_server, "agent@a.example")
    agent.goto(case_url)
    click_action(agent, "Take into triage")
    click_action(agent, "Start work")
    expect(agent.get_by_test_id("status-customer")).to_contain_text("In progress")
    clocks = agent.get_by_test_id("clocks")
    expect(clocks.locator("[data-metric=customer-first_response]")).to_contain_text("Running")
    agent.get_by_label("Audience").select_option("partner_internal")
    agent.get_by_label("Message", exact=True).fill("Looks like the vendor's media service.")
    agent.get_by_role("button", name="Send").click()

    # Partner Level 2 tries to escalate: the gate refuses and lists what is missing.
    engineer = as_person(browser, live_server, "manager@a.example")
    engineer.goto(case_url)
    engineer.get_by_role("button", name="Escalate to the vendor").click()
    expect(engineer.get_by_test_id("escalation-refused")).to_contain_text(
        "cannot go to the vendor yet"
    )
    checklist = engineer.get_by_test_id("checklist")
    expect(checklist).to_contain_text("Expected behaviour")

    # ... completes the details (the checklist follows as the form is filled) and escalates.
    form = engineer.locator("#details-form")
    form.get_by_label("Expected behaviour").fill("Calls reach an agent.")
    form.get_by_label("Actual behaviour").fill("Silence after the menu.")
    form.get_by_label("Error messages").fill("SIP 488")
    form.get_by_label("Steps to reproduce").fill("Call, press 1.")
    form.get_by_label("Reproducible").select_option("true")
    form.get_by_label("Occurred at").fill("2026-06-01 09:30")
    form.get_by_label("Frequency").select_option("constant")
    form.get_by_label("Business impact").fill("No calls answered.")
    form.get_by_label("Users affected").fill("120")
    form.get_by_label("Actions taken").fill("Restarted the SBC.")
    for cause in ("Microsoft 365 / Azure tenant", "Microsoft Teams", "Network"):
        form.get_by_label(cause, exact=True).check()
    form.get_by_label("Evidence").fill("trace.har")
    form.get_by_label("Component").select_option("sbc")
    engineer.get_by_role("button", name="Save details").click()
    expect(engineer.get_by_test_id("checklist")).not_to_contain_text("✘")
    engineer.get_by_role("button", name="Escalate to the vendor").click()
    expect(engineer.get_by_test_id("status-vendor")).to_contain_text("Submitted")

    # The vendor accepts, asks for information; the partner answers.
    vendor = as_person(browser, live_server, "engineer@vendor.example")
    vendor.get_by_role("link", name="Cases", exact=True).click()
    vendor.get_by_test_id("queue").get_by_role("link").first.click()
    click_action(vendor, "Accept")
    click_action(
        vendor, "Ask for information", message="Please send the SBC trace of a failing call."
    )
    engineer.goto(case_url)
    click_action(engineer, "Answer")
    expect(engineer.get_by_test_id("status-vendor")).to_contain_text(
        "Investigating (Level 2 Advanced)"
    )

    # The vendor provides a solution; the partner confirms it and closes with the customer.
    vendor.reload()
    click_action(vendor, "Provide a solution", message="Upgrade the SBC firmware.")
    engineer.reload()
    click_action(engineer, "Confirm the solution")
    engineer.get_by_label("Audience").select_option("public")
    engineer.get_by_label("Message", exact=True).fill("A fix is deployed; please try again.")
    engineer.get_by_role("button", name="Send").click()
    click_action(engineer, "Resolve")
    click_action(engineer, "Close")
    expect(engineer.get_by_test_id("status-customer")).to_contain_text("Closed")

    # The customer sees only the public messages.
    customer.reload()
    thread = customer.get_by_test_id("thread")
    expect(thread).to_contain_text("A fix is deployed")
    expect(thread).not_to_contain_text("media service")
    expect(thread).not_to_contain_text("SBC trace")
    customer.screenshot(path=str(SCREENSHOTS / "case-customer.png"), full_page=True)


def test_due_times_show_in_the_browsers_time_zone(browser, live_server, desk, open_case):
    case = open_case()
    context = browser.new_context(base_url=live_server.url, timezone_id="America/New_York")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "agent@a.example")
    page.goto(f"/cases/{case.pk}/")

    clocks = page.get_by_test_id("clocks")
    expect(clocks).to_contain_text("Due (America/New_York)")
    page.get_by_role("link", name="why?").first.click()
    expect(page.get_by_test_id("clock-summary")).to_contain_text("times in America/New_York")
    expect(page.get_by_test_id("counted")).to_be_visible()
    context.close()


def test_the_vendor_engineer_reads_the_partners_full_submission(browser, live_server, desk):
    from casebridge.cases import services as case_services
    from casebridge.cases.models import Case
    from tests.cases.helpers import COMPLETE, act

    case, _ = case_services.case_open(
        actor=desk.customer_a_contact,
        customer=desk.customer_a,
        title="Callers hear silence",
        description="Since this morning no call reaches an agent.",
        category="incident",
        impact="high",
        urgency="medium",
        guidelines=COMPLETE,
    )
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    case_services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    vendor = as_person(browser, live_server, "engineer@vendor.example")
    vendor.goto(f"/cases/{case.pk}/")

    submission = vendor.get_by_test_id("submission")
    for name in (
        "expected_behaviour",
        "actual_behaviour",
        "error_messages",
        "steps_to_reproduce",
        "business_impact",
        "actions_taken",
        "evidence",
    ):
        expect(submission).to_contain_text(COMPLETE[name])
    expect(submission).to_contain_text("2026-06-01 09:30 UTC")  # when it happened
    expect(submission).to_contain_text("Constant")  # frequency
    expect(submission).to_contain_text("120")  # users affected
    expect(submission).to_contain_text(", ".join(sorted(COMPLETE["causes_ruled_out"])))
    expect(submission).to_contain_text("Yes")  # it reproduces
    # Read-only: no form to change what the partner submitted.
    expect(vendor.locator("#details-form")).to_have_count(0)
    expect(submission.locator("input, textarea, select")).to_have_count(0)
    vendor.screenshot(path=str(SCREENSHOTS / "case-vendor-submission.png"), full_page=True)
