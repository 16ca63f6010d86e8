"""Invitations: who may invite whom, the single-use expiring link, re-send and withdraw, and
the pages a bad link shows (nothing created)."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.core.models import AuditEvent
from casebridge.identity.models import Invitation
from casebridge.identity.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from casebridge.parties.models import Person
from casebridge.parties.services import person_create
from tests.factories import PersonFactory

NEW_PASSWORD = "a long and unusual phrase 42"


def link_token(mail) -> str:
    return re.search(r"/join/([^/\s]+)/", mail.body).group(1)


def invite(actor, organisation, email="new@a.example", roles=("agent",)):
    return invitation_create(
        actor=actor, organisation=organisation, email=email, full_name="New Person", roles=roles
    )


def test_the_vendor_invites_a_partners_first_admin_and_the_link_is_mailed(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(world.vendor_admin, world.partner_a, roles=["admin"])

    assert invitation.state == "pending"
    assert invitation.roles == ["admin"]
    assert [mail.to for mail in mailoutbox] == [["new@a.example"]]
    assert link_token(mailoutbox[0]) == token
    assert token not in Invitation.objects.values_list("token_hash", flat=True).get()
    assert AuditEvent.objects.filter(action="invitation.created").count() == 1


def test_accepting_creates_the_person_with_the_roles_and_uses_the_link_up(world):
    _, token = invite(world.partner_a_manager, world.partner_a, roles=["agent", "engineer"])

    person = invitation_accept(token=token, password=NEW_PASSWORD, full_name="Nia Novak")

    assert (person.organisation, person.full_name) == (world.partner_a, "Nia Novak")
    assert sorted(person.role_codes) == ["agent", "engineer"]
    assert person.check_password(NEW_PASSWORD)
    with pytest.raises(ValidationFailed, match="already used"):
        invitation_accept(token=token, password=NEW_PASSWORD)
    assert Person.objects.filter(email="new@a.example").count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "too short"),
        ("password1234", "too common"),
        ("12345678901234", "entirely numeric"),
    ],
    ids=["too-short", "common", "numeric"],
)
def test_the_password_policy_applies_and_nothing_is_created(world, password, message):
    _, token = invite(world.partner_a_manager, world.partner_a)

    with pytest.raises(ValidationFailed) as refused:
        invitation_accept(token=token, password=password)

    assert message in " ".join(refused.value.fields["password"])
    assert not Person.objects.filter(email="new@a.example").exists()
    assert Invitation.objects.get().state == "pending"


def test_a_manager_invites_only_into_organisations_they_manage(world):
    with pytest.raises(PermissionDenied):
        invite(world.partner_a_manager, world.partner_b)
    with pytest.raises(PermissionDenied):
        invite(world.partner_a_agent, world.partner_a)
    assert not Invitation.objects.exists()


def test_only_an_administrator_invites_an_administrator(world):
    with pytest.raises(ValidationFailed) as refused:
        invite(world.partner_a_manager, world.partner_a, roles=["admin"])

    assert refused.value.fields["roles"] == ["Only administrators make someone an administrator."]


def test_an_address_of_another_organisation_cannot_be_invited(world):
    with pytest.raises(ValidationFailed) as refused:
        invite(world.vendor_admin, world.partner_b, email=world.partner_a_agent.email)

    assert "another organisation" in refused.value.fields["email"][0]


def test_a_person_created_without_a_password_is_invited_to_set_one(world):
    person = person_create(
        actor=world.partner_a_manager,
        organisation=world.partner_a,
        email="api-made@a.example",
        full_name="Made By API",
        roles=["engineer"],
    )
    assert not person.has_usable_password()

    invitation, token = invite(
        world.partner_a_manager, world.partner_a, email=person.email, roles=[]
    )
    accepted = invitation_accept(token=token, password=NEW_PASSWORD)

    assert invitation.person == person
    assert accepted.pk == person.pk
    assert Person.objects.get(pk=person.pk).check_password(NEW_PASSWORD)


def test_someone_who_signs_in_already_is_not_invited(world):
    with pytest.raises(ValidationFailed, match="not sent"):
        invite(world.partner_a_manager, world.partner_a, email=world.partner_a_agent.email)


def test_one_pending_invitation_per_address_and_a_resend_kills_the_old_link(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, old = invite(world.partner_a_manager, world.partner_a)
    with pytest.raises(ValidationFailed, match="not sent"):
        invite(world.partner_a_manager, world.partner_a)

    with django_capture_on_commit_callbacks(execute=True):
        _, new = invitation_resend(actor=world.partner_a_manager, invitation=invitation)

    assert len(mailoutbox) == 2
    assert link_token(mailoutbox[1]) == new
    with pytest.raises(ValidationFailed, match="not valid"):
        invitation_accept(token=old, password=NEW_PASSWORD)
    assert invitation_accept(token=new, password=NEW_PASSWORD).email == "new@a.example"


def test_an_expired_invitation_is_refused_and_a_new_one_may_be_sent(world, settings):
    settings.CASEBRIDGE_INVITATION_DAYS = 2
    invitation, token = invite(world.partner_a_manager, world.partner_a)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=3)):
        with pytest.raises(ValidationFailed, match="expired"):
            invitation_accept(token=token, password=NEW_PASSWORD)
        again, _ = invite(world.partner_a_manager, world.partner_a)

    invitation.refresh_from_db()
    assert invitation.state == "revoked"
    assert again.state == "pending"
    assert not Person.objects.filter(email="new@a.example").exists()


def test_a_withdrawn_invitation_cannot_be_used_nor_sent_again(world):
    invitation, token = invite(world.partner_a_manager, world.partner_a)

    invitation_revoke(actor=world.partner_a_manager, invitation=invitation)

    with pytest.raises(ValidationFailed, match="withdrawn"):
        invitation_accept(token=token, password=NEW_PASSWORD)
    with pytest.raises(Conflict):
        invitation_resend(actor=world.partner_a_manager, invitation=invitation)


# --- The pages ---


def test_the_invitee_sets_a_password_on_the_page_and_is_signed_in(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.partner_a_manager, world.partner_a)
    token = link_token(mailoutbox[0])
    client = Client()

    page = client.get(f"/join/{token}/")
    assert page.status_code == 200
    assert "Join Partner A" in page.content.decode()
    answer = client.post(
        f"/join/{token}/",
        {"full_name": "Nia Novak", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert answer.status_code == 302
    assert client.get("/").wsgi_request.user.email == "new@a.example"
    signed_in = AuditEvent.objects.get(action="sign_in.succeeded")
    assert signed_in.after["methods"] == ["password"]


@pytest.mark.parametrize(
    ("state", "status", "words"),
    [
        ("unknown", 404, "not valid"),
        ("used", 410, "already used"),
        ("expired", 410, "expired"),
        ("withdrawn", 410, "withdrawn"),
    ],
)
def test_a_bad_link_shows_why_and_creates_nothing(world, state, status, words):
    invitation, token = invite(world.partner_a_manager, world.partner_a)
    if state == "unknown":
        token = "nobody-has-this-token"
    elif state == "used":
        invitation_accept(token=token, password=NEW_PASSWORD)
    elif state == "expired":
        Invitation.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    else:
        invitation_revoke(actor=world.partner_a_manager, invitation=invitation)
    people = Person.objects.count()
    client = Client()

    shown = client.get(f"/join/{token}/")
    posted = client.post(
        f"/join/{token}/",
        {"full_name": "X", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert (shown.status_code, posted.status_code) == (status, status)
    assert words in shown.content.decode()
    assert Person.objects.count() == people


def test_a_link_opened_while_signed_in_as_someone_else_is_foreign(world):
    _, token = invite(world.partner_a_manager, world.partner_a)
    client = Client()
    client.force_login(world.partner_b_agent)

    answer = client.post(
        f"/join/{token}/",
        {"full_name": "X", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert answer.status_code == 403
    assert "is for new@a.example" in answer.content.decode()
    assert not Person.objects.filter(email="new@a.example").exists()


def test_password_mismatch_and_policy_show_as_field_errors(world):
    _, token = invite(world.partner_a_manager, world.partner_a)

    answer = Client().post(
        f"/join/{token}/", {"full_name": "X", "password": "short", "password_again": "other"}
    )

    assert answer.status_code == 422
    body = answer.content.decode()
    assert 'data-field="password_again"' in body
    assert "differ" in body


def test_the_organisation_page_lists_invitations_and_invites(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.partner_a_manager)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/organisations/{world.partner_a.pk}/invitations/",
            {"email": "pat@a.example", "full_name": "Pat", "roles": ["engineer"]},
        )
    page = client.get(f"/organisations/{world.partner_a.pk}/invitations/")

    assert sent.status_code == 302
    assert "pat@a.example" in page.content.decode()
    assert "Engineer" in page.content.decode()
    assert len(mailoutbox) == 1


def test_an_invitation_form_with_problems_answers_422_with_field_errors(world):
    client = Client()
    client.force_login(world.partner_a_manager)

    answer = client.post(
        f"/organisations/{world.partner_a.pk}/invitations/",
        {"email": world.partner_b_agent.email, "full_name": "X", "roles": ["agent"]},
    )

    assert answer.status_code == 422
    assert 'data-field="email"' in answer.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "other_partner", "agent"])
def test_invitation_pages_are_closed_to_others(world, who):
    invitation, _ = invite(world.partner_a_manager, world.partner_a)
    client = Client()
    if who != "anonymous":
        client.force_login(
            world.partner_b_manager if who == "other_partner" else world.partner_a_agent
        )
    before = Invitation.objects.values_list("token_hash", "revoked_at").get()

    page = client.get(f"/organisations/{world.partner_a.pk}/invitations/")
    resent = client.post(f"/invitations/{invitation.pk}/resend/")
    withdrawn = client.post(f"/invitations/{invitation.pk}/withdraw/")

    expected = 302 if who == "anonymous" else 404
    assert (page.status_code, resent.status_code, withdrawn.status_code) == (expected,) * 3
    assert Invitation.objects.values_list("token_hash", "revoked_at").get() == before


def test_the_invitations_list_pins_its_queries(world, django_assert_max_num_queries):
    for number in range(15):
        invite(world.vendor_admin, world.partner_a, email=f"p{number}@a.example")
    client = Client()
    client.force_login(world.vendor_admin)

    with django_assert_max_num_queries(8):
        page = client.get("/invitations/")

    assert page.status_code == 200
    assert page.content.decode().count("@a.example") == 15


def test_nobody_signs_up_without_an_invitation(db):
    answer = Client().get("/accounts/signup/")

    assert answer.status_code == 200
    assert "No sign-up here" in answer.content.decode()
    assert not Person.objects.exists()


def test_a_factory_person_is_unaffected(world):
    assert PersonFactory().has_usable_password()
