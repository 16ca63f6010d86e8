"""Reads of sign-in and access, each scoped to the caller."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Q, QuerySet

from casebridge.core import clock
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.core.models import AuditEvent
from casebridge.identity.choices import InvitationState
from casebridge.identity.models import Invitation, SingleSignOn
from casebridge.identity.permissions import audit_scope, may_read_audit
from casebridge.identity.tokens import hash_invitation_token
from casebridge.parties.models import Organisation, Person

#: The audit actions of getting in and out (the audit page's "sign-in and access" filter).
ACCESS_ACTION_PREFIXES = (
    "sign_in.",
    "second_factor.",
    "invitation.",
    "single_sign_on.",
    "password.",
    "person.offboarded",
    "person.joined_by_single_sign_on",
    "organisation.sign_in_policy_changed",
    "api_token.",
)


def invitation_list(
    *, actor: Person, organisation_id: int | None = None, state: str | None = None
) -> QuerySet[Invitation]:
    invitations = Invitation.objects.visible_to(actor).select_related("organisation", "invited_by")
    if organisation_id is not None:
        invitations = invitations.filter(organisation_id=organisation_id)
    now = clock.now()
    if state == InvitationState.PENDING:
        invitations = invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
    elif state == InvitationState.EXPIRED:
        invitations = invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
        )
    elif state == InvitationState.ACCEPTED:
        invitations = invitations.filter(accepted_at__isnull=False)
    elif state == InvitationState.REVOKED:
        invitations = invitations.filter(revoked_at__isnull=False, accepted_at__isnull=True)
    return invitations.order_by("-created_at", "-id")


def access_invitation(actor: Person, invitation_id: int) -> Invitation:
    invitation = invitation_list(actor=actor).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link names (None: no such link), whatever its state."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by", "person")
        .filter(token_hash=hash_invitation_token(token))
        .first()
    )


def single_sign_on_get(*, actor: Person, organisation: Organisation) -> SingleSignOn | None:
    """The organisation's sign-on settings, for its administrators and the vendor's."""
    return (
        SingleSignOn.objects.visible_to(actor)
        .select_related("organisation", "social_app")
        .filter(organisation=organisation)
        .first()
    )


def single_sign_on_of_organisation(organisation: Organisation) -> SingleSignOn | None:
    """Whether (and how) people of ``organisation`` may sign in through its own provider."""
    return (
        SingleSignOn.objects.select_related("organisation", "social_app")
        .filter(organisation=organisation, is_enabled=True)
        .first()
    )


def single_sign_on_for_email(email: str) -> SingleSignOn | None:
    """The enabled sign-on that serves ``email``: its person's organisation's, else the one
    whose allowed domains hold its domain (a domain belongs to one organisation)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return None
    person = Person.objects.filter(email=email).values("organisation_id").first()
    enabled = SingleSignOn.objects.select_related("organisation", "social_app").filter(
        is_enabled=True
    )
    if person is not None:
        return enabled.filter(organisation_id=person["organisation_id"]).first()
    domain = email.rpartition("@")[2]
    for pk, domains in SingleSignOn.objects.filter(is_enabled=True).values_list(
        "pk", "allowed_domains"
    ):
        if domain in domains:
            return enabled.get(pk=pk)
    return None


def audit_list(
    *, actor: Person, organisation_id: int | None = None, access_only: bool = True
) -> QuerySet[AuditEvent]:
    """The audit trail the actor may read: the vendor's administrators everything (or one
    organisation's), an organisation's administrators their own organisation's."""
    if not may_read_audit(actor):
        raise PermissionDenied("Only administrators read the audit trail.")
    events = AuditEvent.objects.all()
    scope = audit_scope(actor)
    if scope is not None:
        events = events.filter(organisation_id=scope)
    elif organisation_id is not None:
        events = events.filter(organisation_id=organisation_id)
    if access_only:
        condition = Q()
        for prefix in ACCESS_ACTION_PREFIXES:
            condition |= Q(action__startswith=prefix)
        events = events.filter(condition)
    return events.order_by("-occurred_at", "-id")


def sign_on_origin(single_sign_on: SingleSignOn) -> str:
    """Where signing in through this provider sends the browser (scheme://host[:port]): the
    issuer for OpenID Connect, the sign-on address for SAML."""
    address = single_sign_on.sso_url if single_sign_on.protocol == "saml" else single_sign_on.issuer
    parts = urlsplit(address or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def sign_on_origins(*, provider_id: str | None = None) -> list[str]:
    """The origins of the enabled identity providers (of one, by its allauth provider id): a
    form that starts a sign-in there is answered with a redirect to it, which the page's
    Content-Security-Policy must allow (``form-action``)."""
    enabled = SingleSignOn.objects.filter(is_enabled=True).select_related("social_app")
    if provider_id is not None:
        enabled = enabled.filter(social_app__provider_id=provider_id)
    return sorted({origin for sso in enabled if (origin := sign_on_origin(sso))})
