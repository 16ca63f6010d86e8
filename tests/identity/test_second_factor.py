"""Second factors: who must have one, the page that asks for it, sign-in with an authenticator
app (a replayed code refused), and the escalation gate that counts a submitter without one as
not authorised where it is required."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.test import Client

from casebridge.cases.escalation import NO_SECOND_FACTOR, escalation_readiness
from casebridge.core.models import AuditEvent
from casebridge.identity.services import organisation_sign_in_policy_set
from casebridge.parties.second_factor import has_second_factor, second_factor_required
from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code(secret: str = SECRET) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def enrol_totp(person, secret: str = SECRET) -> Authenticator:
    return TOTP.activate(person, secret).instance


def password_sign_in(client, email):
    return client.post("/login/", {"login": email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("groups", "who", "required"),
    [
        ([], "vendor_admin", False),
        (["vendor_staff"], "vendor_engineer", True),
        (["vendor_staff"], "partner_a_agent", False),
        (["organisation_admins"], "customer_direct_admin", True),
        (["organisation_admins"], "partner_a_manager", False),
        (["authorised_submitters"], "partner_a_manager", True),
        (["authorised_submitters"], "partner_a_agent", False),
    ],
)
def test_who_must_use_a_second_factor_is_configuration(desk, settings, groups, who, required):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = groups

    assert second_factor_required(getattr(desk, who)) is required


def test_an_organisation_may_require_it_of_everyone(world, settings):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = []
    organisation_sign_in_policy_set(
        actor=world.vendor_admin, organisation=world.partner_a, require_second_factor=True
    )
    world.partner_a_agent.refresh_from_db()

    assert second_factor_required(world.partner_a_agent)
    assert AuditEvent.objects.filter(action="organisation.sign_in_policy_changed").exists()


def test_the_escalation_gate_counts_a_submitter_without_a_second_factor_as_not_authorised(
    desk, open_case, settings
):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = ["authorised_submitters"]
    case = open_case()

    refused = escalation_readiness(case, submitter=desk.partner_a_manager)
    enrol_totp(desk.partner_a_manager)
    allowed = escalation_readiness(case, submitter=desk.partner_a_manager)

    assert refused.problems["submitter"] == [NO_SECOND_FACTOR]
    assert "submitter" not in allowed.problems


def test_without_the_requirement_the_gate_does_not_ask_for_one(desk, open_case, settings):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = []

    readiness = escalation_readiness(open_case(), submitter=desk.partner_a_manager)

    assert "submitter" not in readiness.problems


def test_recovery_codes_alone_are_not_a_second_factor(world):
    Authenticator.objects.create(
        user=world.partner_a_agent, type=Authenticator.Type.RECOVERY_CODES, data={}
    )

    assert not has_second_factor(world.partner_a_agent)


def test_someone_who_must_enrol_is_sent_to_enrol_before_anything_else(world, settings, api_as):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = ["vendor_staff"]
    client = Client()
    password_sign_in(client, world.vendor_engineer.email)

    page = client.get("/cases/")
    api = client.get("/api/v1/me")
    token_api = api_as(world.vendor_engineer).get("/api/v1/me")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    enrolment = client.get("/accounts/2fa/totp/activate/")

    assert (page.status_code, page["Location"]) == (302, "/two-factor/required/")
    assert "authenticator app" in client.get("/two-factor/required/").content.decode()
    assert (api.status_code, api.json()["code"]) == (403, "second_factor_required")
    assert token_api.status_code == 200
    assert enrolment.status_code == 200


def test_a_background_request_of_someone_who_must_enrol_swaps_nothing_in(world, settings):
    """The bell in the bar of the enrolment page polls: its request gets no content (htmx
    leaves the bell as it is), not the redirect to the page that asks for a second factor,
    whose whole page htmx would otherwise put inside the bell."""
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = ["vendor_staff"]
    client = Client()
    password_sign_in(client, world.vendor_engineer.email)

    polled = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    opened = client.get("/notifications/bell/")

    assert (polled.status_code, polled.content) == (204, b"")
    assert (opened.status_code, opened["Location"]) == (302, "/two-factor/required/")


def test_enrolling_an_authenticator_app_is_audited_and_lifts_the_requirement(
    world, settings, django_capture_on_commit_callbacks
):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = ["vendor_staff"]
    client = Client()
    password_sign_in(client, world.vendor_engineer.email)
    confirm = client.get("/accounts/2fa/totp/activate/")
    assert confirm["Location"].startswith("/accounts/reauthenticate/")  # the password again
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    form = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', form) or re.search(
        r'value="([A-Z2-7]{16,})"', form
    )

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/accounts/2fa/totp/activate/", {"code": current_code(secret.group(1))}
        )

    assert answer.status_code == 302
    assert has_second_factor(world.vendor_engineer)
    assert client.get("/cases/").status_code == 200
    added = AuditEvent.objects.filter(action="second_factor.added")
    assert sorted(event.after["factor"] for event in added) == [
        "authenticator app",
        "recovery codes",
    ]
    assert {event.actor for event in added} == {world.vendor_engineer}


def test_signing_in_asks_for_the_code_and_a_replayed_code_is_refused(world):
    enrol_totp(world.partner_a_agent)
    code = current_code()

    first = Client()
    step = password_sign_in(first, world.partner_a_agent.email)
    assert step["Location"] == "/accounts/2fa/authenticate/"
    assert first.get("/cases/").status_code == 302  # not signed in until the code is given
    done = first.post("/accounts/2fa/authenticate/", {"code": code})
    assert done.status_code == 302
    assert first.get("/cases/").status_code == 200

    second = Client()
    password_sign_in(second, world.partner_a_agent.email)
    replayed = second.post("/accounts/2fa/authenticate/", {"code": code})

    assert replayed.status_code == 200
    assert "Incorrect code" in replayed.content.decode()
    assert second.get("/cases/").status_code == 302
    assert AuditEvent.objects.filter(action="second_factor.failed").count() == 1
    methods = AuditEvent.objects.get(action="sign_in.succeeded").after["methods"]
    assert methods == ["password", "second factor"]
