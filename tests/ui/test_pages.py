import datetime as dt

import pytest
import time_machine
from django.test import Client

from casebridge.parties.models import AuthorisedSubmitter
from tests.factories import PASSWORD, CertificationFactory, PersonFactory, SubmitterFactory

TODAY = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize(
    "path", ["/", "/organisations/", "/organisations/1/", "/certifications/expiring/"]
)
def test_pages_need_a_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_sign_in_with_email_and_password_lands_on_the_own_work(world):
    client = Client()

    response = client.post(
        "/login/", {"username": "Agent@A.example", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert b"<h1>My work</h1>" in response.content
    assert b"Partner A" in response.content


def test_a_wrong_password_is_refused_with_a_message(world):
    response = Client().post("/login/", {"username": "agent@a.example", "password": "wrong"})

    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_people_of_an_inactive_organisation_cannot_sign_in(world):
    world.partner_a.is_active = False
    world.partner_a.save()

    client = Client()
    response = client.post("/login/", {"username": "agent@a.example", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@time_machine.travel(TODAY, tick=False)
def test_a_partner_agent_sees_its_qualification_and_expiring_certifications(world):
    CertificationFactory(
        person=world.partner_a_agent, expires_on=dt.date(2026, 7, 1), reference="SOON-1"
    )
    CertificationFactory(
        person=world.partner_b_agent, expires_on=dt.date(2026, 7, 1), reference="OTHER-1"
    )

    response = signed_in(world.partner_a_agent).get(f"/organisations/{world.partner_a.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "not qualified" in body
    assert "1 of the 2 people needed hold a valid Level 1 Basic certification" in body
    assert "SOON-1" in body
    assert "OTHER-1" not in body


@pytest.mark.parametrize("target", ["partner_b", "customer_b", "customer_direct"])
def test_another_organisations_page_is_404_for_a_partner(world, target):
    response = signed_in(world.partner_a_agent).get(f"/organisations/{getattr(world, target).pk}/")

    assert response.status_code == 404


def test_a_customer_never_sees_its_partners_people(world):
    response = signed_in(world.customer_a_contact).get(f"/organisations/{world.partner_a.pk}/")

    assert response.status_code == 200
    assert b"agent@a.example" not in response.content
    assert b"Nobody here yet." in response.content


def test_organisation_list_is_scoped_and_shows_partner_status(world):
    response = signed_in(world.partner_a_agent).get("/organisations/")

    body = response.content.decode()
    assert "Partner A" in body
    assert "Customer of A" in body
    assert "Partner B" not in body
    assert "Customer of B" not in body


def test_organisation_list_htmx_answers_rows_only(world):
    response = signed_in(world.vendor_admin).get(
        "/organisations/", {"q": "partner"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert "<html" not in body
    assert "Partner A" in body
    assert "Customer of A" not in body


def test_organisation_list_query_budget(world, django_assert_max_num_queries):
    for _ in range(20):
        PersonFactory(organisation=world.partner_a)
    client = signed_in(world.vendor_admin)

    with django_assert_max_num_queries(8):
        response = client.get("/organisations/")

    assert response.status_code == 200


def test_organisation_page_query_budget(world, django_assert_max_num_queries):
    for _ in range(20):
        person = PersonFactory(organisation=world.partner_a, roles=["agent"])
        CertificationFactory(person=person)
        SubmitterFactory(person=person)
    client = signed_in(world.partner_a_manager)

    with django_assert_max_num_queries(14):
        response = client.get(f"/organisations/{world.partner_a.pk}/")

    assert response.status_code == 200


def test_registering_a_submitter_through_the_form(world):
    response = signed_in(world.partner_a_manager).post(
        f"/organisations/{world.partner_a.pk}/submitters/",
        {"person": world.partner_a_agent.pk, "phone": "+31 20 555 0177", "email": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert AuthorisedSubmitter.objects.get().phone == "+31205550177"
    assert b"awaiting verification" in response.content


def test_a_bad_phone_shows_a_form_error_and_writes_nothing(world):
    response = signed_in(world.partner_a_manager).post(
        f"/organisations/{world.partner_a.pk}/submitters/",
        {"person": world.partner_a_agent.pk, "phone": "call me", "email": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert b'data-field="phone"' in response.content
    assert not AuthorisedSubmitter.objects.exists()


def test_an_agent_without_the_right_cannot_register_submitters(world):
    response = signed_in(world.partner_a_agent).post(
        f"/organisations/{world.partner_a.pk}/submitters/",
        {"person": world.partner_a_agent.pk, "phone": "+31 20 555 0177"},
    )

    assert response.status_code == 403
    assert not AuthorisedSubmitter.objects.exists()


def test_a_partner_cannot_register_submitters_at_another_partner(world):
    response = signed_in(world.partner_a_manager).post(
        f"/organisations/{world.partner_b.pk}/submitters/",
        {"person": world.partner_b_agent.pk, "phone": "+31 20 555 0177"},
    )

    assert response.status_code == 404
    assert not AuthorisedSubmitter.objects.exists()


def test_the_vendor_verifies_from_the_page(world):
    submitter = SubmitterFactory(person=world.partner_a_agent)

    refused = signed_in(world.partner_a_manager).post(f"/submitters/{submitter.pk}/verify/")
    verified = signed_in(world.vendor_admin).post(f"/submitters/{submitter.pk}/verify/")

    assert refused.status_code == 403
    assert verified.status_code == 200
    submitter.refresh_from_db()
    assert submitter.verified_at is not None


def test_health_check(db):
    response = Client().get("/healthz")

    assert response.json()["status"] == "ok"


def test_vendor_admins_reach_the_back_office_and_partners_do_not(world):
    assert signed_in(world.vendor_admin).get("/admin/parties/person/").status_code == 200
    assert signed_in(world.partner_a_manager).get("/admin/").status_code == 302


def test_the_back_office_adds_people_through_the_service(world):
    client = signed_in(world.vendor_admin)

    bad = client.post(
        "/admin/parties/person/add/",
        {
            "email": "agent@a.example",
            "full_name": "Dup",
            "organisation": world.partner_b.pk,
            "is_active": "on",
        },
    )
    good = client.post(
        "/admin/parties/person/add/",
        {
            "email": "new@b.example",
            "full_name": "New",
            "organisation": world.partner_b.pk,
            "roles_field": ["agent"],
            "is_active": "on",
        },
    )

    assert bad.status_code == 200
    assert b"already exists" in bad.content
    assert good.status_code == 302
    assert world.partner_b.people.get(email="new@b.example").role_codes == {"agent"}
