"""The way in and out, in Chromium: the vendor invites a partner's first administrator, who
sets a password, enrols an authenticator app, sets up the partner's single sign-on and invites
an engineer; the engineer signs in through the partner's OpenID provider (a real one, on
loopback), is made an authorised submitter, enrols a second factor and escalates; then the
administrator offboards the engineer, whose session and API token stop working at once."""

import re
import time

import httpx
import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import expect

from casebridge.cases.models import Case
from casebridge.parties.models import Person
from tests.browser.test_journeys import SCREENSHOTS
from tests.cases.helpers import COMPLETE, act
from tests.factories import PASSWORD
from tests.identity.conftest import oidc_provider  # noqa: F401  (the provider fixture)

pytestmark = pytest.mark.browser

VENDOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ADMIN_PASSWORD = "harbour lights at dawn 7"


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    return context.new_page()


def last_link() -> str:
    """The path of the link in the last invitation mailed (its host is the deployment's)."""
    return re.search(r"/join/[^/\s]+/", mail.outbox[-1].body).group(0)


def confirm_by_mailed_code(page) -> None:
    """Someone without a password confirms it is them with a code mailed to them."""
    page.get_by_role("button", name="Request Code").click()
    body = mail.outbox[-1].body
    code = re.search(r"below\. Please enter it in your open browser window\.\s+(\S+)", body)
    page.locator("input[name=code]").fill(code.group(1))
    page.get_by_role("button", name="Confirm").click()


def enrol_authenticator_app(page, *, confirm_by_mail: bool = False) -> None:
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    page.get_by_role("link", name="Use an authenticator app").click()
    if confirm_by_mail:
        confirm_by_mailed_code(page)
    secret = page.locator("#authenticator_secret").input_value()
    page.screenshot(path=str(SCREENSHOTS / "authenticator-app.png"), full_page=True)
    page.get_by_label("Authenticator code").fill(code_for(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".messages")).to_contain_text("activated")


