"""Invitations: the vendor invites an organisation's first administrator, an organisation's
managers invite its people with their roles; the invitee sets a password (or signs in through
the organisation's single sign-on) from a single-use link that expires. Pending invitations are
re-sent (a new link; the old one dies) or withdrawn."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.identity.choices import InvitationState
from casebridge.identity.models import Invitation
from casebridge.identity.permissions import may_grant_roles, may_invite_to
from casebridge.identity.tokens import hash_invitation_token, new_invitation_token
from casebridge.parties.models import AuthorisedSubmitter, Organisation, Person
from casebridge.parties.services._validation import Errors, clean_email, clean_text, require
from casebridge.parties.services.people import clean_roles, person_create

logger = logging.getLogger(__name__)

#: Why a link cannot be used, in words, by the invitation's state.
LINK_PROBLEMS = {
    InvitationState.ACCEPTED: "This invitation was already used. Sign in instead, or reset your "
    "password if you forgot it.",
    InvitationState.EXPIRED: "This invitation has expired. Ask whoever invited you to send it "
    "again.",
    InvitationState.REVOKED: "This invitation was withdrawn. Ask whoever invited you if you "
    "should still join.",
}
UNKNOWN_LINK = (
    "This invitation link is not valid. Check that you opened the whole link from the e-mail, "
    "or ask for a new invitation."
)


def _expiry() -> dt.datetime:
    return clock.now() + dt.timedelta(days=settings.CASEBRIDGE_INVITATION_DAYS)


def accept_url(token: str) -> str:
    return settings.CASEBRIDGE_BASE_URL + reverse("ui:invitation-accept", args=[token])


def _send(invitation: Invitation, token: str) -> None:
    """Mail the link after commit. The secret is never stored, so it cannot go through the
    outbox for a retry: a lost mail is re-sent by whoever invited (a new link)."""
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": invitation.invited_by,
        "url": accept_url(token),
        "days": settings.CASEBRIDGE_INVITATION_DAYS,
    }
    subject = render_to_string("identity/email/invitation_subject.txt", context).strip()
    body = render_to_string("identity/email/invitation.txt", context)

    def deliver() -> None:
        try:
            send_mail(subject, body, None, [invitation.email])
        except Exception:  # the invitation stands; whoever invited can re-send it
            logger.exception(
                "invitation mail failed",
                extra={
                    "invitation_id": invitation.pk,
                    "organisation_id": invitation.organisation_id,
                },
            )

    transaction.on_commit(deliver)


def _existing_person(email: str, organisation: Organisation, errors: Errors) -> Person | None:
    """The person an invitation for ``email`` is for, when they exist and cannot sign in yet."""
    person = Person.objects.select_related("organisation").filter(email__iexact=email).first()
    if person is None:
        if AuthorisedSubmitter.objects.filter(email__iexact=email, active=True).exists():
            errors.add("email", "This address identifies another person as a submitter.")
        return None
    if person.organisation_id != organisation.pk:
        errors.add(
            "email",
            "A person with this address belongs to another organisation; a person belongs to "
            "exactly one.",
        )
    elif not person.is_active:
        errors.add("email", "This person was deactivated; reactivate them before inviting.")
    elif person.has_usable_password() or person.socialaccount_set.exists():
        errors.add("email", "This person already signs in; they can reset a forgotten password.")
    return person


@transaction.atomic
def invitation_create(
    *,
    actor: Person,
    organisation: Organisation,
    email: str,
    full_name: str = "",
    roles: Iterable[str] = (),
) -> tuple[Invitation, str]:
    """Invite someone to ``organisation`` with ``roles`` (or a person of it who was created
    without a password, keeping their roles). Returns the invitation and its link's secret,
    which is mailed and never stored."""
    require(may_invite_to(actor, organisation), "You may not invite people to this organisation.")
    errors = Errors()
    email = clean_email(email, errors)
    person = (
        _existing_person(email, organisation, errors) if email and "email" not in errors else None
    )
    if person is not None and "email" not in errors.fields:
        full_name = (
            clean_text(full_name, errors, "full_name", max_length=200, required=False)
            or person.full_name
        )
        role_codes = sorted(person.role_codes)
    else:
        full_name = clean_text(full_name, errors, "full_name", max_length=200)
        role_codes = clean_roles(roles, organisation, errors)
        if not role_codes and "roles" not in errors.fields:
            errors.add("roles", "Give at least one role.")
    if not may_grant_roles(actor, role_codes):
        errors.add("roles", "Only administrators make someone an administrator.")
    if not organisation.is_active:
        errors.add("organisation", "The organisation is inactive.")
    open_invitation = (
        Invitation.objects.select_for_update()
        .filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
        if email and "email" not in errors
        else None
    )
    if open_invitation is not None and open_invitation.state == InvitationState.PENDING:
        errors.add(
            "email", "An invitation to this address is pending; send it again or withdraw it."
        )
    errors.raise_if_any("The invitation was not sent.")
    now = clock.now()
    if open_invitation is not None:  # expired: superseded by this one
        open_invitation.revoked_at = now
        open_invitation.save(update_fields=["revoked_at", "updated_at"])
    token = new_invitation_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        full_name=full_name,
        roles=role_codes,
        person=person,
        invited_by=actor,
        token_hash=hash_invitation_token(token),
        expires_at=_expiry(),
        sent_count=1,
        last_sent_at=now,
    )
    audit_record(
        actor=actor,
        action="invitation.created",
        target=invitation,
        organisation_id=organisation.pk,
        after={
            "email": email,
            "full_name": full_name,
            "roles": role_codes,
            "person": person.pk if person else None,
            "expires_at": invitation.expires_at,
        },
    )
    _send(invitation, token)
    return invitation, token


def _lock(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def invitation_resend(*, actor: Person, invitation: Invitation) -> tuple[Invitation, str]:
    """A new link with a new expiry; the previous link stops working."""
    invitation = _lock(invitation)
    require(
        may_invite_to(actor, invitation.organisation),
        "You may not invite people to this organisation.",
    )
    if invitation.state in (InvitationState.ACCEPTED, InvitationState.REVOKED):
        raise Conflict(
            f"The invitation is {invitation.get_state_display().lower()}; it cannot be sent again.",
            fields={"state": invitation.get_state_display()},
        )
    token = new_invitation_token()
    invitation.token_hash = hash_invitation_token(token)
    invitation.expires_at = _expiry()
    invitation.sent_count += 1
    invitation.last_sent_at = clock.now()
    invitation.save(
        update_fields=["token_hash", "expires_at", "sent_count", "last_sent_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="invitation.resent",
        target=invitation,
        organisation_id=invitation.organisation_id,
        after={"email": invitation.email, "expires_at": invitation.expires_at},
    )
    _send(invitation, token)
    return invitation, token


@transaction.atomic
def invitation_revoke(*, actor: Person, invitation: Invitation) -> Invitation:
    """Withdraw an invitation that was not accepted; its link stops working."""
    invitation = _lock(invitation)
    require(
        may_invite_to(actor, invitation.organisation),
        "You may not withdraw invitations to this organisation.",
    )
    if invitation.state == InvitationState.ACCEPTED:
        raise Conflict(
            "The invitation was already accepted; deactivate the person instead.",
            fields={"state": invitation.get_state_display()},
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = clock.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="invitation.revoked",
            target=invitation,
            organisation_id=invitation.organisation_id,
            after={"email": invitation.email},
        )
    return invitation


def invitation_problem(invitation: Invitation | None) -> str:
    """Why a link cannot be used, in words ("" when it can)."""
    if invitation is None:
        return UNKNOWN_LINK
    if invitation.state != InvitationState.PENDING:
        return LINK_PROBLEMS[InvitationState(invitation.state)]
    if not invitation.organisation.is_active:
        return "The organisation of this invitation is no longer active."
    return ""


def _usable(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "person")
        .filter(token_hash=hash_invitation_token(token))
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationFailed(problem, fields={"token": problem}, code="invitation_unusable")
    assert invitation is not None
    return invitation


def check_password(password: str, *, email: str, full_name: str, errors: Errors) -> None:
    """The password policy (settings.AUTH_PASSWORD_VALIDATORS: length, not like the name or
    address, not one of the common passwords Django ships, not only digits)."""
    candidate = Person(email=email, full_name=full_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        for message in error.messages:
            errors.add("password", message)


@transaction.atomic
def invitation_accept(
    *, token: str, password: str | None, full_name: str = "", email: str | None = None
) -> Person:
    """Join through the link: the person is created (or, invited after being created without
    a password, gets one) with the invitation's roles, and the link is used up.

    ``password`` None is acceptance through the organisation's single sign-on, which must
    assert the invited ``email``."""
    invitation = _usable(token)
    return _accept(invitation, password=password, full_name=full_name, email=email)


def invitation_accept_by_sign_on(*, invitation: Invitation, email: str, full_name: str) -> Person:
    """Acceptance when the organisation's identity provider signs the invitee in."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        problem = invitation_problem(locked)
        if problem:
            raise ValidationFailed(problem, fields={"token": problem}, code="invitation_unusable")
        return _accept(locked, password=None, full_name=full_name, email=email)


