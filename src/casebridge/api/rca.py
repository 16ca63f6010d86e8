"""Root-cause analysis endpoints: list with filters, read (draft for the owner, published for
the parties, public for the customer), edit, actions, sign-off, revisions, export."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.cases.choices import CauseAttribution
from casebridge.core.errors import ValidationFailed
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rca import exports, selectors, services
from casebridge.rca.choices import ActionKind, ActionStatus, RcaStatus
from casebridge.rca.models import Rca

router = Router(tags=["root-cause analyses"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class RcaFields(Schema):
    id: int
    case_id: int
    case_number: str
    status: RcaStatus
    revision: int
    attribution: CauseAttribution
    owner_party: OrganisationKind
    owner: str
    accountable: str
    opened_at: dt.datetime
    due_at: dt.datetime
    overdue: bool


class RcaSummaryOut(RcaFields):
    @staticmethod
    def resolve_case_number(rca: Rca) -> str:
        return rca.case.number

    @staticmethod
    def resolve_owner(rca: Rca) -> str:
        return rca.owner.name

    @staticmethod
    def resolve_accountable(rca: Rca) -> str:
        return rca.accountable.name

    @staticmethod
    def resolve_overdue(rca: Rca) -> bool:
        return selectors.is_overdue(rca)


class RcaActionOut(Schema):
    id: int
    kind: ActionKind
    description: str
    owner_id: int
    owner: str
    due_on: dt.date
    status: ActionStatus


class TimelineEntry(InSchema):
    at: dt.datetime
    text: str = Field(..., max_length=1000)


class DraftOut(Schema):
    timeline: list[dict[str, str]]
    impact: str
    root_cause: str
    contributing_factors: str
    public_summary: str
    actions: list[RcaActionOut]


class RcaOut(RcaFields):
    view: str = Field(..., description="draft (owner), full (parties) or public (customer).")
    parties: list[dict[str, Any]]
    draft: DraftOut | None = Field(None, description="The working draft; owner only.")
    published: dict[str, Any] | None = Field(None, description="The latest signed revision.")


def _detail(actor: Person, rca: Rca) -> dict[str, Any]:
    view = selectors.view_of(actor, rca)
    draft = None
    if view == selectors.DRAFT:
        draft = {
            "timeline": rca.timeline,
            "impact": rca.impact,
            "root_cause": rca.root_cause,
            "contributing_factors": rca.contributing_factors,
            "public_summary": rca.public_summary,
            "actions": [
                {
                    "id": action.pk,
                    "kind": action.kind,
                    "description": action.description,
                    "owner_id": action.owner_id,
                    "owner": action.owner.full_name,
                    "due_on": action.due_on,
                    "status": action.status,
                }
                for action in selectors.rca_actions(rca)
            ],
        }
    return {
        **{name: getattr(rca, name) for name in ("id", "case_id", "status", "revision")},
        "case_number": rca.case.number,
        "attribution": rca.attribution,
        "owner_party": rca.owner_party,
        "owner": rca.owner.name,
        "accountable": rca.accountable.name,
        "opened_at": rca.opened_at,
        "due_at": rca.due_at,
        "overdue": selectors.is_overdue(rca),
        "view": view,
        "parties": rca.parties if view != selectors.PUBLIC else [],
        "draft": draft,
        "published": selectors.published_content(actor, rca),
    }


class RcaQuery(Schema):
    owner_party: OrganisationKind | None = None
    attribution: CauseAttribution | None = None
    status: RcaStatus | None = None
    overdue: bool | None = None


@router.get("/rcas", response=list[RcaSummaryOut], summary="RCAs you can see")
@paginate(Pages)
def list_rcas(request: HttpRequest, query: Query[RcaQuery]) -> Any:
    return selectors.rca_list(actor=_actor(request), filters=selectors.RcaFilters(**query.dict()))


@router.get("/rcas/{rca_id}", response={200: RcaOut, **ERRORS})
def get_rca(request: HttpRequest, rca_id: int) -> Any:
    actor = _actor(request)
    return _detail(actor, selectors.access_rca(actor, rca_id))


class RcaPatch(InSchema):
    timeline: list[TimelineEntry] | None = None
    impact: str | None = None
    root_cause: str | None = None
    contributing_factors: str | None = None
    public_summary: str | None = None


@router.patch("/rcas/{rca_id}", response={200: RcaOut, **ERRORS}, summary="Edit the draft")
def update_rca(request: HttpRequest, rca_id: int, payload: RcaPatch) -> Any:
    actor = _actor(request)
    changes = payload.dict(exclude_unset=True)
    if "timeline" in changes and changes["timeline"] is not None:
        changes["timeline"] = [
            {"at": entry["at"].isoformat(), "text": entry["text"]} for entry in changes["timeline"]
        ]
    rca = services.rca_update(actor=actor, rca=selectors.access_rca(actor, rca_id), changes=changes)
    return _detail(actor, selectors.access_rca(actor, rca.pk))


class RcaActionIn(InSchema):
    kind: ActionKind
    description: str = Field(..., max_length=5000)
    owner_id: int | None = None
    due_on: dt.date | None = None


class RcaActionPatch(InSchema):
    description: str | None = Field(None, max_length=5000)
    owner_id: int | None = None
    due_on: dt.date | None = None
    status: ActionStatus | None = None


def _owner(rca: Rca, owner_id: int | None) -> Person | None:
    if owner_id is None:
        return None
    owner = selectors.action_owner_candidates(rca).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationFailed(
            "The action was not saved.",
            fields={"owner_id": "Not an active person of the case's vendor, partner or customer."},
        )
    return owner


@router.post("/rcas/{rca_id}/actions", response={201: RcaOut, **ERRORS})
def add_action(request: HttpRequest, rca_id: int, payload: RcaActionIn) -> Any:
    actor = _actor(request)
    rca = selectors.access_rca(actor, rca_id)
    values = payload.dict()
    values["owner"] = _owner(rca, values.pop("owner_id"))
    services.rca_action_add(actor=actor, rca=rca, values=values)
    return Status(201, _detail(actor, selectors.access_rca(actor, rca_id)))


@router.patch("/rcas/{rca_id}/actions/{action_id}", response={200: RcaOut, **ERRORS})
def update_action(
    request: HttpRequest, rca_id: int, action_id: int, payload: RcaActionPatch
) -> Any:
    actor = _actor(request)
    rca = selectors.access_rca(actor, rca_id)
    action = selectors.rca_actions(rca).filter(pk=action_id).first()
    if action is None:
        raise ValidationFailed(
            "No such action.", fields={"action_id": "Not an action of this RCA."}
        )
    values = payload.dict(exclude_unset=True)
    if "owner_id" in values:
        values["owner"] = _owner(rca, values.pop("owner_id"))
    services.rca_action_update(actor=actor, action=action, values=values)
    return _detail(actor, selectors.access_rca(actor, rca_id))


@router.post("/rcas/{rca_id}/sign", response={200: RcaOut, **ERRORS}, summary="Sign off")
def sign(request: HttpRequest, rca_id: int) -> Any:
    actor = _actor(request)
    services.rca_sign(actor=actor, rca=selectors.access_rca(actor, rca_id))
    return _detail(actor, selectors.access_rca(actor, rca_id))


class RevisionIn(InSchema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/rcas/{rca_id}/revisions",
    response={200: RcaOut, **ERRORS},
    summary="Start a new revision of a signed RCA",
)
def new_revision(request: HttpRequest, rca_id: int, payload: RevisionIn) -> Any:
    actor = _actor(request)
    services.rca_new_revision(
        actor=actor, rca=selectors.access_rca(actor, rca_id), reason=payload.reason
    )
    return _detail(actor, selectors.access_rca(actor, rca_id))


@router.get(
    "/rcas/{rca_id}/export.pdf",
    response={200: None, **ERRORS},
    summary="The signed RCA as PDF (the customer receives the public version)",
)
def export_pdf(request: HttpRequest, rca_id: int) -> Any:
    actor = _actor(request)
    rca = selectors.access_rca(actor, rca_id)
    response = HttpResponse(exports.rca_pdf(actor, rca), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rca-{rca.case.number}.pdf"'
    return response
