import datetime as dt

import pytest
from django.test import Client

from casebridge.installed_base import services
from casebridge.installed_base.models import Installation, Release
from casebridge.installed_base.services import InstallationInput


def install(customer, component, version="", **extra):
    return services.installation_create(
        actor=None,
        customer=customer,
        data=InstallationInput(component=component, version=version, **extra),
    )


def test_installations_are_scoped_and_carry_their_state(world, releases, api_as):
    own = install(world.customer_a, "server_core", "2024.10.1")
    install(world.customer_b, "server_core", "2025.08.1")

    response = api_as(world.partner_a_agent).get("/api/v1/installed-base/installations")

    assert response.json()["count"] == 1
    item = response.json()["items"][0]
    assert (item["id"], item["state"], item["release"], item["end_of_life_on"]) == (
        own.pk,
        "unsupported",
        "2024.10",
        "2026-04-10",
    )
    assert (
        api_as(world.partner_b_agent)
        .get(f"/api/v1/installed-base/installations/{own.pk}")
        .status_code
        == 404
    )


def test_creating_for_another_partners_customer_is_a_field_error(world, releases, api_as):
    response = api_as(world.partner_b_manager).post(
        "/api/v1/installed-base/installations",
        {"customer_id": world.customer_a.pk, "component": "server_core", "version": "2025.08.1"},
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"customer_id": ["No such organisation."]}
    assert not Installation.objects.exists()


def test_bad_installation_input_answers_422_per_field(world, releases, api_as):
    response = api_as(world.partner_a_manager).post(
        "/api/v1/installed-base/installations",
        {
            "customer_id": world.customer_a.pk,
            "component": "server_core",
            "version": "9.9",
            "environment": "production",
        },
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"version": ["No release ships server_core 9.9."]}


def test_an_upgrade_is_a_patch(world, releases, api_as):
    installation = install(world.customer_a, "server_core", "2024.10.1")

    response = api_as(world.partner_a_manager).patch(
        f"/api/v1/installed-base/installations/{installation.pk}", {"version": "2025.08.1"}
    )

    assert response.json()["state"] == "supported"


def test_releases_with_effective_dates_and_bundles(world, releases, api_as):
    response = api_as(world.customer_a_contact).get("/api/v1/installed-base/releases")

    assert [(r["version"], r["end_of_life_on"]) for r in response.json()] == [
        ("2025.08", None),
        ("2025.04", "2026-08-01"),
        ("2024.10", "2026-04-10"),
    ]
    assert response.json()[0]["bundle"] == {"server_core": "2025.08.1", "wallboard": "2025.08.0"}


def test_end_of_life_before_release_answers_422(world, releases, api_as):
    response = api_as(world.vendor_admin).post(
        "/api/v1/installed-base/releases",
        {
            "version": "2026.10",
            "released_on": "2026-10-01",
            "end_of_life_on": "2026-09-01",
            "bundle": {"server_core": "2026.10.1"},
        },
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "end_of_life_on": ["The end of life must come after the release date."]
    }
    assert Release.objects.count() == 3


def test_partners_cannot_record_releases_or_change_the_policy(world, releases, api_as):
    client = api_as(world.partner_a_manager)

    release = client.post(
        "/api/v1/installed-base/releases",
        {"version": "2026.10", "released_on": "2026-10-01", "bundle": {"server_core": "2026.10.1"}},
    )
    policy = client.put(
        "/api/v1/installed-base/policy", {"kind": "last_n_releases", "supported_releases": 9}
    )

    assert (release.status_code, policy.status_code) == (403, 403)
    assert client.get("/api/v1/installed-base/policy").json()["kind"] == "months_after_successor"


def test_the_gate_over_the_api(world, releases, api_as):
    response = api_as(world.partner_a_manager).get(
        "/api/v1/installed-base/gate",
        customer_id=world.customer_a.pk,
        component="server_core",
        version="2024.10.1",
        priority="P2",
    )

    assert response.json()["outcome"] == "upgrade_first"
    assert response.json()["supported_versions"] == ["2025.08.1", "2025.04.1"]