def _accept(
    invitation: Invitation, *, password: str | None, full_name: str, email: str | None
) -> Person:
    errors = Errors()
    if email is not None and email.strip().lower() != invitation.email:
        raise PermissionDenied(
            f"This invitation is for {invitation.email}, not {email}.",
            fields={"email": f"The invitation is for {invitation.email}."},
        )
    full_name = (
        clean_text(full_name, errors, "full_name", max_length=200, required=False)
        or invitation.full_name
    )
    if password is not None:
        check_password(password, email=invitation.email, full_name=full_name, errors=errors)
    errors.raise_if_any("The invitation was not accepted.")
    person = invitation.person
    if person is None:
        person = person_create(
            actor=None,
            organisation=invitation.organisation,
            email=invitation.email,
            full_name=full_name,
            roles=invitation.roles,
            password=password,
        )
    else:
        person = Person.objects.select_for_update().get(pk=person.pk)
        if not person.is_active:
            raise ValidationFailed(
                "This person was deactivated since the invitation was sent.",
                fields={"token": "The account is deactivated."},
            )
        if password is not None:
            person.set_password(password)
        person.full_name = full_name
        person.save(update_fields=["password", "full_name", "updated_at"])
    now = clock.now()
    invitation.accepted_at = now
    invitation.person = person
    invitation.save(update_fields=["accepted_at", "person", "updated_at"])
    audit_record(
        actor=person,
        action="invitation.accepted",
        target=invitation,
        organisation_id=invitation.organisation_id,
        after={
            "email": invitation.email,
            "person": person.pk,
            "roles": invitation.roles,
            "by": "password" if password is not None else "single sign-on",
        },
    )
    return person
