"""Password reset by e-mail, limited like failed sign-ins; the sign-in audit (successes,
failures, the reason) and its CSV export for the vendor and each organisation's own people;
the profile page with "sign out everywhere"."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.test import Client

from casebridge.core.exports import neutralise
from casebridge.core.models import AuditEvent
from casebridge.notifications.models import NotificationPreference
from casebridge.parties.models import Person
from tests.factories import PASSWORD, PersonFactory

NEW_PASSWORD = "an entirely new phrase 99"


def sign_in(client, email, password=PASSWORD):
    return client.post("/login/", {"login": email, "password": password})


def test_a_reset_link_is_mailed_and_sets_a_new_password(world, mailoutbox):
    client = Client()

    asked = client.post("/accounts/password/reset/", {"email": world.partner_a_agent.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mailoutbox[0].body).group(0)
    form = client.get(link.replace("http://testserver", ""), follow=True)
    changed = client.post(
        form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert asked.status_code == 302
    assert changed.status_code == 302
    assert Person.objects.get(pk=world.partner_a_agent.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password.changed").count() == 1
    assert sign_in(Client(), world.partner_a_agent.email, NEW_PASSWORD).status_code == 302


def test_a_reset_for_an_unknown_address_looks_the_same_and_mails_nobody_there(world, mailoutbox):
    answer = Client().post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})

    assert answer.status_code == 302
    assert all("password/reset/key" not in mail.body for mail in mailoutbox)


def test_password_resets_are_limited_like_sign_ins(world, settings, mailoutbox):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 3
    email = world.partner_a_agent.email
    client = Client(REMOTE_ADDR="203.0.113.9")
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as travel:
        answers = [
            client.post("/accounts/password/reset/", {"email": email}).status_code for _ in range(4)
        ]
        elsewhere = Client(REMOTE_ADDR="198.51.100.1").post(
            "/accounts/password/reset/", {"email": email}
        )
        travel.move_to(start + dt.timedelta(minutes=16))
        later = client.post("/accounts/password/reset/", {"email": email})

    assert answers == [302, 302, 302, 429]
    assert elsewhere.status_code == 302  # another address is not locked out of resetting
    assert later.status_code == 302
    assert len(mailoutbox) == 5


def test_failed_and_successful_sign_ins_are_audited_in_the_organisations_trail(world):
    sign_in(Client(REMOTE_ADDR="203.0.113.5"), world.partner_a_agent.email, "wrong")
    sign_in(Client(), "nobody@nowhere.example", "wrong")
    sign_in(Client(), world.partner_a_agent.email)

    failures = {
        event.after["reason"]: event.organisation_id
        for event in AuditEvent.objects.filter(action="sign_in.failed")
    }
    assert failures == {"wrong password": world.partner_a.pk, "no such account": None}
    success = AuditEvent.objects.get(action="sign_in.succeeded")
    assert (success.actor, success.after["methods"]) == (world.partner_a_agent, ["password"])


@pytest.fixture
def trail(world):
    """A failure each at partner A and B, and an admin of each."""
    sign_in(Client(), world.partner_a_agent.email, "wrong")
    sign_in(Client(), world.partner_b_agent.email, "wrong")
    return {
        "a": PersonFactory(organisation=world.partner_a, roles=["admin"], email="root@a.example"),
        "b": PersonFactory(organisation=world.partner_b, roles=["admin"], email="root@b.example"),
    }


def rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_an_organisations_admin_exports_its_own_peoples_audit_only(world, trail):
    client = Client()
    client.force_login(trail["a"])

    exported = rows(client.get("/audit/export.csv"))

    assert [row["actor"] for row in exported] == [world.partner_a_agent.email]
    assert exported[0]["action"] == "sign_in.failed"


def test_the_vendor_exports_everyones_or_one_organisations(world, trail):
    client = Client()
    client.force_login(world.vendor_admin)

    everyone = rows(client.get("/audit/export.csv"))
    one = rows(client.get(f"/audit/export.csv?organisation={world.partner_b.pk}"))

    assert {row["actor"] for row in everyone} >= {
        world.partner_a_agent.email,
        world.partner_b_agent.email,
    }
    assert [row["actor"] for row in one] == [world.partner_b_agent.email]


def test_the_export_neutralises_formulas(world):
    sign_in(Client(), "=sum+1@x.example", "wrong")
    client = Client()
    client.force_login(world.vendor_admin)

    exported = rows(client.get("/audit/export.csv"))

    assert exported[0]["actor"] == "'=sum+1@x.example"
    assert [neutralise(value) for value in ("+1", "-1", "@a", "\t", "\rx", "ok")] == [
        "'+1",
        "'-1",
        "'@a",
        "'\t",
        "'\rx",
        "ok",
    ]


@pytest.mark.parametrize("who", ["partner_a_agent", "partner_a_manager"])
def test_people_who_are_not_administrators_read_no_audit(world, who):
    client = Client()
    client.force_login(getattr(world, who))

    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404


def test_the_audit_page_pins_its_queries(world, trail, django_assert_max_num_queries):
    for number in range(20):  # from 20 places: one place is locked out after 5
        sign_in(Client(REMOTE_ADDR=f"192.0.2.{number + 1}"), world.partner_a_agent.email, "wrong")
    client = Client()
    client.force_login(trail["a"])

    with django_assert_max_num_queries(8):
        page = client.get("/audit/")

    assert page.status_code == 200
    assert page.content.decode().count("sign_in.failed") == 21


def test_the_api_lists_the_audit_in_the_same_scope(world, trail, api_as):
    answer = api_as(trail["b"]).get("/api/v1/audit")

    assert answer.status_code == 200
    failures = [item for item in answer.json()["items"] if item["action"] == "sign_in.failed"]
    assert [item["actor"] for item in failures] == [world.partner_b_agent.email]
    assert api_as(world.partner_b_agent).get("/api/v1/audit").status_code == 403


# --- The profile ---


def test_the_profile_saves_details_and_e_mail_choices(world):
    client = Client()
    client.force_login(world.partner_a_agent)

    saved = client.post(
        "/profile/details/",
        {
            "full_name": "Agnes Agent",
            "phone": "020 555 0100",
            "time_zone": "Europe/Amsterdam",
            "language": "nl",
        },
    )
    bad = client.post(
        "/profile/details/", {"full_name": "", "phone": "call me", "time_zone": "Mars/Base"}
    )
    choices = client.post("/profile/notifications/", {"email": ["case.opened"]})

    person = Person.objects.get(pk=world.partner_a_agent.pk)
    assert saved.status_code == 302
    assert (person.full_name, person.phone, person.time_zone, person.language) == (
        "Agnes Agent",
        "+31205550100",
        "Europe/Amsterdam",
        "nl",
    )
    assert bad.status_code == 422
    assert choices.status_code == 302
    off = NotificationPreference.objects.filter(person=person, email=False).count()
    assert off > 0
    assert NotificationPreference.objects.get(person=person, kind="case.opened").email


def test_sign_out_everywhere_ends_every_session(world):
    laptop, phone = Client(), Client()
    sign_in(laptop, world.partner_a_agent.email)
    sign_in(phone, world.partner_a_agent.email)
    assert UserSession.objects.filter(user=world.partner_a_agent).count() == 2
    page = laptop.get("/profile/")
    assert page.content.decode().count("this one") == 1

    laptop.post("/profile/sign-out-everywhere/")

    assert not UserSession.objects.filter(user=world.partner_a_agent).exists()
    assert phone.get("/cases/").status_code == 302
    assert laptop.get("/cases/").status_code == 302
    audit = AuditEvent.objects.get(action="sign_in.signed_out_everywhere")
    assert audit.after["sessions_ended"] == 2


def test_the_profiles_time_zone_is_used_for_times(world):
    Person.objects.filter(pk=world.partner_a_agent.pk).update(time_zone="Asia/Tokyo")
    client = Client()
    client.force_login(world.partner_a_agent)

    page = client.get("/profile/")

    assert 'data-zone="Asia/Tokyo"' in page.content.decode()
