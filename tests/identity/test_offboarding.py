"""Offboarding: one transaction deactivates the person, ends their sessions, revokes their
tokens, withdraws their submitter status and hands their open cases on; audited."""

import datetime as dt

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from casebridge.cases.models import Engagement
from casebridge.cases.services import case_assign
from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.core.models import AuditEvent
from casebridge.identity.services import person_offboard
from casebridge.parties.models import ApiToken, AuthorisedSubmitter, Person
from casebridge.parties.tokens import api_token_create
from tests.factories import PASSWORD, PersonFactory, SubmitterFactory


def sign_in(email):
    client = Client()
    assert client.post("/login/", {"login": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def leaver(desk, open_case):
    """Partner A's agent: signed in twice, a token, a verified submitter, one open case."""
    agent = desk.partner_a_agent
    SubmitterFactory(person=agent, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    _, token = api_token_create(actor=agent, name="desk", scopes=["read"])
    case = open_case()
    case_assign(actor=agent, case=case, engagement="customer", assignee=agent)
    admin = PersonFactory(organisation=desk.partner_a, roles=["admin"], email="admin@a.example")
    return {"person": agent, "token": token, "case": case, "admin": admin}


def test_offboarding_does_everything_at_once(desk, leaver):
    browser, phone = sign_in(leaver["person"].email), sign_in(leaver["person"].email)
    assert UserSession.objects.filter(user=leaver["person"]).count() == 2

    result = person_offboard(
        actor=leaver["admin"],
        person=leaver["person"],
        reassign_to=desk.partner_a_manager,
        reason="left the company",
    )

    assert (result.sessions_ended, result.tokens_revoked, result.submitter_withdrawn) == (
        2,
        1,
        True,
    )
    assert result.cases == [leaver["case"].number]
    assert not Person.objects.get(pk=leaver["person"].pk).is_active
    assert not UserSession.objects.filter(user=leaver["person"]).exists()
    assert browser.get("/cases/").status_code == 302  # to the sign-in page
    assert phone.get("/cases/").status_code == 302
    token_call = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {leaver['token']}"})
    assert token_call.status_code == 401
    assert ApiToken.objects.get(person=leaver["person"]).revoked_at is not None
    assert not AuthorisedSubmitter.objects.get(person=leaver["person"]).active
    side = Engagement.objects.get(case=leaver["case"], kind="customer")
    assert side.assignee == desk.partner_a_manager
    audit = AuditEvent.objects.get(action="person.offboarded")
    assert audit.after["cases"] == [leaver["case"].number]
    assert audit.after["reason"] == "left the company"


def test_without_a_colleague_the_cases_go_back_to_the_queue(desk, leaver):
    person_offboard(actor=leaver["admin"], person=leaver["person"])

    assert Engagement.objects.get(case=leaver["case"], kind="customer").assignee is None


def test_a_colleague_of_another_organisation_is_refused_and_nothing_changes(desk, leaver):
    with pytest.raises(ValidationFailed) as refused:
        person_offboard(
            actor=leaver["admin"], person=leaver["person"], reassign_to=desk.partner_b_agent
        )

    assert "reassign_to_id" in refused.value.fields
    assert Person.objects.get(pk=leaver["person"].pk).is_active
    assert ApiToken.objects.get(person=leaver["person"]).revoked_at is None
    assert AuthorisedSubmitter.objects.get(person=leaver["person"]).active
    assert not AuditEvent.objects.filter(action="person.offboarded").exists()


def test_a_case_that_cannot_be_handed_on_undoes_the_whole_offboarding(desk, leaver, monkeypatch):
    from casebridge.identity.services import offboarding

    def refuse(**_):
        raise PermissionDenied("The matrix says no.")

    monkeypatch.setattr(offboarding, "case_assign", refuse)
    with pytest.raises(ValidationFailed, match="cannot be handed on"):
        person_offboard(actor=leaver["admin"], person=leaver["person"])

    assert Person.objects.get(pk=leaver["person"].pk).is_active
    assert ApiToken.objects.get(person=leaver["person"]).revoked_at is None


def test_who_may_offboard(desk, leaver):
    with pytest.raises(PermissionDenied):
        person_offboard(actor=desk.partner_b_manager, person=leaver["person"])
    with pytest.raises(PermissionDenied):
        person_offboard(actor=desk.partner_a_agent, person=desk.partner_a_manager)
    with pytest.raises(PermissionDenied):
        person_offboard(actor=leaver["admin"], person=leaver["admin"])
    person_offboard(actor=leaver["admin"], person=leaver["person"])
    with pytest.raises(Conflict):
        person_offboard(actor=leaver["admin"], person=leaver["person"])


def test_the_offboarding_page_hands_cases_to_the_chosen_colleague(desk, leaver):
    client = Client()
    client.force_login(leaver["admin"])

    form = client.get(f"/people/{leaver['person'].pk}/offboard/")
    answer = client.post(
        f"/people/{leaver['person'].pk}/offboard/",
        {"reassign_to": str(desk.partner_a_manager.pk), "reason": "moved on"},
    )

    assert leaver["case"].number in form.content.decode()
    assert answer.status_code == 302
    assert Engagement.objects.get(case=leaver["case"], kind="customer").assignee == (
        desk.partner_a_manager
    )


@pytest.mark.parametrize("who", ["anonymous", "other_partner", "colleague_without_rights"])
def test_the_offboarding_page_is_closed_to_others(desk, leaver, who):
    client = Client()
    if who == "other_partner":
        client.force_login(desk.partner_b_manager)
    elif who == "colleague_without_rights":
        client.force_login(desk.customer_a_contact)

    answer = client.post(f"/people/{leaver['person'].pk}/offboard/", {"reason": "x"})

    assert answer.status_code == (302 if who == "anonymous" else 404)
    assert Person.objects.get(pk=leaver["person"].pk).is_active


def test_the_api_offboards_in_one_call(desk, leaver, api_as):
    answer = api_as(leaver["admin"]).post(
        f"/api/v1/people/{leaver['person'].pk}/offboard",
        {"reassign_to_id": desk.partner_a_manager.pk, "reason": "left"},
    )

    assert answer.status_code == 200
    assert answer.json()["cases"] == [leaver["case"].number]
    assert answer.json()["tokens_revoked"] == 1
