"""The report endpoints: each measure over the history of conftest.py, the filters checked
field by field, each caller held to its own scope, and bounded queries."""

import pytest

JUNE = {"start": "2026-06", "end": "2026-06"}
MEASURES = [
    "/api/v1/reports/sla-attainment",
    "/api/v1/reports/backlog",
    "/api/v1/reports/escalations",
    "/api/v1/reports/priority-one",
    "/api/v1/reports/volume",
    "/api/v1/reports/partners",
]


def test_the_vendor_reads_attainment_per_partner(history, desk, api_as):
    response = api_as(desk.vendor_admin).get(
        "/api/v1/reports/sla-attainment", group="partner", **JUNE
    )

    assert response.status_code == 200
    rows = {
        (row["group_label"], row["target"]): (row["met"], row["missed"], row["attainment"])
        for row in response.json()["rows"]
    }
    assert rows[("Partner A", "customer.first_response")] == (1, 1, 50.0)
    assert rows[("Partner B", "customer.first_response")] == (0, 1, 0.0)


def test_the_vendor_drills_from_a_partners_missed_first_responses_to_the_cases(
    history, desk, api_as
):
    response = api_as(desk.vendor_admin).get(
        "/api/v1/reports/cases",
        measure="sla_missed",
        item="customer.first_response",
        partner=desk.partner_a.pk,
        **JUNE,
    )

    assert response.status_code == 200
    assert [case["number"] for case in response.json()["items"]] == [history["b"].number]


def test_a_partner_sees_its_own_cases_behind_a_number_even_never_escalated(history, desk, api_as):
    response = api_as(desk.partner_a_manager).get(
        "/api/v1/reports/cases", measure="deflected", **JUNE
    )

    assert [case["number"] for case in response.json()["items"]] == [history["a"].number]


def test_the_vendor_never_lists_a_partners_cases_it_was_not_given(history, desk, api_as):
    response = api_as(desk.vendor_admin).get("/api/v1/reports/cases", measure="deflected", **JUNE)

    assert response.json()["items"] == []


def test_open_cases_behind_an_age_bucket(history, desk, api_as):
    response = api_as(desk.vendor_admin).get("/api/v1/reports/cases", measure="open", item="2-7")

    assert {case["number"] for case in response.json()["items"]} == {history["d"].number}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"end": "2026-07"}, "end", id="end-in-the-future"),
        pytest.param({"start": "2026-07", "end": "2026-06"}, "start", id="start-in-the-future"),
        pytest.param({"start": "2026-05", "end": "2026-04"}, "start", id="start-after-end"),
        pytest.param({"start": "2023-01"}, "start", id="longer-than-36-months"),
        pytest.param({"start": "June"}, "start", id="not-a-month"),
        pytest.param({"partner": 999999}, "partner", id="unknown-partner"),
        pytest.param({"customer": 999999}, "customer", id="unknown-customer"),
        pytest.param({"priority": "P9"}, "priority", id="unknown-priority"),
    ],
)
def test_bad_filters_are_a_422_naming_the_field(history, desk, api_as, params, field):
    response = api_as(desk.vendor_admin).get("/api/v1/reports/sla-attainment", **params)

    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]


def test_a_customer_of_another_partner_is_a_422_for_the_vendor(history, desk, api_as):
    response = api_as(desk.vendor_admin).get(
        "/api/v1/reports/backlog", partner=desk.partner_a.pk, customer=desk.customer_b.pk
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["customer"]


@pytest.mark.parametrize("path", MEASURES)
def test_a_partner_asking_for_another_partners_measures_gets_404(history, desk, api_as, path):
    client = api_as(desk.partner_a_manager)

    assert client.get(path, partner=desk.partner_b.pk).status_code == 404
    assert client.get(path, customer=desk.customer_b.pk).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/api/v1/reports/escalations", "/api/v1/reports/partners"],
    ids=["escalations", "partners"],
)
def test_a_customer_never_sees_partner_measures(history, desk, api_as, path):
    assert api_as(desk.customer_direct_admin).get(path).status_code == 404


def test_a_customer_reads_only_its_own_targets(history, desk, api_as):
    client = api_as(desk.customer_direct_admin)

    rows = client.get("/api/v1/reports/sla-attainment", **JUNE).json()["rows"]
    assert [row["target"] for row in rows] == ["customer.first_response"]
    assert client.get("/api/v1/reports/backlog", partner=desk.partner_a.pk).status_code == 404
    assert client.get("/api/v1/reports/cases", measure="returned").status_code == 422


def test_only_the_partners_ranking_is_the_vendors(history, desk, api_as):
    assert api_as(desk.partner_a_manager).get("/api/v1/reports/partners").status_code == 404


@pytest.mark.parametrize("role", ["partner_a_agent", "vendor_engineer", "customer_a_contact"])
def test_people_without_a_managers_role_get_403(history, desk, api_as, role):
    response = api_as(getattr(desk, role)).get("/api/v1/reports/sla-attainment")

    assert response.status_code == 403


@pytest.mark.parametrize("path", MEASURES)
def test_each_measure_answers_in_a_bounded_number_of_queries(
    history, desk, api_as, path, django_assert_max_num_queries
):
    client = api_as(desk.vendor_admin)
    client.get(path)  # warm the token's caches

    with django_assert_max_num_queries(8):
        response = client.get(path, **JUNE)
    assert response.status_code == 200
