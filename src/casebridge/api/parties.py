"""Parties endpoints: organisations, relationships, people, certifications, trainings,
authorised submitters, qualification, caller lookup and API tokens. Thin: selectors and services."""

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import (
    CallerOut,
    CertificationIn,
    CertificationOut,
    ErrorOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    QualificationOut,
    RelationshipIn,
    RelationshipOut,
    SubmitterDeactivateIn,
    SubmitterIn,
    SubmitterOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    TrainingIn,
    TrainingOut,
)
from casebridge.cases.selectors import open_p1_cases
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties import selectors, services
from casebridge.parties.choices import OrganisationKind, Role, SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.tokens import (
    access_api_token,
    api_token_create,
    api_token_list,
    api_token_revoke,
)

router = Router(tags=["parties"])

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}

T = TypeVar("T")


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _referenced(lookup: Callable[[Person, int], T], actor: Person, pk: int, field: str) -> T:
    """An id named in a request body: unknown or invisible is a field error, not a 404."""
    try:
        return lookup(actor, pk)
    except NotFound as error:
        raise ValidationFailed(
            "The request names something that does not exist.", fields={field: error.detail}
        ) from error


# --- Who am I ---


@router.get("/me", response={200: PersonOut, **ERRORS}, summary="The person making the request")
def me(request: HttpRequest) -> Person:
    return selectors.access_person(_actor(request), _actor(request).pk)


# --- Organisations ---


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations you can see")
@paginate(Pages)
def list_organisations(
    request: HttpRequest, kind: OrganisationKind | None = None, q: str | None = None
) -> Any:
    return selectors.organisation_list(actor=_actor(request), kind=kind, search=q)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Any]:
    organisation = services.organisation_create(actor=_actor(request), **payload.dict())
    return Status(201, selectors.access_organisation(_actor(request), organisation.pk))


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, organisation_id: int) -> Any:
    return selectors.access_organisation(_actor(request), organisation_id)


@router.patch("/organisations/{organisation_id}", response={200: OrganisationOut, **ERRORS})
def update_organisation(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Any:
    actor = _actor(request)
    organisation = selectors.access_organisation(actor, organisation_id)
    services.organisation_update(
        actor=actor, organisation=organisation, **payload.dict(exclude_unset=True)
    )
    return selectors.access_organisation(actor, organisation_id)


@router.get(
    "/organisations/{organisation_id}/qualification",
    response={200: QualificationOut, **ERRORS},
    summary="Whether a partner is qualified on a date (default today), and why not",
)
def get_qualification(request: HttpRequest, organisation_id: int, on: dt.date | None = None) -> Any:
    actor = _actor(request)
    partner = selectors.access_organisation(actor, organisation_id)
    if partner.kind != OrganisationKind.PARTNER or not selectors.can_see_qualification(
        actor, partner
    ):
        raise NotFound("No such partner.")
    qualification = selectors.partner_is_qualified(partner, on=on)
    return {
        "partner_id": qualification.partner_id,
        "on": qualification.on,
        "qualified": qualification.qualified,
        "levels": [
            {"level": c.level, "required": c.required, "holders": c.holders, "met": c.met}
            for c in qualification.levels
        ],
        "reasons": list(qualification.reasons),
    }


@router.put(
    "/organisations/{organisation_id}/relationship",
    response={200: RelationshipOut, **ERRORS},
    summary="Set how a customer is served (partner, operating model, scenario, plan)",
)
def set_relationship(request: HttpRequest, organisation_id: int, payload: RelationshipIn) -> Any:
    actor = _actor(request)
    customer = selectors.access_organisation(actor, organisation_id)
    partner = (
        _referenced(selectors.access_organisation, actor, payload.partner_id, "partner_id")
        if payload.partner_id is not None
        else None
    )
    return services.relationship_set(
        actor=actor,
        customer=customer,
        partner=partner,
        operating_model=payload.operating_model,
        scenario=payload.scenario,
        support_plan=payload.support_plan,
        time_zone=payload.time_zone,
        country=payload.country,
    )


@router.get("/relationships", response=list[RelationshipOut], summary="Customer relationships")
@paginate(Pages)
def list_relationships(request: HttpRequest, partner_id: int | None = None) -> Any:
    return selectors.relationship_list(actor=_actor(request), partner_id=partner_id)


# --- People ---


@router.get("/people", response=list[PersonOut])
@paginate(Pages)
def list_people(
    request: HttpRequest,
    organisation_id: int | None = None,
    role: Role | None = None,
    q: str | None = None,
) -> Any:
    return selectors.person_list(
        actor=_actor(request), organisation_id=organisation_id, role=role, search=q
    )


@router.post("/people", response={201: PersonOut, **ERRORS})
def create_person(request: HttpRequest, payload: PersonIn) -> Status[Any]:
    actor = _actor(request)
    organisation = _referenced(
        selectors.access_organisation, actor, payload.organisation_id, "organisation_id"
    )
    person = services.person_create(
        actor=actor,
        organisation=organisation,
        email=payload.email,
        full_name=payload.full_name,
        roles=payload.roles,
        phone=payload.phone,
        support_level=payload.support_level or "",
    )
    return Status(201, selectors.access_person(actor, person.pk))


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS})
def get_person(request: HttpRequest, person_id: int) -> Any:
    return selectors.access_person(_actor(request), person_id)


