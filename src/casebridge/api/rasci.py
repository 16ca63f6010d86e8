"""RASCI endpoints: matrices and their versions, drafts, publishing, diff, export, pinning,
"who is responsible for X at customer Y" and the engine's decision for the caller."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AliasChoices

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rasci import policy, selectors, services
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.letters import format_letters
from casebridge.rasci.models import MatrixVersion
from casebridge.rasci.validation import matrix_violations

router = Router(tags=["rasci"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


# --- Schemas ---


class OperatingModelOut(Schema):
    code: str
    name: str
    description: str
    partner_in_between: bool
    parties: list[str]
    published_version_id: int | None
    draft_version_id: int | None


class VersionOut(Schema):
    id: int
    operating_model: str = Field(
        ..., validation_alias=AliasChoices("operating_model_id", "operating_model")
    )
    number: int
    status: VersionStatus
    notes: str
    published_at: dt.datetime | None
    retired_at: dt.datetime | None


class ActivityOut(Schema):
    code: str
    name: str
    category: str
    roles: list[str]
    description: str
    letters: dict[str, str] = Field(..., description="Party → letters, e.g. {'partner': 'A/R'}.")


class ViolationOut(Schema):
    activity: str
    party: str | None
    problem: str


class VersionDetailOut(VersionOut):
    parties: list[str]
    activities: list[ActivityOut]
    violations: list[ViolationOut] = Field(
        ..., description="For a draft: what would stop it from being published."
    )


class DraftIn(InSchema):
    from_version_id: int | None = None
    notes: str = Field("", max_length=2000)


class CellIn(InSchema):
    activity: str = Field(..., max_length=60)
    party: str = Field(..., max_length=10)
    letters: str = Field(..., max_length=10, description="R, A, A/R, S, C, I, or empty to clear.")


class ActivityIn(InSchema):
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=200)
    category: str = Field("", max_length=40)
    roles: list[str] = Field(default_factory=list)
    description: str = Field("", max_length=2000)
    letters: dict[str, str] = Field(default_factory=dict)


class MatrixImportIn(InSchema):
    csv: str = Field(..., description="The CSV text, as `casebridge rasci show --format csv`.")
    publish: bool = False


class LetterChangeOut(Schema):
    activity: str
    party: str
    before: str
    after: str


class DiffOut(Schema):
    from_version_id: int
    to_version_id: int
    added: list[str]
    removed: list[str]
    renamed: list[dict[str, str]]
    letters: list[LetterChangeOut]


class PersonBriefOut(Schema):
    id: int
    full_name: str
    email: str
    roles: list[str]

    @staticmethod
    def resolve_roles(person: Person) -> list[str]:
        return sorted(person.role_codes)


class PartyLettersOut(Schema):
    party: str
    letters: str
    organisation_id: int | None
    organisation_name: str | None
    people: list[PersonBriefOut]


class ResponsibilityOut(Schema):
    activity: str
    customer_id: int
    version_id: int
    version: str
    pinned: bool
    holders: list[PartyLettersOut]


class DecisionOut(Schema):
    activity: str
    customer_id: int
    version_id: int
    version: str
    party: str | None
    letters: str
    allowed: bool
    may_contribute: bool
    reason: str


class PinIn(InSchema):
    version_id: int
    reason: str = Field(..., min_length=1, max_length=300)


# --- Helpers ---


def _detail(version: MatrixVersion) -> dict[str, Any]:
    rows = selectors.version_rows(version)
    specs = selectors.version_specs(version)
    parties = list(version.operating_model.parties)
    return {
        **VersionOut.from_orm(version).dict(),
        "parties": parties,
        "activities": [
            {
                "code": row.code,
                "name": row.name,
                "category": row.category,
                "roles": list(row.roles),
                "description": row.description,
                "letters": {p: format_letters(row.letters.get(p, "")) for p in parties},
            }
            for row in rows
        ],
        "violations": (
            [vars(v) for v in matrix_violations(parties, specs)] if version.is_draft else []
        ),
    }


def _customer(actor: Person, customer_id: int) -> Any:
    customer = party_selectors.access_organisation(actor, customer_id)
    if customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationFailed(
            "Responsibilities are per customer.", fields={"customer_id": "Not a customer."}
        )
    return customer


# --- Endpoints ---


@router.get("/rasci/models", response=list[OperatingModelOut], summary="Operating models")
def list_models(request: HttpRequest) -> Any:
    versions = list(
        selectors.version_list(actor=_actor(request)).exclude(status=VersionStatus.RETIRED)
    )
    published = {
        v.operating_model_id: v.pk for v in versions if v.status == VersionStatus.PUBLISHED
    }
    drafts = {v.operating_model_id: v.pk for v in versions if v.status == VersionStatus.DRAFT}
    return [
        {
            "code": model.code,
            "name": model.name,
            "description": model.description,
            "partner_in_between": model.partner_in_between,
            "parties": list(model.parties),
            "published_version_id": published.get(model.code),
            "draft_version_id": drafts.get(model.code),
        }
        for model in selectors.operating_model_list()
    ]


@router.get("/rasci/versions", response=list[VersionOut], summary="Matrix versions")
@paginate(Pages)
def list_versions(request: HttpRequest, operating_model: str | None = None) -> Any:
    return selectors.version_list(operating_model=operating_model, actor=_actor(request))


@router.get("/rasci/versions/{version_id}", response={200: VersionDetailOut, **ERRORS})
def get_version(request: HttpRequest, version_id: int) -> Any:
    return _detail(selectors.access_version(_actor(request), version_id))


@router.get(
    "/rasci/versions/{version_id}/export",
    response={200: None, **ERRORS},
    summary="The matrix as CSV (importable), Markdown or printable HTML",
)
def export_version(
    request: HttpRequest, version_id: int, format: Literal["csv", "md", "html"] = "csv"
) -> HttpResponse:
    export = selectors.version_export(selectors.access_version(_actor(request), version_id), format)
    response = HttpResponse(export.body, content_type=f"{export.content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@router.post("/rasci/models/{code}/drafts", response={201: VersionDetailOut, **ERRORS})
def create_draft(request: HttpRequest, code: str, payload: DraftIn) -> Status[Any]:
    actor = _actor(request)
    model = selectors.operating_model_get(code)
    source = None
    if payload.from_version_id is not None:
        try:
            source = selectors.access_version(actor, payload.from_version_id)
        except NotFound as error:
            raise ValidationFailed(
                "The draft was not created.", fields={"from_version_id": error.detail}
            ) from error
    version = services.draft_create(
        actor=actor, operating_model=model, from_version=source, notes=payload.notes
    )
    return Status(201, _detail(version))


@router.put("/rasci/versions/{version_id}/cells", response={200: VersionDetailOut, **ERRORS})
def set_cell(request: HttpRequest, version_id: int, payload: CellIn) -> Any:
    actor = _actor(request)
    version = selectors.access_version(actor, version_id)
    services.draft_set_letters(
        actor=actor,
        version=version,
        activity_code=payload.activity,
        party=payload.party,
        letters=payload.letters,
    )
    return _detail(version)


@router.post("/rasci/versions/{version_id}/activities", response={201: VersionDetailOut, **ERRORS})
def add_activity(request: HttpRequest, version_id: int, payload: ActivityIn) -> Status[Any]:
    actor = _actor(request)
    version = selectors.access_version(actor, version_id)
    services.draft_add_activity(actor=actor, version=version, **payload.dict())
    return Status(201, _detail(version))


@router.delete(
    "/rasci/versions/{version_id}/activities/{code}", response={200: VersionDetailOut, **ERRORS}
)
def remove_activity(request: HttpRequest, version_id: int, code: str) -> Any:
    actor = _actor(request)
    version = selectors.access_version(actor, version_id)
    services.draft_remove_activity(actor=actor, version=version, code=code)
    return _detail(version)


@router.post("/rasci/versions/{version_id}/publish", response={200: VersionDetailOut, **ERRORS})
def publish_version(request: HttpRequest, version_id: int) -> Any:
    actor = _actor(request)
    version = services.version_publish(
        actor=actor, version=selectors.access_version(actor, version_id)
    )
    return _detail(version)


@router.delete("/rasci/versions/{version_id}", response={204: None, **ERRORS})
def discard_draft(request: HttpRequest, version_id: int) -> Status[None]:
    actor = _actor(request)
    services.draft_discard(actor=actor, version=selectors.access_version(actor, version_id))
    return Status(204, None)


@router.post("/rasci/import", response={201: list[VersionOut], **ERRORS})
def import_matrices(request: HttpRequest, payload: MatrixImportIn) -> Status[Any]:
    versions = services.matrices_import(
        actor=_actor(request), text=payload.csv, publish=payload.publish
    )
    return Status(201, versions)


@router.get("/rasci/diff", response={200: DiffOut, **ERRORS}, summary="Changes between versions")
def diff_versions(request: HttpRequest, from_version: int, to_version: int) -> Any:
    actor = _actor(request)
    old, new = (
        selectors.access_version(actor, from_version),
        selectors.access_version(actor, to_version),
    )
    change = selectors.matrix_diff(old, new)
    return {
        "from_version_id": old.pk,
        "to_version_id": new.pk,
        "added": list(change.added),
        "removed": list(change.removed),
        "renamed": [{"activity": c, "before": b, "after": a} for c, b, a in change.renamed],
        "letters": [
            {
                "activity": letter.activity,
                "party": letter.party,
                "before": format_letters(letter.before),
                "after": format_letters(letter.after),
            }
            for letter in change.letters
        ],
    }


@router.get(
    "/rasci/responsibilities",
    response={200: ResponsibilityOut, **ERRORS},
    summary="Who is responsible (supports, is consulted, informed) for an activity at a customer",
)
def responsibilities(
    request: HttpRequest,
    activity: str,
    customer_id: int,
    letters: Literal["RA", "S", "C", "I"] = "RA",
) -> Any:
    customer = _customer(_actor(request), customer_id)
    matrix = selectors.matrix_for(customer)
    ask = {
        "RA": policy.responsible_for,
        "S": policy.supporting,
        "C": policy.to_consult,
        "I": policy.to_inform,
    }[letters]
    holders = ask(activity, customer, version=matrix.version)
    return {
        "activity": activity,
        "customer_id": customer.pk,
        "version_id": matrix.version.pk,
        "version": matrix.version.label,
        "pinned": matrix.pinned,
        "holders": [
            {
                "party": holder.party,
                "letters": holder.display,
                "organisation_id": holder.organisation.pk if holder.organisation else None,
                "organisation_name": holder.organisation.name if holder.organisation else None,
                "people": list(holder.people),
            }
            for holder in holders
        ],
    }


@router.get(
    "/rasci/decisions",
    response={200: DecisionOut, **ERRORS},
    summary="May the caller perform an activity for a customer? With the letter and the reason",
)
def decision(request: HttpRequest, activity: str, customer_id: int) -> Any:
    actor = _actor(request)
    customer = _customer(actor, customer_id)
    answer = policy.decide(actor, activity, customer)
    return {
        "activity": activity,
        "customer_id": customer.pk,
        "version_id": answer.version_id,
        "version": answer.version_label,
        "party": answer.party,
        "letters": format_letters(answer.letters),
        "allowed": answer.allowed,
        "may_contribute": answer.may_contribute,
        "reason": answer.reason,
    }


@router.put("/organisations/{organisation_id}/matrix-pin", response={200: VersionOut, **ERRORS})
def pin_customer(request: HttpRequest, organisation_id: int, payload: PinIn) -> Any:
    actor = _actor(request)
    customer = _customer(actor, organisation_id)
    try:
        version = selectors.access_version(actor, payload.version_id)
    except NotFound as error:
        raise ValidationFailed(
            "The customer was not pinned.", fields={"version_id": error.detail}
        ) from error
    return services.relationship_pin(
        actor=actor, customer=customer, version=version, reason=payload.reason
    ).version


@router.delete("/organisations/{organisation_id}/matrix-pin", response={204: None, **ERRORS})
def unpin_customer(request: HttpRequest, organisation_id: int) -> Status[None]:
    actor = _actor(request)
    services.relationship_unpin(actor=actor, customer=_customer(actor, organisation_id))
    return Status(204, None)
