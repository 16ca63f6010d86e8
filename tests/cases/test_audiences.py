"""Who may write to which audience, and the composer's default: the narrowest audience that
reaches the party that must act next."""

import datetime as dt
import re

import pytest
from django.test import Client

from casebridge.cases import audiences, services
from casebridge.cases.choices import Audience
from casebridge.cases.models import Case, Comment, Engagement
from casebridge.core.errors import PermissionDenied, ValidationFailed

WRITERS = {
    "model_1": ["customer_a_contact", "partner_a_agent", "partner_a_manager", "vendor_engineer"],
    "model_2": ["customer_direct_admin", "vendor_engineer"],
}


def in_state(case, customer_status, vendor_status=""):
    Engagement.objects.filter(case=case, kind="customer").update(status=customer_status)
    if vendor_status:
        moment = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        Engagement.objects.create(
            case=case,
            kind="vendor",
            status=vendor_status,
            tier="l2_advanced",
            opened_at=moment,
            status_changed_at=moment,
        )
    Case.objects.filter(pk=case.pk).update(
        customer_status=customer_status, vendor_status=vendor_status
    )
    return Case.objects.select_related("customer", "matrix_version").get(pk=case.pk)


@pytest.fixture
def escalated(desk, open_case):
    return {
        "model_1": in_state(open_case(), "escalated", "investigating"),
        "model_2": in_state(
            open_case(actor=desk.customer_direct_admin, customer=desk.customer_direct),
            "escalated",
            "investigating",
        ),
    }


@pytest.mark.parametrize("model", ["model_1", "model_2"])
def test_the_composer_offers_exactly_what_the_service_accepts(desk, escalated, model):
    case = escalated[model]
    mismatches = []
    for role in WRITERS[model]:
        person = getattr(desk, role)
        offered = audiences.writable_audiences(person, case)
        for audience in Audience.values:
            try:
                services.case_comment(actor=person, case=case, audience=audience, body="x")
                accepted = True
            except (PermissionDenied, ValidationFailed):
                accepted = False
            if accepted != (audience in offered):
                mismatches.append(f"{role} {audience}: offered {audience in offered}")
    assert mismatches == []
    assert Comment.objects.filter(case=case).exists()


def test_in_model_1_the_vendor_writes_only_to_the_partner_and_itself(desk, escalated):
    case = escalated["model_1"]
    client = Client()
    client.force_login(desk.vendor_engineer)

    page = client.get(f"/cases/{case.pk}/").content.decode()

    form = page[page.index('id="comment-form"') :]
    form = form[: form.index("</form>")]
    assert re.findall(r'<option value="(\w+)"', form) == ["vendor_internal", "partner_vendor"]
    # Model 2 has no partner: partner + vendor is what the vendor and the customer share.
    model_2 = escalated["model_2"]
    assert audiences.writable_audiences(desk.vendor_engineer, model_2) == [
        "vendor_internal",
        "partner_vendor",
    ]
    assert "partner_vendor" in audiences.readable_audiences(desk.customer_direct_admin, model_2)


@pytest.mark.parametrize(
    ("model", "customer_status", "vendor_status", "writer", "default"),
    [
        # The desk works it: its own note first; asking the customer reaches the customer.
        ("model_1", "new", "", "partner_a_agent", "partner_internal"),
        ("model_1", "waiting_on_customer", "", "partner_a_agent", "public"),
        ("model_1", "in_progress", "", "customer_a_contact", "public"),
        # With the vendor: the vendor's own note while it investigates, the partner when the
        # vendor waits on it; the partner reaches the vendor, or keeps its note internal.
        ("model_1", "escalated", "investigating", "vendor_engineer", "vendor_internal"),
        ("model_1", "escalated", "investigating", "partner_a_agent", "partner_vendor"),
        ("model_1", "escalated", "waiting_on_partner", "vendor_engineer", "partner_vendor"),
        ("model_1", "escalated", "waiting_on_partner", "partner_a_agent", "partner_internal"),
        ("model_1", "escalated", "solution_provided", "vendor_engineer", "partner_vendor"),
        ("model_1", "closed", "", "partner_a_agent", "partner_internal"),
        # Model 2: the customer carries the partner's duties and reads partner + vendor.
        ("model_2", "escalated", "investigating", "customer_direct_admin", "partner_vendor"),
        ("model_2", "escalated", "waiting_on_partner", "vendor_engineer", "partner_vendor"),
        ("model_2", "escalated", "investigating", "vendor_engineer", "vendor_internal"),
        ("model_2", "in_progress", "", "vendor_engineer", "partner_vendor"),
    ],
)
def test_the_default_audience_is_the_narrowest_that_reaches_who_must_act(
    desk, open_case, model, customer_status, vendor_status, writer, default
):
    customer = {"model_1": desk.customer_a, "model_2": desk.customer_direct}[model]
    reporter = {"model_1": desk.customer_a_contact, "model_2": desk.customer_direct_admin}[model]
    case = in_state(open_case(actor=reporter, customer=customer), customer_status, vendor_status)
    person = getattr(desk, writer)

    chosen = audiences.default_audience(person, case)

    assert chosen == default
    writable = audiences.writable_audiences(person, case)
    reach = [audiences.party_audiences(p, case) for p in audiences.parties_to_act(case)]
    assert all(chosen in seen for seen in reach)
    narrower = writable[: writable.index(chosen)]
    assert not [a for a in narrower if all(a in seen for seen in reach) and reach]


def test_the_portal_preselects_the_default_audience(desk, escalated):
    client = Client()
    client.force_login(desk.partner_a_agent)

    page = client.get(f"/cases/{escalated['model_1'].pk}/").content.decode()

    form = page[page.index('id="comment-form"') :]
    assert re.search(r'<option value="partner_vendor" selected>', form[: form.index("</form>")])
