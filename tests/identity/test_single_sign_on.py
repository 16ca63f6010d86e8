"""Single sign-on per organisation: its settings (checked, audited, kept as an allauth app) and
the rules of who an identity provider may sign in (its own organisation's people only). The
round trip through a real OpenID provider is in test_oidc_round_trip.py."""

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialApp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import AuditEvent
from casebridge.identity.models import SingleSignOn
from casebridge.identity.selectors import single_sign_on_for_email
from casebridge.identity.services import invitation_create, single_sign_on_configure
from casebridge.identity.services.sign_in import person_join_by_sign_on
from casebridge.identity.sign_on import admit, record_refusal
from casebridge.parties.models import Person
from tests.factories import PersonFactory


@pytest.fixture
def admins(world):
    return {
        "a": PersonFactory(organisation=world.partner_a, roles=["admin"], email="root@a.example"),
        "b": PersonFactory(organisation=world.partner_b, roles=["admin"], email="root@b.example"),
    }


def configure(actor, organisation, **changes):
    values = {
        "protocol": "oidc",
        "issuer": "https://login.a.example/",
        "client_id": "casebridge",
        "client_secret": "s3cret",
        "allowed_domains": ["a.example"],
        "default_role": "engineer",
    }
    values.update(changes)
    return single_sign_on_configure(actor=actor, organisation=organisation, **values)


def pem_certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_an_admin_sets_up_oidc_kept_as_an_allauth_app(world, admins):
    single_sign_on = configure(
        admins["a"], world.partner_a, allowed_domains=["A.example", "@a.example"]
    )

    app = SocialApp.objects.get()
    assert (app.provider, app.provider_id, app.client_id, app.secret) == (
        "openid_connect",
        "org-partner-a",
        "casebridge",
        "s3cret",
    )
    assert app.settings == {"server_url": "https://login.a.example"}
    assert single_sign_on.allowed_domains == ["a.example"]
    audit = AuditEvent.objects.get(action="single_sign_on.configured")
    assert audit.after["client_secret"] == "changed"
    assert "s3cret" not in str(audit.after)


