"""An organisation's way in: its single sign-on (OpenID Connect or SAML 2.0, kept as an
allauth ``SocialApp``) and whether everyone of it must use a second factor."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from casebridge.core.audit import audit_record, changed, snapshot
from casebridge.core.errors import PermissionDenied
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.identity.choices import SsoProtocol
from casebridge.identity.models import SingleSignOn
from casebridge.identity.permissions import may_configure_sign_in
from casebridge.identity.services.invitations import invitation_accept_by_sign_on
from casebridge.identity.sign_on import Admission
from casebridge.parties.choices import Role
from casebridge.parties.models import Organisation, Person
from casebridge.parties.services._validation import require
from casebridge.parties.services.people import clean_roles, person_create

SSO_FIELDS = [
    "protocol",
    "display_name",
    "issuer",
    "sso_url",
    "allowed_domains",
    "default_role",
    "is_enabled",
]
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LOOPBACK_NAMES = {"localhost"}


def provider_id_for(organisation: Organisation) -> str:
    """The allauth provider id (and SAML organisation slug) of an organisation's sign-on; it
    names the URLs its identity provider calls back."""
    return f"org-{organisation.slug}"


def callback_url(single_sign_on: SingleSignOn) -> str:
    """What the organisation registers at its identity provider."""
    provider_id = provider_id_for(single_sign_on.organisation)
    if single_sign_on.protocol == SsoProtocol.OIDC:
        path = reverse("openid_connect_callback", kwargs={"provider_id": provider_id})
    else:
        path = reverse("saml_acs", kwargs={"organization_slug": provider_id})
    return settings.CASEBRIDGE_BASE_URL + path


def login_url(single_sign_on: SingleSignOn) -> str:
    provider_id = provider_id_for(single_sign_on.organisation)
    if single_sign_on.protocol == SsoProtocol.OIDC:
        return reverse("openid_connect_login", kwargs={"provider_id": provider_id})
    return reverse("saml_login", kwargs={"organization_slug": provider_id})


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean_url(value: str, errors: Errors, field: str) -> str:
    """An https address; http only to this machine (a test or a local provider)."""
    url = clean_single_line(value, errors, field, max_length=500)
    if field in errors:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.add(field, "Enter a web address such as https://login.example.com/.")
    elif parts.scheme == "http" and not _is_loopback(parts.hostname):
        errors.add(field, "Use https: sign-in secrets must not travel in the clear.")
    return url.rstrip("/") if field == "issuer" else url


def _clean_domains(domains: Iterable[str], organisation: Organisation, errors: Errors) -> list[str]:
    cleaned: list[str] = []
    for raw in domains:
        domain = str(raw).strip().lower().removeprefix("@")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            errors.add("allowed_domains", f"{domain!r} is not an e-mail domain.")
        elif domain not in cleaned:
            cleaned.append(domain)
    claimed = {
        domain: name
        for name, taken in SingleSignOn.objects.exclude(organisation=organisation).values_list(
            "organisation__name", "allowed_domains"
        )
        for domain in taken
    }
    for domain in cleaned:
        if domain in claimed:
            errors.add(
                "allowed_domains",
                f"{domain} is already allowed by {claimed[domain]}'s single sign-on: a domain "
                "belongs to one organisation.",
            )
    return sorted(cleaned)


def _clean_certificate(pem: str, errors: Errors) -> str:
    text = clean_multiline(
        pem,
        errors,
        "certificate",
        max_length=20_000,
        required=True,
        required_message="Paste the identity provider's signing certificate.",
    )
    if "certificate" in errors:
        return text
    if "BEGIN CERTIFICATE" not in text:
        text = f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----"
    try:
        x509.load_pem_x509_certificate(text.encode())
    except ValueError:
        errors.add("certificate", "Not a certificate in PEM form.")
    return text


@transaction.atomic
def single_sign_on_configure(
    *,
    actor: Person,
    organisation: Organisation,
    protocol: str,
    issuer: str,
    client_id: str = "",
    client_secret: str | None = None,
    sso_url: str = "",
    certificate: str = "",
    allowed_domains: Iterable[str] = (),
    default_role: str = Role.AGENT,
    is_enabled: bool = True,
    display_name: str = "",
) -> SingleSignOn:
    """Set the organisation's identity provider. ``client_secret`` None keeps the stored one.
    It signs people into this organisation only; it creates people on their first sign-in
    only if they were invited or their address is in ``allowed_domains``, with
    ``default_role``."""
    require(
        may_configure_sign_in(actor, organisation),
        "Only the organisation's administrators set up its single sign-on.",
    )
    current = (
        SingleSignOn.objects.select_for_update(of=("self",))
        .select_related("social_app")
        .filter(organisation=organisation)
        .first()
    )
    errors = Errors()
    clean_choice(protocol, SsoProtocol, errors, "protocol")
    display_name = clean_single_line(
        display_name or f"{organisation.name} single sign-on",
        errors,
        "display_name",
        max_length=100,
    )
    if protocol == SsoProtocol.OIDC:
        issuer = _clean_url(issuer, errors, "issuer")
        client_id = clean_single_line(
            client_id,
            errors,
            "client_id",
            max_length=191,
            required_message="The client ID the identity provider gave casebridge.",
        )
        keeps_secret = (
            client_secret is None
            and current is not None
            and current.social_app.provider == "openid_connect"
        )
        if not keeps_secret and not (client_secret or "").strip():
            errors.add("client_secret", "The client secret the identity provider gave casebridge.")
        sso_url, certificate = "", ""
    elif protocol == SsoProtocol.SAML:
        issuer = clean_single_line(
            issuer,
            errors,
            "issuer",
            max_length=500,
            required_message="The identity provider's entity ID.",
        )
        sso_url = _clean_url(sso_url, errors, "sso_url")
        certificate = _clean_certificate(certificate, errors)
    domains = _clean_domains(allowed_domains, organisation, errors)
    roles = clean_roles([default_role], organisation, errors) if default_role else []
    if default_role == Role.ADMIN:
        errors.add("default_role", "Nobody becomes an administrator by signing in; invite them.")
    if "roles" in errors.fields:
        errors.fields["default_role"] = errors.fields.pop("roles")
    errors.raise_if_any("The single sign-on was not saved.")
    before = snapshot(current, SSO_FIELDS) if current is not None else {}
    provider_id = provider_id_for(organisation)
    app = current.social_app if current is not None else SocialApp()
    app.name = display_name
    app.provider_id = provider_id
    if protocol == SsoProtocol.OIDC:
        app.provider = "openid_connect"
        app.client_id = client_id
        if client_secret is not None and client_secret.strip():
            app.secret = client_secret.strip()
        app.settings = {"server_url": issuer}
    else:
        app.provider = "saml"
        app.client_id = provider_id  # the SAML views find the app by it, in their URLs
        app.secret = ""
        # casebridge's own entity ID is its metadata address for this organisation.
        app.settings = {"idp": {"entity_id": issuer, "sso_url": sso_url, "x509cert": certificate}}
    app.save()
    single_sign_on = current or SingleSignOn(organisation=organisation, social_app=app)
    single_sign_on.protocol = protocol
    single_sign_on.display_name = display_name
    single_sign_on.issuer = issuer
    single_sign_on.sso_url = sso_url
    single_sign_on.certificate = certificate
    single_sign_on.allowed_domains = domains
    single_sign_on.default_role = roles[0] if roles else Role.AGENT
    single_sign_on.is_enabled = is_enabled
    single_sign_on.save()
    after = snapshot(single_sign_on, SSO_FIELDS)
    secret_changed = protocol == SsoProtocol.OIDC and bool((client_secret or "").strip())
    audit_record(
        actor=actor,
        action="single_sign_on.configured" if current is None else "single_sign_on.changed",
        target=single_sign_on,
        organisation_id=organisation.pk,
        before=before,
        after={
            **after,
            "client_id": client_id if protocol == SsoProtocol.OIDC else "",
            "client_secret": "changed" if secret_changed else "unchanged",
            "changed": sorted(changed(before, after)),
        },
    )
    return single_sign_on


@transaction.atomic
def organisation_sign_in_policy_set(
    *, actor: Person, organisation: Organisation, require_second_factor: bool
) -> Organisation:
    """Whether everyone of the organisation must sign in with a second factor."""
    require(
        may_configure_sign_in(actor, organisation),
        "Only the organisation's administrators set how its people sign in.",
    )
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = organisation.require_second_factor
    if before != require_second_factor:
        organisation.require_second_factor = require_second_factor
        organisation.save(update_fields=["require_second_factor", "updated_at"])
        audit_record(
            actor=actor,
            action="organisation.sign_in_policy_changed",
            target=organisation,
            organisation_id=organisation.pk,
            before={"require_second_factor": before},
            after={"require_second_factor": require_second_factor},
        )
    return organisation


@transaction.atomic
def person_join_by_sign_on(*, admission: Admission, full_name: str) -> Person:
    """Create, on their first sign-on, the person an identity provider admitted: by their
    pending invitation (its roles, the invitation used up) or by an allowed domain (the
    organisation's default role)."""
    if not admission.allowed or admission.single_sign_on is None:
        raise PermissionDenied(admission.refusal or "This sign-on is not allowed.")
    single_sign_on = admission.single_sign_on
    if admission.invitation is not None:
        person = invitation_accept_by_sign_on(
            invitation=admission.invitation, email=admission.email, full_name=full_name
        )
        how = "invitation"
    else:
        name = (full_name or "").strip()[:200] or admission.email.partition("@")[0]
        person = person_create(
            actor=None,
            organisation=single_sign_on.organisation,
            email=admission.email,
            full_name=name,
            roles=[single_sign_on.default_role],
        )
        how = "allowed domain"
    audit_record(
        actor=person,
        action="person.joined_by_single_sign_on",
        target=person,
        organisation_id=person.organisation_id,
        after={
            "email": person.email,
            "provider": single_sign_on.social_app.provider_id,
            "admitted_by": how,
            "roles": sorted(person.role_codes),
        },
    )
    return person