@router.patch("/people/{person_id}", response={200: PersonOut, **ERRORS})
def update_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    actor = _actor(request)
    person = selectors.access_person(actor, person_id)
    changes = payload.dict(exclude_unset=True)
    if "support_level" in changes and changes["support_level"] is None:
        changes["support_level"] = ""
    services.person_update(actor=actor, person=person, **changes)
    return selectors.access_person(actor, person_id)


# --- Certifications and trainings ---


@router.get("/certifications", response=list[CertificationOut])
@paginate(Pages)
def list_certifications(
    request: HttpRequest,
    organisation_id: int | None = None,
    person_id: int | None = None,
    valid_on: dt.date | None = None,
) -> Any:
    return selectors.certification_list(
        actor=_actor(request),
        organisation_id=organisation_id,
        person_id=person_id,
        valid_on=valid_on,
    )


@router.get(
    "/certifications/expiring",
    response=list[CertificationOut],
    summary="Valid certifications that expire within N days (default from settings)",
)
@paginate(Pages)
def list_expiring_certifications(
    request: HttpRequest,
    within_days: int | None = Query(None, ge=0, le=3650),  # type: ignore[type-arg]
    organisation_id: int | None = None,
    on: dt.date | None = None,
) -> Any:
    return selectors.certifications_expiring(
        actor=_actor(request), within_days=within_days, on=on, organisation_id=organisation_id
    )


@router.post("/certifications", response={201: CertificationOut, **ERRORS})
def create_certification(request: HttpRequest, payload: CertificationIn) -> Status[Any]:
    actor = _actor(request)
    person = _referenced(selectors.access_person, actor, payload.person_id, "person_id")
    certification = services.certification_record(
        actor=actor,
        person=person,
        level=payload.level,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
        reference=payload.reference,
    )
    return Status(201, certification)


@router.get("/trainings", response=list[TrainingOut])
@paginate(Pages)
def list_trainings(request: HttpRequest, organisation_id: int | None = None) -> Any:
    return selectors.training_list(actor=_actor(request), organisation_id=organisation_id)


@router.post("/trainings", response={201: TrainingOut, **ERRORS})
def create_training(request: HttpRequest, payload: TrainingIn) -> Status[Any]:
    actor = _actor(request)
    person = _referenced(selectors.access_person, actor, payload.person_id, "person_id")
    training = services.training_record(
        actor=actor, person=person, level=payload.level, held_on=payload.held_on
    )
    return Status(201, training)


# --- Authorised submitters and the caller lookup ---


@router.get("/submitters", response=list[SubmitterOut])
@paginate(Pages)
def list_submitters(
    request: HttpRequest,
    organisation_id: int | None = None,
    state: SubmitterState | None = None,
) -> Any:
    return selectors.submitter_list(
        actor=_actor(request), organisation_id=organisation_id, state=state
    )


@router.post("/submitters", response={201: SubmitterOut, **ERRORS})
def register_submitter(request: HttpRequest, payload: SubmitterIn) -> Status[Any]:
    actor = _actor(request)
    person = _referenced(selectors.access_person, actor, payload.person_id, "person_id")
    submitter = services.submitter_register(
        actor=actor, person=person, phone=payload.phone, email=payload.email
    )
    return Status(201, selectors.access_submitter(actor, submitter.pk))


@router.get("/submitters/{submitter_id}", response={200: SubmitterOut, **ERRORS})
def get_submitter(request: HttpRequest, submitter_id: int) -> Any:
    return selectors.access_submitter(_actor(request), submitter_id)


@router.post("/submitters/{submitter_id}/verify", response={200: SubmitterOut, **ERRORS})
def verify_submitter(request: HttpRequest, submitter_id: int) -> Any:
    actor = _actor(request)
    submitter = selectors.access_submitter(actor, submitter_id)
    services.submitter_verify(actor=actor, submitter=submitter)
    return selectors.access_submitter(actor, submitter_id)


@router.post("/submitters/{submitter_id}/deactivate", response={200: SubmitterOut, **ERRORS})
def deactivate_submitter(
    request: HttpRequest, submitter_id: int, payload: SubmitterDeactivateIn
) -> Any:
    actor = _actor(request)
    submitter = selectors.access_submitter(actor, submitter_id)
    services.submitter_deactivate(actor=actor, submitter=submitter, reason=payload.reason)
    return selectors.access_submitter(actor, submitter_id)


@router.get(
    "/callers/lookup",
    response={200: CallerOut, **ERRORS},
    summary="Who is calling: the person, organisation and authorisation behind a phone number",
)
def lookup_caller(request: HttpRequest, phone: str) -> Any:
    actor = _actor(request)
    match = selectors.caller_lookup(actor=actor, phone=phone)
    open_p1 = (
        list(open_p1_cases(caller=match.person, actor=actor)[:20])
        if match.person is not None
        else []
    )
    return {
        "phone": match.phone,
        "state": match.state,
        "person": match.person,
        "organisation": match.organisation,
        "submitter_id": match.submitter.pk if match.submitter else None,
        "open_p1_cases": open_p1,
    }


# --- API tokens ---


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
@paginate(Pages)
def list_tokens(request: HttpRequest) -> Any:
    return api_token_list(actor=_actor(request))


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, summary="Issue an API token")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    token, raw = api_token_create(
        actor=_actor(request),
        name=payload.name,
        scopes=payload.scopes,
        expires_at=payload.expires_at,
        minted_by=getattr(request, "api_token", None),
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": raw})


@router.delete("/tokens/{token_id}", response={200: TokenOut, **ERRORS}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    actor = _actor(request)
    return api_token_revoke(actor=actor, token=access_api_token(actor, token_id))