def test_compliance_report_and_csv(world, releases, api_as):
    install(world.customer_a, "server_core", "2024.10.1")
    install(world.customer_a, "wallboard", "2025.04.0")

    report = api_as(world.vendor_admin).get("/api/v1/installed-base/compliance").json()
    csv_response = api_as(world.vendor_admin).get("/api/v1/installed-base/compliance", format="csv")
    filtered = (
        api_as(world.vendor_admin)
        .get("/api/v1/installed-base/compliance", state="ending_soon")
        .json()
    )

    assert report["totals"] == {"unsupported": 1, "ending_soon": 1}
    assert report["by_partner"][0]["organisation_name"] == "Partner A"
    assert report["mismatches"] == [
        {
            "customer_id": world.customer_a.pk,
            "environment": "production",
            "releases": {"2024.10": ["server_core"], "2025.04": ["wallboard"]},
        }
    ]
    lines = csv_response.content.decode().splitlines()
    assert lines[0].startswith("customer,partner,component")
    assert len(lines) == 3
    assert [i["component"] for i in filtered["installations"]] == ["wallboard"]


def test_list_endpoint_query_budget(world, releases, api_as, django_assert_max_num_queries):
    for number in range(15):
        install(world.customer_a, "wallboard", "2025.08.0", label=f"Floor {number}")
    client = api_as(world.vendor_admin)

    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/installed-base/installations")

    assert response.json()["count"] == 15


@pytest.mark.parametrize("path", ["/installed-base/", "/installed-base/releases/"])
def test_pages_render(world, releases, path):
    install(world.customer_a, "wallboard", "2025.04.0")
    client = Client()
    client.force_login(world.partner_a_manager)

    response = client.get(path)

    assert response.status_code == 200


def test_the_report_page_has_its_chart_and_scoped_rows(world, releases):
    install(world.customer_a, "wallboard", "2025.04.0")
    install(world.customer_b, "wallboard", "2024.10.0")
    client = Client()
    client.force_login(world.partner_a_manager)

    body = client.get("/installed-base/").content.decode()

    assert '<canvas id="lifecycle-chart"' in body
    assert 'id="lifecycle-data"' in body
    assert "vendor/chart.umd.min.js" in body
    assert "Customer of A" in body
    assert "Customer of B" not in body


def test_the_vendor_records_a_release_from_the_page_with_field_errors(world, releases):
    client = Client()
    client.force_login(world.vendor_admin)

    bad = client.post(
        "/installed-base/releases/",
        {
            "version": "2026.10",
            "released_on": "2026-10-01",
            "end_of_life_on": "2026-01-01",
            "bundle.server_core": "2026.10.1",
        },
    )
    good = client.post(
        "/installed-base/releases/",
        {"version": "2026.10", "released_on": "2026-10-01", "bundle.server_core": "2026.10.1"},
    )

    assert bad.status_code == 422
    assert 'data-field="end_of_life_on"' in bad.content.decode()
    assert good.status_code == 302
    assert Release.objects.filter(version="2026.10").exists()


def test_customer_page_shows_installations(world, releases):
    install(world.customer_a, "wallboard", "2025.04.0")
    client = Client()
    client.force_login(world.customer_a_contact)

    body = client.get(f"/organisations/{world.customer_a.pk}/").content.decode()

    assert 'data-testid="installations"' in body
    assert "ending_soon" in body
    assert dt.date(2026, 8, 1).isoformat() in body


def test_bulk_import_over_the_api_is_all_or_nothing(world, releases, api_as):
    good = "customer,component,version\ncustomer-of-a,server_core,2025.08.1\n"
    bad = good + "customer-of-a,gizmo,1\n"

    refused = api_as(world.vendor_admin).post(
        "/api/v1/installed-base/installations/import", {"csv": bad}
    )
    accepted = api_as(world.vendor_admin).post(
        "/api/v1/installed-base/installations/import", {"csv": good}
    )

    assert refused.status_code == 422
    assert refused.json()["fields"]["file"] == ["row 3, component: Unknown component 'gizmo'."]
    assert accepted.json() == {"rows": 1, "created": 1}
    assert Installation.objects.count() == 1


def test_a_partner_records_an_installation_from_the_customer_page(world, releases):
    client = Client()
    client.force_login(world.partner_a_manager)
    url = f"/organisations/{world.customer_a.pk}/installations/"

    bad = client.post(
        url, {"component": "server_core", "version": "0.1", "environment": "production"}
    )
    good = client.post(
        url, {"component": "server_core", "version": "2025.08.1", "environment": "production"}
    )
    other = Client()
    other.force_login(world.partner_b_manager)
    hidden = other.post(
        url, {"component": "server_core", "version": "2025.08.1", "environment": "test"}
    )

    assert bad.status_code == 422
    assert 'data-field="version"' in bad.content.decode()
    assert good.status_code == 302
    assert hidden.status_code == 404
    assert Installation.objects.count() == 1
