"""Who an organisation's identity provider may sign in: the rules of single sign-on.

An identity provider signs people into its own organisation only. It signs in

* someone who signed in through it before (their account is linked to it),
* an existing person of its organisation (linked on their first sign-on),
* someone with a pending invitation to its organisation (the invitation is accepted), or
* someone whose e-mail domain its organisation allows (created with the default role),

and refuses, with the reason, anyone else: a person of another organisation, a deactivated
person, an address in a domain not allowed and not invited, a provider that gives no address
or is switched off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from allauth.socialaccount.models import SocialApp

from casebridge.core.audit import audit_record_about
from casebridge.core.clients import client_address
from casebridge.identity.choices import InvitationState
from casebridge.identity.models import Invitation, SingleSignOn
from casebridge.parties.models import Person

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Admission:
    """The verdict on one sign-on: whom it signs in (or creates), or why not."""

    single_sign_on: SingleSignOn | None
    email: str
    person: Person | None = None
    invitation: Invitation | None = None
    by_domain: bool = False
    refusal: str = ""

    @property
    def allowed(self) -> bool:
        return not self.refusal


def single_sign_on_of(app: SocialApp | None) -> SingleSignOn | None:
    if app is None or app.pk is None:
        return None
    return (
        SingleSignOn.objects.select_related("organisation", "social_app")
        .filter(social_app_id=app.pk)
        .first()
    )


def _pending_invitation(email: str, single_sign_on: SingleSignOn) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation", "person")
        .filter(
            email=email,
            organisation_id=single_sign_on.organisation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )
    if invitation is None or invitation.state != InvitationState.PENDING:
        return None
    return invitation


def admit(
    single_sign_on: SingleSignOn | None, email: str, *, linked: Person | None = None
) -> Admission:
    """Decide whether ``single_sign_on`` may sign in ``email`` (``linked``: the person whose
    account this identity was linked to before)."""
    email = (email or "").strip().lower()
    if single_sign_on is None:
        return Admission(None, email, refusal="This sign-in is not set up for any organisation.")
    organisation = single_sign_on.organisation
    if not single_sign_on.is_enabled:
        return Admission(
            single_sign_on,
            email,
            refusal=f"{organisation.name} has switched its single sign-on off.",
        )
    if not organisation.is_active:
        return Admission(single_sign_on, email, refusal=f"{organisation.name} is not active.")
    if linked is not None:
        if linked.organisation_id != organisation.pk:
            return Admission(
                single_sign_on,
                email,
                refusal=f"This account does not belong to {organisation.name}; its identity "
                "provider signs in only its own people.",
            )
        if not linked.is_active:
            return Admission(single_sign_on, email, refusal="This account is deactivated.")
        return Admission(single_sign_on, email, person=linked)
    if not email or "@" not in email:
        return Admission(
            single_sign_on,
            email,
            refusal="The identity provider did not say your e-mail address, so casebridge cannot "
            "tell who you are.",
        )
    domain = email.rpartition("@")[2]
    person = Person.objects.select_related("organisation").filter(email=email).first()
    if person is not None and person.organisation_id != organisation.pk:
        return Admission(
            single_sign_on,
            email,
            refusal=f"{email} belongs to another organisation; {organisation.name}'s identity "
            "provider signs in only its own people.",
        )
    if person is not None and not person.is_active:
        return Admission(single_sign_on, email, refusal="This account is deactivated.")
    invitation = _pending_invitation(email, single_sign_on)
    allowed_domain = domain in single_sign_on.allowed_domains
    if invitation is None and not allowed_domain:
        return Admission(
            single_sign_on,
            email,
            refusal=f"{organisation.name} does not allow sign-in for addresses at {domain}, "
            f"and {email} has no pending invitation.",
        )
    return Admission(
        single_sign_on,
        email,
        person=person,
        invitation=invitation,
        by_domain=allowed_domain and invitation is None,
    )


def record_refusal(request: Any, admission: Admission, *, provider: str) -> None:
    """A refused sign-on in the audit trail (the organisation's, whose provider asserted it)
    and the log."""
    organisation_id = admission.single_sign_on.organisation_id if admission.single_sign_on else None
    address = client_address(request) if request is not None else ""
    logger.warning(
        "single sign-on refused",
        extra={
            "provider": provider,
            "organisation_id": organisation_id,
            "email": admission.email,
            "reason": admission.refusal,
        },
    )
    audit_record_about(
        actor=None,
        actor_label=admission.email or provider,
        action="sign_in.refused",
        target_type="identity.singlesignon",
        target_id=str(admission.single_sign_on.pk) if admission.single_sign_on else "",
        organisation_id=organisation_id,
        after={
            "email": admission.email,
            "provider": provider,
            "address": address,
            "reason": admission.refusal,
        },
    )


def record_sign_in(request: Any, person: Person, methods: list[str]) -> None:
    """A completed sign-in (password, single sign-on, second factor) in the audit trail."""
    audit_record_about(
        actor=person,
        action="sign_in.succeeded",
        target_type="parties.person",
        target_id=str(person.pk),
        organisation_id=person.organisation_id,
        after={"address": client_address(request), "methods": methods},
    )
