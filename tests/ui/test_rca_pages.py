"""RCA pages: the owner edits, adds actions, signs; parties read the published version."""

import pytest
from django.test import Client

from casebridge.core.outbox import outbox_drain
from casebridge.rca.models import Rca
from tests.cases.helpers import act


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def rca(desk, open_case):
    case = open_case(impact="high", urgency="high")
    for action in ("start", "propose_solution"):
        act(case, desk.partner_a_agent, action)
    act(case, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")
    outbox_drain()
    return Rca.objects.get(case=case)


def test_the_owner_works_and_signs_the_rca_in_the_portal(desk, rca):
    owner = signed_in(desk.partner_a_manager)
    page = owner.get(f"/rcas/{rca.pk}/")
    assert page.status_code == 200
    assert "Case opened" in page.content.decode()
    garbled = owner.post(
        f"/rcas/{rca.pk}/sections/", {"timeline": "yesterday morning it broke", "impact": "x"}
    )
    assert garbled.status_code == 422
    assert "Line 1 does not start with a time" in garbled.content.decode()
    rca.refresh_from_db()
    assert rca.impact == ""

    bad = owner.post(
        f"/rcas/{rca.pk}/actions/", {"kind": "corrective", "description": "Renew", "due_on": ""}
    )
    assert bad.status_code == 422
    assert 'data-field="owner_id"' in bad.content.decode()

    owner.post(
        f"/rcas/{rca.pk}/sections/",
        {
            "timeline": "2026-06-15 02:10 Agents cannot sign in\n"
            "2026-06-15 02:55 Certificate renewed",
            "impact": "No inbound calls for 40 minutes.",
            "root_cause": "Expired certificate.",
            "contributing_factors": "",
            "public_summary": "A certificate expired; it is renewed.",
        },
    )
    owner.post(
        f"/rcas/{rca.pk}/actions/",
        {
            "kind": "corrective",
            "description": "Renew the certificate.",
            "owner_id": desk.partner_a_agent.pk,
            "due_on": "2099-12-31",
        },
    )
    rca.refresh_from_db()
    assert [entry["text"] for entry in rca.timeline] == [
        "Agents cannot sign in",
        "Certificate renewed",
    ]
    signed = owner.post(f"/rcas/{rca.pk}/sign/", follow=True)
    assert "Revision 1 signed off and published" in signed.content.decode()

    customer = signed_in(desk.customer_a_contact)
    published = customer.get(f"/rcas/{rca.pk}/").content.decode()
    assert "A certificate expired; it is renewed." in published
    assert "Save the draft" not in published
    printable = customer.get(f"/rcas/{rca.pk}/print/").content.decode()
    assert "Root-cause analysis" in printable
    pdf = customer.get(f"/rcas/{rca.pk}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    case_page = customer.get(f"/cases/{rca.case_id}/").content.decode()
    assert "root-cause analysis" in case_page


def test_the_list_shows_only_what_the_reader_may_see(desk, rca):
    assert rca.case.number in signed_in(desk.partner_a_agent).get("/rcas/").content.decode()
    assert rca.case.number not in signed_in(desk.customer_a_contact).get("/rcas/").content.decode()
    assert signed_in(desk.partner_b_agent).get(f"/rcas/{rca.pk}/").status_code == 404
    overdue = signed_in(desk.partner_a_agent).get("/rcas/?overdue=yes").content.decode()
    assert rca.case.number not in overdue


def test_resolving_a_p1_in_the_portal_asks_for_the_cause(desk, open_case):
    case = open_case(impact="high", urgency="high")
    for action in ("start", "propose_solution"):
        act(case, desk.partner_a_agent, action)
    case.refresh_from_db()
    client = signed_in(desk.partner_a_agent)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="attribution"' in page
    refused = client.post(
        f"/cases/{case.pk}/actions/resolve/", {"revision": case.revision}, follow=True
    )
    assert "attribution" in refused.content.decode()
    client.post(
        f"/cases/{case.pk}/actions/resolve/",
        {"revision": case.revision, "attribution": "third_party"},
    )
    case.refresh_from_db()
    assert case.cause_attribution == "third_party"


def test_the_rca_list_has_a_query_budget(desk, open_case, django_assert_max_num_queries):
    for _ in range(3):
        case = open_case(impact="high", urgency="high")
        for action in ("start", "propose_solution"):
            act(case, desk.partner_a_agent, action)
        act(case, desk.partner_a_agent, "resolve", attribution="unknown")
    outbox_drain()
    client = signed_in(desk.partner_a_agent)

    with django_assert_max_num_queries(8):
        response = client.get("/rcas/")

    assert response.content.decode().count("/rcas/") >= 3
