"""The report pages: the three dashboards, the cases behind a number, the CSV downloads."""

import csv
import io

import pytest
from django.test import Client

from casebridge.core.exports import restore

JUNE = {"start": "2026-06", "end": "2026-06"}


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_vendor_dashboard_ranks_the_partners_and_shows_the_numbers(history, desk):
    page = signed_in(desk.vendor_admin).get("/reports/", JUNE)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Network reports" in text
    assert text.index('data-partner="Partner A"') < text.index('data-partner="Partner B"')
    assert "To the customer: first response" in text
    assert 'data-chart="sla-data"' in text


def test_the_partner_dashboard_shows_its_desk_without_the_ranking(history, desk):
    page = signed_in(desk.partner_a_manager).get("/reports/", JUNE)

    text = page.content.decode()
    assert page.status_code == 200
    assert "Reports of Partner A" in text
    assert 'data-testid="partner-ranking"' not in text
    assert 'data-testid="returns-table"' in text


def test_the_customer_dashboard_shows_its_own_service_levels_only(history, desk):
    page = signed_in(desk.customer_direct_admin).get("/reports/", JUNE)

    text = page.content.decode()
    assert page.status_code == 200
    assert "Service levels of Direct customer" in text
    assert "Vendor to the partner" not in text
    assert 'data-testid="returns-table"' not in text
    assert 'data-testid="rca-table"' not in text


def test_a_period_in_the_future_is_a_422_naming_the_field(history, desk):
    page = signed_in(desk.vendor_admin).get("/reports/", {"end": "2027-01"})

    assert page.status_code == 422
    assert "End: The period cannot end after this month." in page.content.decode()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        pytest.param("/reports/", {}, id="dashboard"),
        pytest.param("/reports/cases/", {"measure": "opened"}, id="cases"),
        pytest.param("/reports/export.csv", {"report": "volume"}, id="csv"),
    ],
)
def test_a_partner_asking_for_another_partners_reports_gets_404(history, desk, path, params):
    client = signed_in(desk.partner_a_manager)

    assert client.get(path, {**params, "partner": desk.partner_b.pk}).status_code == 404
    assert client.get(path, {**params, "partner": desk.partner_a.pk}).status_code == 200


@pytest.mark.parametrize("role", ["partner_a_agent", "customer_a_contact"])
def test_people_without_a_managers_role_are_refused(history, desk, role):
    assert signed_in(getattr(desk, role)).get("/reports/").status_code == 403


def test_a_number_opens_the_cases_behind_it(history, desk):
    page = signed_in(desk.vendor_admin).get(
        "/reports/cases/",
        {
            **JUNE,
            "measure": "sla_missed",
            "item": "customer",
            "partner": desk.partner_a.pk,
        },
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "Service-level target missed · To the customer: every target" in text
    assert history["b"].number in text
    assert history["a"].number not in text


def test_the_cases_list_says_how_many_it_cannot_show(history, desk):
    page = signed_in(desk.vendor_admin).get(
        "/reports/cases/", {**JUNE, "measure": "sla_missed", "item": "customer.first_response"}
    )

    text = page.content.decode()
    assert "3 cases counted; 1 of them stays on the partner's own desk" in text


@pytest.mark.parametrize(
    ("name", "first_row"),
    [
        ("sla-attainment", ["To the customer: first response", "1", "3", "25.0"]),
        ("partners", ["Partner A", "2", "4", "2", "66.7", "50.0", "100.0", "1", "1"]),
        ("backlog", ["Age", "Up to 1 day", "0"]),
        ("escalations", ["Resolved", "2", ""]),
        ("priority-one", ["Priority 1 cases opened", "", "1"]),
        ("volume", ["Month", "2026-06", "4"]),
    ],
)
def test_each_measure_downloads_as_csv(history, desk, name, first_row):
    response = signed_in(desk.vendor_admin).get("/reports/export.csv", {"report": name, **JUNE})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [restore(cell) for cell in rows[1]] == first_row


def test_a_bad_filter_of_a_download_is_a_422(history, desk):
    response = signed_in(desk.vendor_admin).get(
        "/reports/export.csv", {"report": "volume", "start": "2026-13"}
    )

    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/reports/", "/reports/cases/?measure=sla_missed&item=customer"])
def test_the_pages_answer_in_a_bounded_number_of_queries(
    history, desk, path, django_assert_max_num_queries
):
    client = signed_in(desk.vendor_admin)
    client.get(path)

    with django_assert_max_num_queries(30):
        assert client.get(path).status_code == 200
