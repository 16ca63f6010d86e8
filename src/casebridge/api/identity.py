"""Sign-in and access endpoints: invitations, each organisation's single sign-on and
second-factor policy, offboarding and the sign-in audit. Thin: selectors and services."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema, OrganisationRefOut, PersonRefOut
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.identity import selectors, services
from casebridge.identity.choices import InvitationState, SsoProtocol
from casebridge.identity.models import Invitation, SingleSignOn
from casebridge.identity.services.invitations import accept_url
from casebridge.identity.services.sign_in import callback_url
from casebridge.parties.choices import Role
from casebridge.parties.models import Person
from casebridge.parties.selectors import access_organisation, access_person

router = Router(tags=["sign-in and access"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class InvitationOut(Schema):
    id: int
    organisation: OrganisationRefOut
    email: str
    full_name: str
    roles: list[Role]
    state: InvitationState
    invited_by: PersonRefOut | None
    expires_at: dt.datetime
    sent_count: int
    last_sent_at: dt.datetime | None
    accepted_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_state(invitation: Invitation) -> str:
        return invitation.state


class InvitationCreatedOut(InvitationOut):
    accept_url: str = Field(
        ..., description="The link just mailed, shown this once (it is not stored)."
    )


class InvitationIn(InSchema):
    organisation_id: int
    email: str = Field(..., max_length=254)
    full_name: str = Field("", max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=10)


def _created(invitation: Invitation, token: str) -> Invitation:
    invitation.accept_url = accept_url(token)  # type: ignore[attr-defined]  # shown once
    return invitation


@router.get("/invitations", response=list[InvitationOut], summary="Invitations you manage")
@paginate(Pages)
def list_invitations(
    request: HttpRequest, organisation_id: int | None = None, state: InvitationState | None = None
) -> Any:
    return selectors.invitation_list(
        actor=_actor(request), organisation_id=organisation_id, state=state
    )


@router.post(
    "/invitations",
    response={201: InvitationCreatedOut, **ERRORS},
    summary="Invite someone to an organisation with roles (the link is mailed)",
)
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status[Any]:
    actor = _actor(request)
    try:
        organisation = access_organisation(actor, payload.organisation_id)
    except NotFound as error:
        raise ValidationFailed(
            "The request names something that does not exist.",
            fields={"organisation_id": error.detail},
        ) from error
    invitation, token = services.invitation_create(
        actor=actor,
        organisation=organisation,
        email=payload.email,
        full_name=payload.full_name,
        roles=payload.roles,
    )
    return Status(201, _created(selectors.access_invitation(actor, invitation.pk), token))


@router.get("/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def get_invitation(request: HttpRequest, invitation_id: int) -> Any:
    return selectors.access_invitation(_actor(request), invitation_id)


@router.post(
    "/invitations/{invitation_id}/resend",
    response={200: InvitationCreatedOut, **ERRORS},
    summary="Send an invitation again: a new link and expiry; the old link stops working",
)
def resend_invitation(request: HttpRequest, invitation_id: int) -> Any:
    actor = _actor(request)
    invitation, token = services.invitation_resend(
        actor=actor, invitation=selectors.access_invitation(actor, invitation_id)
    )
    return _created(selectors.access_invitation(actor, invitation.pk), token)


@router.post(
    "/invitations/{invitation_id}/revoke",
    response={200: InvitationOut, **ERRORS},
    summary="Withdraw an invitation; its link stops working",
)
def revoke_invitation(request: HttpRequest, invitation_id: int) -> Any:
    actor = _actor(request)
    services.invitation_revoke(
        actor=actor, invitation=selectors.access_invitation(actor, invitation_id)
    )
    return selectors.access_invitation(actor, invitation_id)


class SingleSignOnOut(Schema):
    organisation: OrganisationRefOut
    protocol: SsoProtocol
    display_name: str
    issuer: str
    client_id: str = Field(..., description="OpenID Connect; the secret is never returned.")
    sso_url: str
    allowed_domains: list[str]
    default_role: Role
    is_enabled: bool
    callback_url: str = Field(..., description="Register it at the identity provider.")

    @staticmethod
    def resolve_client_id(single_sign_on: SingleSignOn) -> str:
        if single_sign_on.protocol != SsoProtocol.OIDC:
            return ""
        return single_sign_on.social_app.client_id

    @staticmethod
    def resolve_callback_url(single_sign_on: SingleSignOn) -> str:
        return callback_url(single_sign_on)


class SingleSignOnIn(InSchema):
    protocol: SsoProtocol
    issuer: str = Field(..., max_length=500)
    display_name: str = Field("", max_length=100)
    client_id: str = Field("", max_length=191)
    client_secret: str | None = Field(
        None, max_length=500, description="OpenID Connect; omit to keep the stored one."
    )
    sso_url: str = Field("", max_length=500, description="SAML only.")
    certificate: str = Field("", max_length=20000, description="SAML only (PEM).")
    allowed_domains: list[str] = Field(default_factory=list, max_length=50)
    default_role: Role = Role.AGENT
    is_enabled: bool = True


def _single_sign_on_of(actor: Person, organisation_id: int) -> SingleSignOn:
    organisation = access_organisation(actor, organisation_id)
    found = selectors.single_sign_on_get(actor=actor, organisation=organisation)
    if found is None:
        raise NotFound("This organisation has no single sign-on you may see.")
    return found


@router.get(
    "/organisations/{organisation_id}/single-sign-on",
    response={200: SingleSignOnOut, **ERRORS},
    summary="An organisation's single sign-on (its administrators and the vendor's)",
)
def get_single_sign_on(request: HttpRequest, organisation_id: int) -> Any:
    return _single_sign_on_of(_actor(request), organisation_id)


@router.put(
    "/organisations/{organisation_id}/single-sign-on",
    response={200: SingleSignOnOut, **ERRORS},
    summary="Set an organisation's identity provider (OpenID Connect or SAML 2.0)",
)
def set_single_sign_on(request: HttpRequest, organisation_id: int, payload: SingleSignOnIn) -> Any:
    actor = _actor(request)
    organisation = access_organisation(actor, organisation_id)
    services.single_sign_on_configure(actor=actor, organisation=organisation, **payload.dict())
    return _single_sign_on_of(actor, organisation_id)


class SignInPolicyIn(InSchema):
    require_second_factor: bool


class SignInPolicyOut(Schema):
    organisation_id: int
    require_second_factor: bool


@router.put(
    "/organisations/{organisation_id}/sign-in-policy",
    response={200: SignInPolicyOut, **ERRORS},
    summary="Whether everyone of an organisation must sign in with a second factor",
)
def set_sign_in_policy(request: HttpRequest, organisation_id: int, payload: SignInPolicyIn) -> Any:
    actor = _actor(request)
    organisation = services.organisation_sign_in_policy_set(
        actor=actor,
        organisation=access_organisation(actor, organisation_id),
        require_second_factor=payload.require_second_factor,
    )
    return {
        "organisation_id": organisation.pk,
        "require_second_factor": organisation.require_second_factor,
    }


class OffboardIn(InSchema):
    reassign_to_id: int | None = Field(
        None, description="An active colleague who takes their open cases; omit to unassign them."
    )
    reason: str = Field("", max_length=300)


class OffboardOut(Schema):
    person_id: int
    sessions_ended: int
    tokens_revoked: int
    submitter_withdrawn: bool
    reassigned_to_id: int | None
    cases: list[str] = Field(..., description="The open cases handed on, by number.")


@router.post(
    "/people/{person_id}/offboard",
    response={200: OffboardOut, **ERRORS},
    summary="Deactivate a person: sessions end, tokens are revoked, submitter status is "
    "withdrawn and open cases are handed on, in one step",
)
def offboard_person(request: HttpRequest, person_id: int, payload: OffboardIn) -> Any:
    actor = _actor(request)
    person = access_person(actor, person_id)
    reassign_to = None
    if payload.reassign_to_id is not None:
        try:
            reassign_to = access_person(actor, payload.reassign_to_id)
        except NotFound as error:
            raise ValidationFailed(
                "The request names something that does not exist.",
                fields={"reassign_to_id": error.detail},
            ) from error
    result = services.person_offboard(
        actor=actor, person=person, reassign_to=reassign_to, reason=payload.reason
    )
    return {
        "person_id": result.person.pk,
        "sessions_ended": result.sessions_ended,
        "tokens_revoked": result.tokens_revoked,
        "submitter_withdrawn": result.submitter_withdrawn,
        "reassigned_to_id": reassign_to.pk if reassign_to else None,
        "cases": result.cases,
    }


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    action: str
    actor: str = Field(..., description="Who acted, as shown at the time.")
    organisation_id: int | None
    target_type: str
    target_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    @staticmethod
    def resolve_actor(event: Any) -> str:
        return str(event.actor_label)


@router.get(
    "/audit",
    response=list[AuditEventOut],
    summary="The audit trail: sign-ins, failures, second factors, invitations, single sign-on "
    "(everything with all=true); the vendor's administrators see every organisation's, an "
    "organisation's administrators their own",
)
@paginate(Pages)
def list_audit(request: HttpRequest, organisation_id: int | None = None, all: bool = False) -> Any:
    return selectors.audit_list(
        actor=_actor(request), organisation_id=organisation_id, access_only=not all
    )