def test_changing_it_keeps_the_secret_unless_given(world, admins):
    configure(admins["a"], world.partner_a)
    configure(admins["a"], world.partner_a, client_secret=None, default_role="agent")

    assert SocialApp.objects.get().secret == "s3cret"
    changed = AuditEvent.objects.get(action="single_sign_on.changed")
    assert changed.after["changed"] == ["default_role"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "http://login.a.example"}, "issuer"),
        ({"issuer": "not a url"}, "issuer"),
        ({"client_id": ""}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"allowed_domains": ["not a domain"]}, "allowed_domains"),
        ({"default_role": "admin"}, "default_role"),
        ({"default_role": "customer_contact"}, "default_role"),
        ({"protocol": "kerberos"}, "protocol"),
        (
            {"protocol": "saml", "sso_url": "https://idp.example/sso", "certificate": "junk"},
            "certificate",
        ),
    ],
    ids=lambda value: str(value)[:30],
)
def test_bad_settings_are_refused_field_by_field(world, admins, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        configure(admins["a"], world.partner_a, **changes)

    assert field in refused.value.fields
    assert not SocialApp.objects.exists()
    assert not SingleSignOn.objects.exists()


def test_a_domain_belongs_to_one_organisation(world, admins):
    configure(admins["a"], world.partner_a)

    with pytest.raises(ValidationFailed) as refused:
        configure(admins["b"], world.partner_b, issuer="https://login.b.example")

    assert "already allowed by Partner A" in refused.value.fields["allowed_domains"][0]


def test_only_the_organisations_own_admins_or_the_vendors_configure_it(world, admins):
    with pytest.raises(PermissionDenied):
        configure(admins["b"], world.partner_a)
    with pytest.raises(PermissionDenied):
        configure(world.partner_a_manager, world.partner_a)  # a manager, not an admin
    configure(world.vendor_admin, world.partner_a)


def test_saml_is_configured_and_its_metadata_is_served(world, admins):
    configure(
        admins["a"],
        world.partner_a,
        protocol="saml",
        issuer="https://idp.a.example/metadata",
        sso_url="https://idp.a.example/sso",
        certificate=pem_certificate(),
        client_id="",
        client_secret=None,
    )

    # python3-saml wants a dotted host name or an address in the URLs it publishes.
    metadata = Client(HTTP_HOST="127.0.0.1").get("/accounts/saml/org-partner-a/metadata/")

    assert metadata.status_code == 200
    assert b"http://127.0.0.1/accounts/saml/org-partner-a/acs/" in metadata.content
    assert SocialApp.objects.get().provider == "saml"


# --- Who an identity provider may sign in ---


@pytest.fixture
def sign_on_a(world, admins):
    return configure(admins["a"], world.partner_a)


def test_a_person_of_another_organisation_is_refused(world, sign_on_a):
    admission = admit(sign_on_a, world.partner_b_agent.email)

    assert "belongs to another organisation" in admission.refusal


def test_an_identity_linked_to_another_organisations_person_is_refused(world, sign_on_a):
    admission = admit(sign_on_a, "whatever@a.example", linked=world.partner_b_agent)

    assert "does not belong to Partner A" in admission.refusal


def test_a_domain_not_allowed_and_not_invited_is_refused_and_logged(world, sign_on_a, caplog):
    admission = admit(sign_on_a, "someone@elsewhere.example")
    record_refusal(None, admission, provider="org-partner-a")

    assert admission.refusal == (
        "Partner A does not allow sign-in for addresses at elsewhere.example, and "
        "someone@elsewhere.example has no pending invitation."
    )
    audit = AuditEvent.objects.get(action="sign_in.refused")
    assert (audit.organisation_id, audit.after["email"]) == (
        world.partner_a.pk,
        "someone@elsewhere.example",
    )
    assert "single sign-on refused" in caplog.text


def test_an_invited_address_outside_the_domains_is_let_in_with_its_invitation(
    world, sign_on_a, admins
):
    invitation, _ = invitation_create(
        actor=admins["a"],
        organisation=world.partner_a,
        email="contractor@freelance.example",
        full_name="Con Tractor",
        roles=["engineer"],
    )

    admission = admit(sign_on_a, "contractor@freelance.example")
    person = person_join_by_sign_on(admission=admission, full_name="Con Tractor")

    assert admission.invitation == invitation
    assert (person.organisation, sorted(person.role_codes)) == (world.partner_a, ["engineer"])
    invitation.refresh_from_db()
    assert invitation.state == "accepted"
    assert not person.has_usable_password()


def test_a_domain_allowed_address_is_created_with_the_default_role(world, sign_on_a):
    admission = admit(sign_on_a, "Fresh@A.example")
    person = person_join_by_sign_on(admission=admission, full_name="Fresh Face")

    assert admission.by_domain
    assert (person.email, sorted(person.role_codes)) == ("fresh@a.example", ["engineer"])
    assert AuditEvent.objects.filter(action="person.joined_by_single_sign_on").count() == 1


def test_a_switched_off_sign_on_and_a_missing_address_are_refused(world, admins):
    off = configure(admins["a"], world.partner_a, is_enabled=False)

    assert "switched its single sign-on off" in admit(off, "x@a.example").refusal
    assert (
        "did not say your e-mail address"
        in admit(configure(admins["a"], world.partner_a), "").refusal
    )


def test_a_refused_admission_creates_nobody(world, sign_on_a):
    with pytest.raises(PermissionDenied):
        person_join_by_sign_on(admission=admit(sign_on_a, "x@elsewhere.example"), full_name="X")

    assert not Person.objects.filter(email="x@elsewhere.example").exists()


def test_the_sign_in_page_finds_the_sign_on_by_address(world, sign_on_a):
    assert single_sign_on_for_email(world.partner_a_agent.email) == sign_on_a
    assert single_sign_on_for_email("newcomer@a.example") == sign_on_a
    assert single_sign_on_for_email(world.partner_b_agent.email) is None
    answer = Client().post("/sso/", {"email": "nobody@nowhere.example"})
    assert answer["Location"] == "/login/"


def test_the_settings_page_saves_and_is_closed_to_others(world, admins):
    client = Client()
    client.force_login(admins["a"])
    saved = client.post(
        f"/organisations/{world.partner_a.pk}/sign-in/single-sign-on/",
        {
            "protocol": "oidc",
            "issuer": "https://login.a.example",
            "client_id": "casebridge",
            "client_secret": "s3cret",
            "allowed_domains": "a.example, partner-a.example",
            "default_role": "agent",
            "is_enabled": "on",
        },
    )
    page = client.get(f"/organisations/{world.partner_a.pk}/sign-in/")
    other = Client()
    other.force_login(admins["b"])

    assert saved.status_code == 302
    assert "/accounts/oidc/org-partner-a/login/callback/" in page.content.decode()
    assert SingleSignOn.objects.get().allowed_domains == ["a.example", "partner-a.example"]
    assert other.get(f"/organisations/{world.partner_a.pk}/sign-in/").status_code == 404
    assert (
        other.post(
            f"/organisations/{world.partner_a.pk}/sign-in/policy/", {"require_second_factor": "on"}
        ).status_code
        == 404
    )


def test_the_api_sets_and_reads_it_without_the_secret(world, admins, api_as):
    client = api_as(admins["a"])

    saved = client.put(
        f"/api/v1/organisations/{world.partner_a.pk}/single-sign-on",
        {
            "protocol": "oidc",
            "issuer": "https://login.a.example",
            "client_id": "casebridge",
            "client_secret": "s3cret",
            "allowed_domains": ["a.example"],
        },
    )
    bad = client.put(
        f"/api/v1/organisations/{world.partner_a.pk}/single-sign-on",
        {"protocol": "oidc", "issuer": "ftp://x", "client_id": "c"},
    )
    foreign = api_as(admins["b"]).get(f"/api/v1/organisations/{world.partner_a.pk}/single-sign-on")

    assert saved.status_code == 200
    assert "s3cret" not in saved.content.decode()
    assert saved.json()["callback_url"].endswith("/accounts/oidc/org-partner-a/login/callback/")
    assert (bad.status_code, sorted(bad.json()["fields"])) == (422, ["issuer"])
    assert foreign.status_code == 404


@pytest.mark.parametrize(
    "path", ["/accounts/email/", "/accounts/3rdparty/", "/accounts/3rdparty/signup/"]
)
def test_addresses_and_provider_links_are_not_changed_by_their_holder(world, path):
    client = Client()
    client.force_login(world.partner_a_agent)

    answer = client.get(path)

    assert answer.status_code == 404
    assert "Managed by your organisation" in answer.content.decode()


def test_linking_a_provider_to_a_signed_in_account_is_refused(world, sign_on_a):
    from types import SimpleNamespace

    from allauth.core.exceptions import ImmediateHttpResponse
    from django.test import RequestFactory

    from casebridge.ui.adapters import SocialAccountAdapter

    request = RequestFactory().get("/accounts/oidc/org-partner-a/login/callback/")
    request.user = world.partner_b_agent
    sociallogin = SimpleNamespace(
        state={"process": "connect"},
        provider=SimpleNamespace(app=sign_on_a.social_app),
        user=world.partner_b_agent,
        is_existing=False,
        email_addresses=[],
    )

    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter(request).pre_social_login(request, sociallogin)

    assert refused.value.response.status_code == 403
    assert not world.partner_b_agent.socialaccount_set.exists()
    assert AuditEvent.objects.filter(action="sign_in.refused").count() == 1
