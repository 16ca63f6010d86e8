import datetime as dt

import pytest
import time_machine
from django.test import Client

from casebridge.api.urls import api
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Certification,
    Organisation,
    Person,
    Training,
)
from casebridge.parties.tokens import api_token_create, api_token_revoke
from tests.factories import CertificationFactory, PersonFactory, SubmitterFactory

TODAY = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def ids(response):
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


# --- Authentication ---


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, path


@pytest.mark.parametrize(("method", "path"), list(_operations()))
def test_every_operation_refuses_anonymous_callers(db, method, path):
    concrete = path.replace("{organisation_id}", "1").replace("{person_id}", "1")
    concrete = concrete.replace("{submitter_id}", "1").replace("{token_id}", "1")

    response = getattr(Client(), method)(concrete, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_stops_working(world):
    token, raw = api_token_create(actor=world.partner_a_agent, name="desk sync")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 200

    api_token_revoke(actor=world.partner_a_agent, token=token)

    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_token_stops_working(world):
    with time_machine.travel(TODAY, tick=False) as clock:
        _, raw = api_token_create(
            actor=world.partner_a_agent, name="short", expires_at=TODAY + dt.timedelta(hours=1)
        )
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        assert client.get("/api/v1/me").status_code == 200
        clock.shift(dt.timedelta(hours=1))
        assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer cb_abc_def", "Basic Zm9vOmJhcg=="])
def test_garbage_tokens_are_refused(world, header):
    assert Client(headers={"Authorization": header}).get("/api/v1/me").status_code == 401


def test_a_deactivated_persons_token_stops_working(world, api_as):
    client = api_as(world.partner_a_agent)
    Person.objects.filter(pk=world.partner_a_agent.pk).update(is_active=False)

    assert client.get("/api/v1/me").status_code == 401


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.vendor_admin)

    response = client.post(
        "/api/v1/organisations", {"name": "X", "kind": "partner"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not Organisation.objects.filter(name="X").exists()


def test_tokens_are_listed_for_their_owner_only_and_shown_once(world, api_as):
    client = api_as(world.partner_a_agent)

    created = client.post("/api/v1/tokens", {"name": "service desk"})
    listed = client.get("/api/v1/tokens")
    other = api_as(world.partner_b_agent).get("/api/v1/tokens")

    assert created.status_code == 201
    assert created.json()["token"].startswith("cb_")
    assert "token" not in listed.json()["items"][0]
    assert listed.json()["count"] == 2
    assert other.json()["count"] == 1
    assert (
        api_as(world.partner_b_agent).delete(f"/api/v1/tokens/{created.json()['id']}").status_code
        == 404
    )


# --- Scoping: who sees what ---


def test_organisation_list_is_scoped_per_caller(world, api_as):
    assert ids(api_as(world.vendor_engineer).get("/api/v1/organisations")) == sorted(
        Organisation.objects.values_list("id", flat=True)
    )
    assert ids(api_as(world.partner_a_agent).get("/api/v1/organisations")) == sorted(
        [world.vendor.pk, world.partner_a.pk, world.customer_a.pk]
    )
    assert ids(api_as(world.customer_b_contact).get("/api/v1/organisations")) == sorted(
        [world.vendor.pk, world.partner_b.pk, world.customer_b.pk]
    )


@pytest.mark.parametrize(
    ("actor_name", "target_name"),
    [
        ("partner_a_agent", "partner_b"),
        ("partner_a_agent", "customer_b"),
        ("partner_a_agent", "customer_direct"),
        ("customer_a_contact", "customer_b"),
        ("customer_a_contact", "partner_b"),
        ("customer_direct_admin", "partner_a"),
    ],
)
def test_another_organisations_pages_answer_404(world, api_as, actor_name, target_name):
    client = api_as(getattr(world, actor_name))
    target = getattr(world, target_name)

    assert client.get(f"/api/v1/organisations/{target.pk}").status_code == 404
    assert client.get(f"/api/v1/organisations/{target.pk}/qualification").status_code == 404
    assert (
        client.patch(f"/api/v1/organisations/{target.pk}", {"name": "Mine now"}).status_code == 404
    )
    assert ids(client.get("/api/v1/people", organisation_id=target.pk)) == []
    assert ids(client.get("/api/v1/certifications", organisation_id=target.pk)) == []
    assert ids(client.get("/api/v1/submitters", organisation_id=target.pk)) == []
    target.refresh_from_db()
    assert target.name != "Mine now"


def test_another_partners_person_and_submitter_answer_404(world, api_as):
    submitter = SubmitterFactory(person=world.partner_b_agent)
    client = api_as(world.partner_a_manager)

    assert client.get(f"/api/v1/people/{world.partner_b_agent.pk}").status_code == 404
    assert client.get(f"/api/v1/submitters/{submitter.pk}").status_code == 404
    assert (
        client.post(f"/api/v1/submitters/{submitter.pk}/deactivate", {"reason": "x"}).status_code
        == 404
    )
    submitter.refresh_from_db()
    assert submitter.active


def test_a_partner_reads_its_own_qualification_and_a_customer_its_partners(world, api_as):
    for person, level in [
        (world.partner_a_agent, "l1_basic"),
        (world.partner_a_manager, "l1_basic"),
        (world.partner_a_agent, "l2_intermediate"),
    ]:
        CertificationFactory(person=person, level=level)

    own = api_as(world.partner_a_agent).get(
        f"/api/v1/organisations/{world.partner_a.pk}/qualification", on="2026-06-15"
    )
    customer = api_as(world.customer_a_contact).get(
        f"/api/v1/organisations/{world.partner_a.pk}/qualification"
    )

    assert own.status_code == 200
    assert own.json()["qualified"] is False
    assert own.json()["levels"] == [
        {"level": "l1_basic", "required": 2, "holders": 2, "met": True},
        {"level": "l2_intermediate", "required": 2, "holders": 1, "met": False},
    ]
    assert own.json()["reasons"] == [
        "1 of the 2 people needed hold a valid Level 2 Intermediate certification on 2026-06-15."
    ]
    assert customer.status_code == 200


def test_qualification_of_a_customer_is_not_a_thing(world, api_as):
    response = api_as(world.vendor_admin).get(
        f"/api/v1/organisations/{world.customer_a.pk}/qualification"
    )

    assert response.status_code == 404


def test_caller_lookup_over_the_api(world, api_as):
    SubmitterFactory(person=world.partner_a_agent, phone="+31205550188", verified_at=TODAY)

    found = api_as(world.vendor_engineer).get("/api/v1/callers/lookup", phone="+31 (0)20 555 0188")
    hidden = api_as(world.partner_b_agent).get("/api/v1/callers/lookup", phone="+31205550188")
    bad = api_as(world.vendor_engineer).get("/api/v1/callers/lookup", phone="hello")

    assert found.json()["state"] == "authorised"
    assert found.json()["person"]["id"] == world.partner_a_agent.pk
    assert found.json()["organisation"]["name"] == "Partner A"
    assert hidden.json()["person"] is None
    assert bad.status_code == 422
    assert "phone" in bad.json()["fields"]


# --- Writes and bad input ---


def test_a_second_vendor_answers_422_per_field(world, api_as):
    response = api_as(world.vendor_admin).post(
        "/api/v1/organisations", {"name": "V2", "kind": "vendor"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["fields"] == {
        "kind": ["There is already a vendor; a deployment has exactly one."]
    }
    assert Organisation.objects.filter(kind="vendor").count() == 1


def test_schema_errors_answer_422_with_field_names(world, api_as):
    response = api_as(world.vendor_admin).post(
        "/api/v1/organisations", {"name": "", "kind": "reseller"}
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"name", "kind"}


def test_a_non_manager_gets_403_and_nothing_is_written(world, api_as):
    response = api_as(world.partner_a_agent).post(
        "/api/v1/people",
        {"organisation_id": world.partner_a.pk, "email": "x@a.example", "full_name": "X"},
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Person.objects.filter(email="x@a.example").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"email": "not-an-email"}, "email", id="invalid-email"),
        pytest.param({"phone": "12"}, "phone", id="invalid-phone"),
        pytest.param({"email": "agent@b.example"}, "email", id="person-in-two-organisations"),
        pytest.param({"roles": ["overlord"]}, "roles.0", id="unknown-role"),
    ],
)
def test_bad_people_answer_422_and_write_nothing(world, api_as, body, field):
    count = Person.objects.count()
    payload = {
        "organisation_id": world.partner_a.pk,
        "email": "new@a.example",
        "full_name": "New",
        **body,
    }

    response = api_as(world.partner_a_manager).post("/api/v1/people", payload)

    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert Person.objects.count() == count


def test_a_body_naming_an_invisible_organisation_is_a_field_error(world, api_as):
    response = api_as(world.partner_a_manager).post(
        "/api/v1/people",
        {"organisation_id": world.partner_b.pk, "email": "n@b.example", "full_name": "N"},
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"organisation_id": ["No such organisation."]}


@time_machine.travel(TODAY, tick=False)
def test_expiry_before_issue_answers_422(world, api_as):
    response = api_as(world.vendor_admin).post(
        "/api/v1/certifications",
        {
            "person_id": world.partner_a_agent.pk,
            "level": "l1_basic",
            "issued_on": "2026-05-01",
            "expires_on": "2026-04-01",
        },
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "expires_on": ["The expiry date must come after the issue date."]
    }
    assert not Certification.objects.exists()


def test_an_impossible_date_answers_422(world, api_as):
    response = api_as(world.vendor_admin).post(
        "/api/v1/certifications",
        {
            "person_id": world.partner_a_agent.pk,
            "level": "l1_basic",
            "issued_on": "2026-02-30",
            "expires_on": "2027-01-01",
        },
    )

    assert response.status_code == 422
    assert "issued_on" in response.json()["fields"]


def test_a_duplicate_submitter_answers_422(world, api_as):
    SubmitterFactory(person=world.partner_a_agent)

    response = api_as(world.partner_a_manager).post(
        "/api/v1/submitters", {"person_id": world.partner_a_agent.pk, "phone": "+31 20 555 0177"}
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "person": ["This person is already registered as a submitter."]
    }
    assert AuthorisedSubmitter.objects.count() == 1


def test_register_verify_and_revoke_a_submitter_over_the_api(world, api_as):
    created = api_as(world.partner_a_manager).post(
        "/api/v1/submitters", {"person_id": world.partner_a_agent.pk, "phone": "020 555 0177"}
    )
    submitter_id = created.json()["id"]
    refused = api_as(world.partner_a_manager).post(f"/api/v1/submitters/{submitter_id}/verify")
    verified = api_as(world.vendor_admin).post(f"/api/v1/submitters/{submitter_id}/verify")
    revoked = api_as(world.partner_a_manager).post(
        f"/api/v1/submitters/{submitter_id}/deactivate", {"reason": "Moved to sales"}
    )

    assert created.status_code == 201
    assert created.json()["state"] == "pending_verification"
    assert created.json()["phone"] == "+31205550177"
    assert refused.status_code == 403
    assert verified.json()["state"] == "authorised"
    assert revoked.json()["state"] == "revoked"
    assert revoked.json()["deactivated_reason"] == "Moved to sales"


def test_relationship_is_set_by_the_vendor(world, api_as):
    response = api_as(world.vendor_admin).put(
        f"/api/v1/organisations/{world.customer_a.pk}/relationship",
        {
            "partner_id": world.partner_b.pk,
            "operating_model": "model_1",
            "scenario": "on_premises",
            "support_plan": "premium_plus",
            "time_zone": "Europe/Berlin",
            "country": "DE",
        },
    )
    refused = api_as(world.partner_a_manager).put(
        f"/api/v1/organisations/{world.customer_a.pk}/relationship",
        {
            "partner_id": world.partner_a.pk,
            "operating_model": "model_1",
            "scenario": "cloud",
            "support_plan": "standard",
            "country": "NL",
        },
    )

    assert response.status_code == 200
    assert response.json()["partner"]["id"] == world.partner_b.pk
    assert refused.status_code == 404  # customer A now belongs to partner B: invisible to A


def test_patch_a_person(world, api_as):
    response = api_as(world.partner_a_manager).patch(
        f"/api/v1/people/{world.partner_a_agent.pk}",
        {"roles": ["agent", "engineer"], "support_level": "l2_intermediate"},
    )

    assert response.status_code == 200
    assert response.json()["roles"] == ["agent", "engineer"]
    assert response.json()["support_level"] == "l2_intermediate"


# --- Query budgets ---


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations",
        "/api/v1/people",
        "/api/v1/certifications",
        "/api/v1/certifications/expiring?within_days=3650",
        "/api/v1/submitters",
        "/api/v1/relationships",
        "/api/v1/trainings",
    ],
)
def test_list_endpoints_have_a_fixed_query_budget(
    world, api_as, path, django_assert_max_num_queries
):
    for _ in range(15):
        person = PersonFactory(organisation=world.partner_a, roles=["agent"])
        CertificationFactory(person=person)
        SubmitterFactory(person=person)
        Training.objects.create(
            partner=world.partner_a, person=person, level="l1_basic", held_on=dt.date(2026, 1, 1)
        )
    client = api_as(world.vendor_admin)

    # token lookup + last-used update + count + page (+ prefetch of roles)
    with django_assert_max_num_queries(6):
        response = client.get(path)

    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_pages_are_capped(world, api_as):
    response = api_as(world.vendor_admin).get("/api/v1/people", limit=1000)

    assert response.status_code == 422
