import datetime as dt

import pytest

from casebridge.rasci import selectors
from casebridge.rasci.models import Assignment, MatrixVersion
from tests.factories import SubmitterFactory


def test_models_list_both_defaults_with_their_published_versions(world, matrices, api_as):
    response = api_as(world.partner_a_agent).get("/api/v1/rasci/models")

    assert response.status_code == 200
    models = {m["code"]: m for m in response.json()}
    assert models["model_1"]["parties"] == ["vendor", "partner", "customer"]
    assert models["model_2"]["parties"] == ["vendor", "customer"]
    assert models["model_1"]["published_version_id"] == selectors.published_version("model_1").pk


def test_a_version_reads_as_a_table(world, matrices, api_as):
    version = selectors.published_version("model_1")

    response = api_as(world.customer_a_contact).get(f"/api/v1/rasci/versions/{version.pk}")

    body = response.json()
    submit = next(a for a in body["activities"] if a["code"] == "case.submit")
    assert submit["letters"] == {"vendor": "I", "partner": "A/R", "customer": "C"}
    assert body["violations"] == []
    assert len(body["activities"]) == 22


def test_who_is_responsible_for_case_submit_answers_with_people(world, matrices, api_as):
    SubmitterFactory(
        person=world.partner_a_manager, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    response = api_as(world.customer_a_contact).get(
        "/api/v1/rasci/responsibilities", activity="case.submit", customer_id=world.customer_a.pk
    )

    body = response.json()
    assert response.status_code == 200
    assert body["version"] == "model_1 v1"
    assert body["holders"] == [
        {
            "party": "partner",
            "letters": "A/R",
            "organisation_id": world.partner_a.pk,
            "organisation_name": "Partner A",
            "people": [
                {
                    "id": world.partner_a_manager.pk,
                    "full_name": world.partner_a_manager.full_name,
                    "email": "manager@a.example",
                    "roles": ["manager"],
                }
            ],
        }
    ]


def test_who_for_another_partners_customer_is_404(world, matrices, api_as):
    response = api_as(world.partner_b_agent).get(
        "/api/v1/rasci/responsibilities", activity="case.submit", customer_id=world.customer_a.pk
    )

    assert response.status_code == 404


def test_the_caller_gets_the_engines_decision(world, matrices, api_as):
    response = api_as(world.partner_a_agent).get(
        "/api/v1/rasci/decisions", activity="case.submit", customer_id=world.customer_a.pk
    )

    assert response.json() == {
        "activity": "case.submit",
        "customer_id": world.customer_a.pk,
        "version_id": selectors.published_version("model_1").pk,
        "version": "model_1 v1",
        "party": "partner",
        "letters": "A/R",
        "allowed": True,
        "may_contribute": True,
        "reason": "Partner holds A/R for case.submit under model_1 v1: may perform it.",
    }


def test_draft_edit_publish_round_trip(world, matrices, api_as):
    client = api_as(world.vendor_admin)

    draft = client.post(
        "/api/v1/rasci/models/model_1/drafts", {"notes": "Customers are told"}
    ).json()
    cell = client.put(
        f"/api/v1/rasci/versions/{draft['id']}/cells",
        {"activity": "case.submit", "party": "customer", "letters": "I"},
    )
    diff = client.get(
        "/api/v1/rasci/diff",
        from_version=selectors.published_version("model_1").pk,
        to_version=draft["id"],
    )
    published = client.post(f"/api/v1/rasci/versions/{draft['id']}/publish")

    assert cell.status_code == 200
    assert diff.json()["letters"] == [
        {"activity": "case.submit", "party": "customer", "before": "C", "after": "I"}
    ]
    assert published.json()["status"] == "published"


def test_publishing_an_invalid_draft_answers_422_with_each_violation(world, matrices, api_as):
    client = api_as(world.vendor_admin)
    draft = client.post("/api/v1/rasci/models/model_2/drafts", {}).json()
    client.put(
        f"/api/v1/rasci/versions/{draft['id']}/cells",
        {"activity": "case.submit", "party": "customer", "letters": "R"},
    )

    response = client.post(f"/api/v1/rasci/versions/{draft['id']}/publish")

    assert response.status_code == 422
    assert response.json()["code"] == "matrix_invalid"
    assert response.json()["fields"] == {
        "case.submit": ["no party is accountable (A); exactly one must be"]
    }
    detail = client.get(f"/api/v1/rasci/versions/{draft['id']}").json()
    assert detail["violations"] == [
        {
            "activity": "case.submit",
            "party": None,
            "problem": "no party is accountable (A); exactly one must be",
        }
    ]


def test_editing_a_published_version_answers_422_and_changes_nothing(world, matrices, api_as):
    version = selectors.published_version("model_1")
    before = list(
        Assignment.objects.filter(activity__version=version).values_list("letters", flat=True)
    )

    response = api_as(world.vendor_admin).put(
        f"/api/v1/rasci/versions/{version.pk}/cells",
        {"activity": "case.submit", "party": "vendor", "letters": "A"},
    )

    assert response.status_code == 422
    assert "version" in response.json()["fields"]
    after = list(
        Assignment.objects.filter(activity__version=version).values_list("letters", flat=True)
    )
    assert after == before


def test_partners_cannot_edit_or_see_drafts(world, matrices, api_as):
    draft = api_as(world.vendor_admin).post("/api/v1/rasci/models/model_1/drafts", {}).json()
    partner = api_as(world.partner_a_manager)

    assert partner.get(f"/api/v1/rasci/versions/{draft['id']}").status_code == 404
    assert partner.post("/api/v1/rasci/models/model_2/drafts", {}).status_code == 403
    assert MatrixVersion.objects.filter(operating_model="model_2", status="draft").count() == 0
    assert partner.get("/api/v1/rasci/versions").json()["count"] == 2


def test_import_with_an_error_names_row_and_column(world, matrices, api_as):
    text = "model,code,activity,vendor,partner,customer\nmodel_1,case.submit,Submit,A,A/R,C\n"

    response = api_as(world.vendor_admin).post("/api/v1/rasci/import", {"csv": text})

    assert response.status_code == 422
    assert response.json()["fields"]["file"] == [
        "row 2, column vendor/partner/customer: vendor and partner are both accountable (A); "
        "exactly one may be"
    ]
    assert MatrixVersion.objects.count() == 2


@pytest.mark.parametrize("format", ["csv", "md", "html"])
def test_exports(world, matrices, api_as, format):
    version = selectors.published_version("model_2")

    response = api_as(world.customer_direct_admin).get(
        f"/api/v1/rasci/versions/{version.pk}/export", format=format
    )

    assert response.status_code == 200
    assert "case.submit" in response.content.decode()
    assert response["Content-Disposition"] == f'attachment; filename="rasci-model_2-v1.{format}"'


def test_pinning_a_customer_over_the_api(world, matrices, api_as):
    version = selectors.published_version("model_1")

    pinned = api_as(world.vendor_admin).put(
        f"/api/v1/organisations/{world.customer_a.pk}/matrix-pin",
        {"version_id": version.pk, "reason": "Signed on v1"},
    )
    refused = api_as(world.partner_a_manager).put(
        f"/api/v1/organisations/{world.customer_a.pk}/matrix-pin",
        {"version_id": version.pk, "reason": "mine"},
    )
    who = api_as(world.partner_a_agent).get(
        "/api/v1/rasci/responsibilities", activity="case.submit", customer_id=world.customer_a.pk
    )

    assert pinned.status_code == 200
    assert refused.status_code == 403
    assert who.json()["pinned"] is True


def test_responsibilities_query_budget(world, matrices, api_as, django_assert_max_num_queries):
    client = api_as(world.vendor_admin)

    with django_assert_max_num_queries(12):
        response = client.get(
            "/api/v1/rasci/responsibilities",
            activity="case.submit",
            customer_id=world.customer_a.pk,
        )

    assert response.status_code == 200