def test_invite_enrol_sign_on_escalate_and_offboard(
    browser,
    live_server,
    desk,
    open_case,
    settings,
    oidc_provider,  # noqa: F811
):
    settings.CASEBRIDGE_MFA_REQUIRED_FOR = ["organisation_admins", "authorised_submitters"]
    browser.also_allowed.add(oidc_provider.issuer.removesuffix("/o"))  # its own IdP, on loopback
    TOTP.activate(desk.vendor_admin, VENDOR_SECRET)
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")

    # The vendor signs in with a password and its authenticator app, and invites Partner A's
    # first administrator.
    vendor = new_page(browser, live_server)
    vendor.goto("/login/")
    vendor.get_by_label("E-mail address").fill(desk.vendor_admin.email)
    vendor.get_by_label("Password").fill(PASSWORD)
    vendor.get_by_role("button", name="Sign in", exact=True).click()
    vendor.screenshot(path=str(SCREENSHOTS / "second-factor-sign-in.png"), full_page=True)
    vendor.locator("input[name=code]").fill(code_for(VENDOR_SECRET))
    vendor.get_by_role("button", name="Sign In").click()
    expect(vendor.get_by_test_id("signed-in-as")).to_contain_text("Vendor Ltd")
    vendor.goto(f"/organisations/{desk.partner_a.pk}/invitations/")
    invite = vendor.locator("#invite-form")
    invite.get_by_label("E-mail address").fill("lead@a.example")
    invite.get_by_label("Name").fill("Lea Lead")
    invite.get_by_label("Administrator").check()
    invite.get_by_role("button", name="Send the invitation").click()
    expect(vendor.get_by_test_id("organisation-invitations")).to_contain_text("lead@a.example")

    # The administrator accepts, chooses a password, and must enrol a second factor.
    admin = new_page(browser, live_server)
    admin.goto(last_link())
    admin.screenshot(path=str(SCREENSHOTS / "invitation.png"), full_page=True)
    admin.get_by_label("Choose a password").fill(ADMIN_PASSWORD)
    admin.get_by_label("The password again").fill(ADMIN_PASSWORD)
    admin.get_by_role("button", name="Set my password and sign in").click()
    enrol_authenticator_app(admin)

    # ... sets up Partner A's single sign-on and invites an engineer.
    admin.goto(f"/organisations/{desk.partner_a.pk}/sign-in/")
    sso = admin.locator("#sso-settings")
    sso.get_by_label("Issuer").fill(oidc_provider.issuer)
    sso.get_by_label("Client ID").fill("org-partner-a")
    sso.get_by_label("Client secret").fill(oidc_provider.client_secret("org-partner-a"))
    sso.get_by_label("Allowed e-mail domains").fill("a.example")
    sso.get_by_label("Role of people created on first sign-in").select_option("engineer")
    sso.get_by_role("button", name="Save single sign-on").click()
    expect(admin.get_by_test_id("callback-url")).to_contain_text(
        "/accounts/oidc/org-partner-a/login/callback/"
    )
    admin.goto(f"/organisations/{desk.partner_a.pk}/invitations/")
    invite = admin.locator("#invite-form")
    invite.get_by_label("E-mail address").fill("eng@a.example")
    invite.get_by_label("Name").fill("Emil Engineer")
    invite.get_by_label("Engineer").check()
    invite.get_by_role("button", name="Send the invitation").click()
    expect(admin.get_by_test_id("organisation-invitations")).to_contain_text("eng@a.example")

    # The engineer opens the invitation and signs in through Partner A's OpenID provider.
    engineer = new_page(browser, live_server)
    engineer.goto(last_link())
    engineer.get_by_role("button", name="Sign in with Partner A single sign-on").click()
    engineer.get_by_label("Provider user name").fill("eng")
    engineer.get_by_label("Provider password").fill(oidc_provider.password)
    engineer.get_by_role("button", name="Sign in at the provider").click()
    expect(engineer.get_by_test_id("signed-in-as")).to_contain_text("Emil Engineer · Partner A")
    person = Person.objects.get(email="eng@a.example")
    assert sorted(person.role_codes) == ["engineer"]
    engineer.goto("/api-tokens/")
    engineer.get_by_label("Name").fill("desk")
    engineer.get_by_role("button", name="Issue the token").click()
    token = re.search(r"cb_\w+_[\w-]+", engineer.locator(".messages").inner_text()).group(0)

    # The administrator registers the engineer as a submitter; the vendor verifies.
    admin.goto(f"/organisations/{desk.partner_a.pk}/")
    form = admin.locator("#submitters form")
    form.get_by_label("Person").select_option(value=str(person.pk))
    form.get_by_label("Phone").fill("020 555 0199")
    form.get_by_role("button", name="Register").click()
    expect(admin.locator("#submitters-card")).to_contain_text("awaiting verification")
    vendor.goto(f"/organisations/{desk.partner_a.pk}/")
    vendor.locator("#submitters-card").get_by_role("button", name="Verify").click()
    expect(vendor.locator("#submitters-card")).to_contain_text("authorised")

    # As an authorised submitter the engineer needs a second factor, then escalates.
    engineer.goto(f"/cases/{case.pk}/")
    enrol_authenticator_app(engineer, confirm_by_mail=True)
    engineer.goto(f"/cases/{case.pk}/")
    engineer.get_by_role("button", name="Escalate to the vendor").click()
    expect(engineer.get_by_test_id("status-vendor")).to_contain_text("Submitted")
    assert (
        httpx.get(
            f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )

    # The administrator offboards the engineer: the session and the token stop at once.
    admin.goto(f"/organisations/{desk.partner_a.pk}/")
    admin.locator("#people tr", has_text="Emil Engineer").get_by_role(
        "link", name="Offboard"
    ).click()
    admin.get_by_label("Reason").fill("Left Partner A")
    admin.get_by_role("button", name="Deactivate Emil Engineer").click()
    expect(admin.locator(".messages")).to_contain_text("Emil Engineer is deactivated")
    expect(admin.locator(".messages")).to_contain_text("submitter status withdrawn")
    admin.screenshot(path=str(SCREENSHOTS / "offboarded.png"), full_page=True)

    engineer.goto(f"/cases/{case.pk}/")
    expect(engineer.get_by_role("heading", name="Sign in")).to_be_visible()
    assert (
        httpx.get(
            f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )


def test_a_security_key_is_added_and_then_asked_for_at_sign_in(browser, live_server, world):
    """WebAuthn with Chromium's virtual authenticator (CDP): added on the profile's second
    factors, then the sign-in asks for it and accepts it."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(world.partner_a_agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto("/accounts/2fa/webauthn/add/")
    page.get_by_label("Password").fill(PASSWORD)  # allauth asks to confirm it first
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("desk key")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".messages")).to_contain_text("Security key added")

    page.goto("/profile/")
    expect(page.get_by_test_id("factors")).to_contain_text("Security key")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(world.partner_a_agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("Partner A")
    context.close()
