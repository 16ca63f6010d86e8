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
    drawn = page.evaluate(
        "() => Chart.getChart(document.getElementById('lifecycle-chart')) !== undefined"
    )
    assert drawn
    page.screenshot(path=str(SCREENSHOTS / "compliance.png"), full_page=False)
