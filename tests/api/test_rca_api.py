"""RCA API: list and filters, draft vs published per party, actions, sign-off, PDF."""

import pytest

from casebridge.core.outbox import outbox_drain
from casebridge.rca.models import Rca
from tests.cases.helpers import act


@pytest.fixture
def rca(desk, open_case):
    case = open_case(impact="high", urgency="high")
    for action in ("start", "propose_solution"):
        act(case, desk.partner_a_agent, action)
    act(case, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")
    outbox_drain()
    return Rca.objects.get(case=case)


def test_the_owner_works_the_draft_and_signs_it_and_the_customer_reads_the_public_version(
    desk, rca, api_as
):
    owner = api_as(desk.partner_a_manager)
    base = f"/api/v1/rcas/{rca.pk}"

    draft = owner.get(base).json()
    assert draft["view"] == "draft"
    assert draft["draft"]["timeline"][0]["text"] == "Case opened"
    assert api_as(desk.customer_a_contact).get(base).status_code == 404

    bad = owner.post(f"{base}/actions", {"kind": "corrective", "description": "Renew"})
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"owner_id", "due_on"}
    stranger = owner.post(
        f"{base}/actions",
        {
            "kind": "corrective",
            "description": "Renew",
            "owner_id": desk.partner_b_agent.pk,
            "due_on": "2099-12-31",
        },
    )
    assert stranger.status_code == 422
    added = owner.post(
        f"{base}/actions",
        {
            "kind": "corrective",
            "description": "Renew the certificate.",
            "owner_id": desk.partner_a_agent.pk,
            "due_on": "2099-12-31",
        },
    )
    assert added.status_code == 201, added.content

    unsigned = owner.post(f"{base}/sign")
    assert unsigned.status_code == 422
    assert set(unsigned.json()["fields"]) == {"impact", "root_cause", "public_summary"}
    patched = owner.patch(
        base,
        {
            "impact": "No inbound calls for 40 minutes.",
            "root_cause": "Expired certificate.",
            "contributing_factors": "Reminder went to a former employee.",
            "public_summary": "A certificate expired; renewed and monitored.",
        },
    )
    assert patched.status_code == 200, patched.content
    signed = owner.post(f"{base}/sign")
    assert signed.status_code == 200
    assert signed.json()["published"]["revision"] == 1
    assert owner.patch(base, {"impact": "x"}).status_code == 409

    customer = api_as(desk.customer_a_contact).get(base).json()
    assert customer["view"] == "public"
    assert customer["draft"] is None
    assert "contributing_factors" not in customer["published"]
    pdf = api_as(desk.customer_a_contact).client.get(
        f"{base}/export.pdf", headers=api_as(desk.customer_a_contact).headers
    )
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_the_list_filters_by_owner_party_attribution_and_overdue(desk, rca, api_as):
    client = api_as(desk.partner_a_agent)

    assert client.get("/api/v1/rcas").json()["count"] == 1
    assert client.get("/api/v1/rcas", owner_party="vendor").json()["count"] == 0
    assert client.get("/api/v1/rcas", attribution="customer_infrastructure").json()["count"] == 1
    assert client.get("/api/v1/rcas", overdue="true").json()["count"] == 0
    assert api_as(desk.partner_b_agent).get("/api/v1/rcas").json()["count"] == 0


def test_an_unsigned_rca_has_nothing_to_export(desk, rca, api_as):
    client = api_as(desk.partner_a_manager)

    response = client.get(f"/api/v1/rcas/{rca.pk}/export.pdf")
    assert response.status_code == 409


def test_changing_the_cause_through_the_api_reassigns(desk, rca, api_as):
    client = api_as(desk.partner_a_agent)
    response = client.post(
        f"/api/v1/cases/{rca.case_id}/attribution",
        {"attribution": "vendor_component", "reason": "Media server defect."},
    )
    assert response.status_code == 200, response.content
    outbox_drain()
    rca.refresh_from_db()
    assert rca.owner == desk.vendor
    assert client.get(f"/api/v1/rcas/{rca.pk}").status_code == 404  # now the vendor's draft
