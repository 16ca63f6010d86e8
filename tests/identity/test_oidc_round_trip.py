"""Single sign-on through a real OpenID provider on loopback (django-oauth-toolkit, started by
the ``oidc_provider`` fixture): casebridge sends the browser there, the person signs in at the
provider, the provider sends them back with a code, casebridge exchanges it and signs them in
— into the provider's own organisation only."""

import re
from html import unescape

import httpx
import pytest

from casebridge.core.models import AuditEvent
from casebridge.identity.services import single_sign_on_configure
from casebridge.parties.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def configure(provider, actor, organisation, provider_id, domains):
    return single_sign_on_configure(
        actor=actor,
        organisation=organisation,
        protocol="oidc",
        issuer=provider.issuer,
        client_id=provider_id,
        client_secret=provider.client_secret(provider_id),
        allowed_domains=domains,
        default_role="engineer",
    )


def sign_on(live_server, provider, *, email: str, user: str) -> httpx.Response:
    """Walk the round trip as a browser would; the last answer of casebridge."""
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=20) as browser:
        page = browser.get("/login/")
        token = CSRF.search(page.text).group(1)
        answer = browser.post("/sso/", data={"email": email, "csrfmiddlewaretoken": token})
        assert answer.status_code == 302, answer.text
        authorize = answer.headers["location"]
        assert authorize.startswith(provider.issuer + "/authorize/")
        answer = browser.get(authorize)  # not signed in at the provider: to its sign-in page
        login_url = httpx.URL(authorize).join(answer.headers["location"])
        page = browser.get(login_url)
        answer = browser.post(
            login_url,
            data={
                "username": user,
                "password": provider.password,
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
                "next": httpx.URL(str(login_url)).params["next"],
            },
        )
        answer = browser.get(httpx.URL(authorize).join(answer.headers["location"]))
        callback = answer.headers["location"]
        assert callback.startswith(live_server.url + "/accounts/oidc/"), callback
        answer = browser.get(callback)
        if answer.status_code == 302:
            home = browser.get(answer.headers["location"], follow_redirects=True)
            home.raise_for_status()
            return home
        return answer


@pytest.fixture
def admins(world):
    return {
        "a": PersonFactory(organisation=world.partner_a, roles=["admin"], email="root@a.example"),
        "b": PersonFactory(organisation=world.partner_b, roles=["admin"], email="root@b.example"),
    }


def test_a_person_of_an_allowed_domain_is_created_and_signed_in(
    world, admins, live_server, oidc_provider
):
    configure(oidc_provider, admins["a"], world.partner_a, "org-partner-a", ["a.example"])

    home = sign_on(live_server, oidc_provider, email="ana@a.example", user="ana")

    assert "Ana Alvarez · Partner A" in unescape(home.text)
    person = Person.objects.get(email="ana@a.example")
    assert (person.organisation, sorted(person.role_codes)) == (world.partner_a, ["engineer"])
    assert not person.has_usable_password()
    signed_in = AuditEvent.objects.get(action="sign_in.succeeded", actor=person)
    assert signed_in.after["methods"] == ["single sign-on"]


def test_partner_as_provider_never_signs_anyone_into_partner_b(
    world, admins, live_server, oidc_provider
):
    configure(oidc_provider, admins["a"], world.partner_a, "org-partner-a", ["a.example"])
    configure(oidc_provider, admins["b"], world.partner_b, "org-partner-b", ["b.example"])
    bo = PersonFactory(organisation=world.partner_b, email="bo@b.example", roles=["agent"])

    # Bo's address is B's, but the sign-on is started for a.example's organisation: the
    # address typed decides the provider, the provider's organisation decides the person.
    refused = sign_on(live_server, oidc_provider, email="someone@a.example", user="bo")

    assert refused.status_code == 403
    assert "bo@b.example belongs to another organisation" in unescape(refused.text)
    assert not bo.socialaccount_set.exists()
    assert AuditEvent.objects.filter(action="sign_in.refused").count() == 1
    assert not AuditEvent.objects.filter(action="sign_in.succeeded").exists()


def test_an_address_in_a_domain_not_allowed_is_refused_with_the_reason(
    world, admins, live_server, oidc_provider
):
    configure(oidc_provider, admins["a"], world.partner_a, "org-partner-a", ["a.example"])

    refused = sign_on(live_server, oidc_provider, email="anyone@a.example", user="eve")

    assert refused.status_code == 403
    assert "does not allow sign-in for addresses at elsewhere.example" in unescape(refused.text)
    assert not Person.objects.filter(email="eve@elsewhere.example").exists()
    audit = AuditEvent.objects.get(action="sign_in.refused")
    assert audit.organisation_id == world.partner_a.pk
