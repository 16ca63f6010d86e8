"""Case endpoints: open (idempotent), queues with cursor pagination, the case with its ETag,
workflow actions (If-Match), escalation with its checklist, conversation, history, phone calls."""

import datetime as dt
import enum
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import field_validator

from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.cases import audiences, search, selectors, services, workflow
from casebridge.cases import bulk as case_bulk
from casebridge.cases.choices import (
    Audience,
    Category,
    CauseAttribution,
    EngagementKind,
    Frequency,
    Level,
    Priority,
    ReturnReason,
)
from casebridge.cases.escalation import escalation_readiness
from casebridge.cases.exports import attachment_response
from casebridge.cases.models import Case
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.core.validation import Errors, clean_single_line, parse_digits
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    412: ErrorOut,
    422: ErrorOut,
}
MAX_PAGE = 100


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("Give a time zone, e.g. 2026-06-01T09:30:00Z.")
    return value


def _etag(case: Case) -> str:
    return f'W/"{case.revision}"'


def _revision(if_match: str | None) -> int | None:
    """``If-Match: W/"7"`` (or ``"7"`` or ``7``) → 7; absent → no check."""
    if not if_match:
        return None
    revision = parse_digits(if_match.strip().removeprefix("W/").strip('"'))
    if revision is None:
        raise ValidationFailed(
            "If-Match must be the case's ETag.", fields={"If-Match": "Not an ETag of a case."}
        )
    return revision


def _read_by(name: str, table: dict[str, str] | None = None, description: str = "") -> Any:
    """A field of the case read, stating its audience (``x-audience``) in the schema: fields a
    reader may not read are null."""
    audience = (table or audiences.FIELD_AUDIENCE)[name]
    who = (
        "Read by everyone who sees the case."
        if audience == Audience.PUBLIC
        else "Read by the partner and the vendor (and a model-2 customer); null for others."
    )
    return Field(
        None if audience != Audience.PUBLIC else ...,
        description=f"{description} {who}".strip(),
        json_schema_extra={"x-audience": audience},
    )


def _engagement(name: str) -> Any:
    return _read_by(name, audiences.ENGAGEMENT_FIELD_AUDIENCE)


class EngagementOut(Schema):
    """One side of the case; the vendor's engagement is partner + vendor (absent for others)."""

    kind: EngagementKind = _engagement("kind")
    status: str = _engagement("status")
    tier: str | None = _engagement("tier")
    status_changed_at: dt.datetime = _engagement("status_changed_at")
    closed_at: dt.datetime | None = _engagement("closed_at")


class CaseOut(Schema):
    """A case as the caller may read it (``cases.audiences``): every field states its audience."""

    id: int = _read_by("id")
    number: str = _read_by("number")
    revision: int = _read_by("revision")
    customer_id: int = _read_by("customer_id")
    partner_id: int | None = _read_by("partner_id")
    reporter_id: int = _read_by("reporter_id")
    title: str = _read_by("title")
    description: str = _read_by("description")
    category: Category = _read_by("category")
    impact: Level = _read_by("impact")
    urgency: Level = _read_by("urgency")
    priority: Priority = _read_by("priority")
    priority_override_reason: str | None = _read_by(
        "priority_override_reason", description="Why the priority differs from the matrix."
    )
    component: str | None = _read_by("component")
    version: str = _read_by("version")
    tier: str | None = _read_by("tier", description="The support level working the case now.")
    matrix_version: str = _read_by("matrix_version")
    submitter_id: int | None = _read_by("submitter_id")
    version_override_request: str | None = _read_by("version_override_request")
    version_override_by_id: int | None = _read_by("version_override_by_id")
    version_override_reason: str | None = _read_by("version_override_reason")
    escalated_at: dt.datetime | None = _read_by("escalated_at")
    closed_at: dt.datetime | None = _read_by("closed_at")
    cause_attribution: str = _read_by("cause_attribution")
    external_reference: str = _read_by(
        "external_reference", description="The sending desk's own case number."
    )
    follow_up_of_id: int | None = _read_by(
        "follow_up_of_id", description="The closed case this one follows up."
    )
    expected_behaviour: str = _read_by("expected_behaviour")
    actual_behaviour: str = _read_by("actual_behaviour")
    error_messages: str = _read_by("error_messages")
    steps_to_reproduce: str = _read_by("steps_to_reproduce")
    reproducible: bool | None = _read_by("reproducible")
    occurred_at: dt.datetime | None = _read_by("occurred_at")
    frequency: str = _read_by("frequency")
    business_impact: str = _read_by("business_impact")
    users_affected: int | None = _read_by("users_affected")
    actions_taken: str = _read_by("actions_taken")
    causes_ruled_out: list[str] = _read_by("causes_ruled_out")
    evidence: str = _read_by("evidence")
    created_at: dt.datetime = _read_by("created_at")
    updated_at: dt.datetime = _read_by("updated_at")
    engagements: list[EngagementOut] = _read_by("engagements")
    allowed_actions: list[str] = _read_by("allowed_actions")


class GuidelinesIn(InSchema):
    """The submission-guideline fields a case is filed with."""

    expected_behaviour: str = ""
    actual_behaviour: str = ""
    error_messages: str = ""
    steps_to_reproduce: str = ""
    reproducible: bool | None = None
    occurred_at: dt.datetime | None = None
    frequency: Frequency | None = None
    business_impact: str = ""
    users_affected: int | None = Field(None, ge=0)
    actions_taken: str = ""
    causes_ruled_out: list[str] = Field(default_factory=list)
    evidence: str = ""

    @field_validator("occurred_at")
    @classmethod
    def aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)


class CaseIn(GuidelinesIn):
    customer_id: int
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=50_000)
    category: Category
    impact: Level
    urgency: Level
    component: str | None = Field(None, max_length=60)
    version: str = Field("", max_length=40)
    installation_id: int | None = None
    priority_override: Priority | None = None
    priority_override_reason: str = Field("", max_length=300)


REASON = Field(
    "",
    max_length=500,
    description="Why: one line. Required where the step needs a reason (reject_solution, …).",
)


def _steps_with_words(required: bool) -> str:
    return ", ".join(
        t.action for t in workflow.TRANSITIONS if t.words and t.words.required == required
    )


MESSAGE = Field(
    "",
    max_length=50_000,
    description="The step's words, posted as a message in the same write as the step (Markdown): "
    "the question, the solution or the explanation. Required for "
    f"{_steps_with_words(True)}; optional for {_steps_with_words(False)}; refused by the "
    "other steps. It goes to the party that must answer, in the narrowest audience that "
    "reaches it (the customer for wait_on_customer and propose_solution).",
)


class CaseActionIn(InSchema):
    """The body of every workflow action but escalate, return and resolve."""

    reason: str = REASON
    message: str = MESSAGE


class CaseReturnIn(InSchema):
    """The vendor sends the case back to the partner."""

    return_reason: ReturnReason
    reason: str = REASON
    message: str = Field(
        "",
        max_length=50_000,
        description="What the partner should add or change (Markdown), posted to partner + "
        "vendor in the same write; optional.",
    )


class CaseResolveIn(InSchema):
    """The customer engagement is resolved; a Priority 1 names its cause (it decides who owns
    the root-cause analysis)."""

    attribution: CauseAttribution | None = Field(
        None, description="What caused the problem; required for a Priority 1."
    )
    reason: str = REASON


class CaseEscalateIn(InSchema):
    """A fully detailed case goes to the vendor through the escalation gate."""

    version_override_request: str = Field(
        "",
        max_length=500,
        description="Ask the vendor to take an unsupported version anyway (one line).",
    )


#: The actions whose body is only an optional reason; the other three have their own.
PlainAction = enum.StrEnum(  # type: ignore[misc]
    "PlainAction",
    {action: action for action in sorted(workflow.ACTIONS - {"escalate", "return", "resolve"})},
)


class CommentIn(InSchema):
    audience: Audience
    body: str = Field(..., max_length=50_000)


class CommentOut(Schema):
    id: int
    case_id: int = Field(
        ...,
        description="The case the message is on: a follow-up case when it was a reply to "
        "a case closed longer than the reopen window.",
    )
    outcome: str = Field(
        "added",
        description="What the message did: added, reopened (a customer's reply to a closed "
        "case within the reopen window), or follow_up (after it: a new linked case).",
    )
    author_id: int
    author_name: str = Field(..., alias="author.full_name")
    audience: Audience
    body: str
    body_html: str
    created_at: dt.datetime

    @staticmethod
    def resolve_outcome(comment: Any) -> str:
        return str(getattr(comment, "outcome", "added"))


class EventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_label: str
    kind: str
    engagement: str
    audience: Audience
    before: dict[str, Any]
    after: dict[str, Any]
    text: str = Field(description='The line in words: "Partner A escalated to the vendor".')


class CheckItemOut(Schema):
    item: str
    ok: bool
    problem: str


class ReadinessOut(Schema):
    ready: bool
    checklist: list[CheckItemOut]
    problems: dict[str, list[str]]


class PhoneCallIn(InSchema):
    caller_number: str = Field(..., max_length=40)
    summary: str = Field(..., max_length=5000)
    called_at: dt.datetime | None = None

    @field_validator("called_at")
    @classmethod
    def aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)


class PhoneCallOut(Schema):
    id: int
    caller_id: int | None
    caller_number: str
    called_at: dt.datetime
    summary: str


class CasePageOut(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class QueueIn(Schema):
    engagement: EngagementKind = EngagementKind.CUSTOMER
    status: str | None = None
    priority: Priority | None = None
    tier: str | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    component: str | None = None
    unassigned: bool = Field(False, description="Only the cases nobody is assigned.")
    due: Literal["soon", "overdue"] | None = Field(
        None,
        description="soon: the next due time on the engagement's side is within 4 hours or "
        "past; overdue: it is past.",
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Words the cases' texts (those the caller reads) must match, in the "
        "syntax of GET /search; a query that cannot run is a 422 on q.",
    )
    sort: str = Field(
        "updated",
        description="updated (default), created, priority, or due: the next service-level"
        " due time on the engagement's side first, cases with nothing due last.",
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)


def _answer(actor: Person, response: HttpResponse, case: Case) -> dict[str, Any]:
    """A case read through the actor's scope and audience, with its actions and the ETag."""
    response["ETag"] = _etag(case)
    return audiences.case_read(
        actor, case, allowed_actions=selectors.allowed_actions(actor=actor, case=case)
    )


def _fresh(request: HttpRequest, response: HttpResponse, case: Case) -> dict[str, Any]:
    """The case as the caller sees it now (read again after a write)."""
    actor = _actor(request)
    return _answer(actor, response, selectors.access_case(actor, case.pk))


def _customer_for(actor: Person, customer_id: int, what: str) -> Any:
    try:
        customer = party_selectors.access_organisation(actor, customer_id)
    except NotFound as error:
        raise ValidationFailed(what, fields={"customer_id": error.detail}) from error
    if customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationFailed(what, fields={"customer_id": "Not a customer."})
    return customer


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a case (idempotent)")
def open_case(
    request: HttpRequest,
    response: HttpResponse,
    payload: CaseIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Status[Any]:
    actor = _actor(request)
    customer = _customer_for(actor, payload.customer_id, "The case was not opened.")
    data = payload.dict()
    guidelines = {name: data[name] for name in services.GUIDELINE_FIELDS}
    guidelines["frequency"] = guidelines["frequency"] or ""
    try:
        case, _ = _open(actor, customer, payload, guidelines, _idempotency_key(idempotency_key))
    except services.IdempotencyKeyReused as error:  # named as the caller sent it: a header
        raise services.IdempotencyKeyReused(
            error.detail, fields={"Idempotency-Key": error.fields["idempotency_key"]}
        ) from error
    return Status(201, _fresh(request, response, case))


def _idempotency_key(header: str | None) -> str | None:
    if header is None or not header.strip():
        return None
    errors = Errors()
    key = clean_single_line(header, errors, "Idempotency-Key", max_length=200)
    errors.raise_if_any("The Idempotency-Key is not valid.")
    return key


def _open(
    actor: Person, customer: Any, payload: CaseIn, guidelines: dict[str, Any], key: str | None
) -> tuple[Case, bool]:
    return services.case_open(
        actor=actor,
        customer=customer,
        title=payload.title,
        description=payload.description,
        category=payload.category,
        impact=payload.impact,
        urgency=payload.urgency,
        component=payload.component,
        version=payload.version,
        installation_id=payload.installation_id,
        priority_override=payload.priority_override,
        priority_override_reason=payload.priority_override_reason,
        idempotency_key=key,
        guidelines=guidelines,
    )


class ExchangeIn(GuidelinesIn):
    customer_id: int
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=50_000)
    category: Category = Category.INCIDENT
    impact: Level = Level.MEDIUM
    urgency: Level = Level.MEDIUM
    component: str | None = Field(None, max_length=60)
    version: str = Field("", max_length=40)


@router.put(
    "/exchange/cases/{reference}",
    response={200: CaseOut, 201: CaseOut, **ERRORS},
    summary="Create or update the case your desk knows by this reference (idempotent)",
)
def exchange_put(
    request: HttpRequest, response: HttpResponse, reference: str, payload: ExchangeIn
) -> Status[Any]:
    actor = _actor(request)
    customer = _customer_for(actor, payload.customer_id, "The case was not saved.")
    values = payload.dict(exclude={"customer_id"})
    values["frequency"] = values.get("frequency") or ""
    case, created = services.case_exchange_put(
        actor=actor, reference=reference, customer=customer, values=values
    )
    return Status(201 if created else 200, _fresh(request, response, case))


@router.get("/exchange/cases/{reference}", response={200: CaseOut, **ERRORS})
def exchange_get(request: HttpRequest, response: HttpResponse, reference: str) -> Any:
    actor = _actor(request)
    return _fresh(request, response, services.exchanged_case(actor, reference))


@router.get("/cases", response={200: CasePageOut, **ERRORS}, summary="A queue of cases")
def case_queue(request: HttpRequest, query: Query[QueueIn]) -> Any:
    actor = _actor(request)
    filters = selectors.QueueFilters(
        engagement=query.engagement,
        status=query.status,
        priority=query.priority,
        tier=query.tier,
        assignee_id=query.assignee_id,
        customer_id=query.customer_id,
        component=query.component,
        unassigned=query.unassigned,
        due=query.due,
        matching=search.matching_cases(actor, query.q) if query.q else None,
        sort=query.sort,
    )
    return queue_page(actor, filters, cursor=query.cursor, limit=query.limit)


def queue_page(
    actor: Person, filters: selectors.QueueFilters, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """One cursor page of a queue as the actor reads it (the case list and a saved view's)."""
    cases = selectors.after_cursor(
        selectors.case_queue(actor=actor, filters=filters), cursor, filters.sort
    )
    page = list(cases[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [audiences.case_read(actor, case) for case in page],
        "next_cursor": selectors.encode_cursor(page[-1], filters.sort) if more and page else None,
    }


# Before /cases/{case_id}: its pattern would take the word "bulk" for an id.
BulkOperation = enum.StrEnum(  # type: ignore[misc]
    "BulkOperation", {name: name for name in case_bulk.OPERATIONS}
)


class BulkIn(InSchema):
    case_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(
        ...,
        max_length=1000,
        description="The cases, at most CASEBRIDGE_BULK_LIMIT (50 by default); more is a 422.",
    )
    operation: BulkOperation
    assignee_id: int | None = Field(
        None, ge=1, le=2**62, description="assign: a colleague; leave out to unassign."
    )
    priority: str = Field("", max_length=2, description="priority: P1 … P4.")
    reason: str = Field("", max_length=300, description="priority: why.")
    audience: str = Field("", max_length=30, description="comment: who reads it.")
    body: str = Field("", max_length=50_000, description="comment: the message.")
    action: str = Field("", max_length=40, description="transition: the workflow action.")


class BulkRowOut(Schema):
    case_id: int
    number: str = Field(..., description="Empty when the case is not found.")
    done: bool
    detail: str
    fields: dict[str, list[str]]


class BulkOut(Schema):
    done: int
    refused: int
    results: list[BulkRowOut]


@router.post(
    "/cases/bulk",
    response={200: BulkOut, **ERRORS},
    summary="One operation over several cases, each decided by the policy on its own",
)
def bulk(request: HttpRequest, payload: BulkIn) -> Any:
    actor = _actor(request)
    assignee = None
    if payload.assignee_id is not None:
        try:
            assignee = party_selectors.access_person(actor, payload.assignee_id)
        except NotFound as error:
            raise ValidationFailed(
                "Nothing was changed.", fields={"assignee_id": error.detail}
            ) from error
    results = case_bulk.bulk_apply(
        actor=actor,
        request=case_bulk.BulkRequest(
            operation=payload.operation.value,
            case_ids=payload.case_ids,
            assignee=assignee,
            priority=payload.priority,
            reason=payload.reason,
            audience=payload.audience,
            body=payload.body,
            action=payload.action,
        ),
    )
    done = sum(1 for row in results if row.done)
    return {"done": done, "refused": len(results) - done, "results": results}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS})
def get_case(request: HttpRequest, response: HttpResponse, case_id: int) -> Any:
    actor = _actor(request)
    return _answer(actor, response, selectors.access_case(actor, case_id))


def _act(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    action: str,
    if_match: str | None,
    **values: Any,
) -> Case:
    actor = _actor(request)
    case = selectors.access_case(actor, case_id)
    revision = _revision(if_match)
    case = services.case_transition(
        actor=actor, case=case, action=action, expected_revision=revision, **values
    )
    return _fresh(request, response, case)


@router.post(
    "/cases/{case_id}/actions/escalate",
    response={200: CaseOut, **ERRORS},
    summary="Escalate to the vendor (the escalation gate lists every unmet rule)",
)
def escalate(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: CaseEscalateIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    return _act(request, response, case_id, "escalate", if_match, **payload.dict())


@router.post(
    "/cases/{case_id}/actions/return",
    response={200: CaseOut, **ERRORS},
    summary="Return the case to the partner, with the reason",
)
def return_case(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: CaseReturnIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    return _act(request, response, case_id, "return", if_match, **payload.dict())


@router.post(
    "/cases/{case_id}/actions/resolve",
    response={200: CaseOut, **ERRORS},
    summary="Resolve the case; a Priority 1 names its cause",
)
def resolve(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: CaseResolveIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    return _act(request, response, case_id, "resolve", if_match, **payload.dict())


@router.post(
    "/cases/{case_id}/actions/{action}",
    response={200: CaseOut, **ERRORS},
    summary="Perform a workflow action; send If-Match with the ETag to refuse stale writes",
)
def perform_action(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    action: PlainAction,
    payload: CaseActionIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    return _act(request, response, case_id, action.value, if_match, **payload.dict())


@router.get(
    "/cases/{case_id}/escalation-check",
    response={200: ReadinessOut, **ERRORS},
    summary="The escalation gate's checklist for the caller as submitter",
)
def escalation_check(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    readiness = escalation_readiness(selectors.access_case(actor, case_id), submitter=actor)
    return {
        "ready": readiness.ready,
        "checklist": [
            {"item": item, "ok": ok, "problem": problem}
            for item, ok, problem in readiness.checklist
        ],
        "problems": readiness.problems,
    }


@router.get("/cases/{case_id}/comments", response={200: list[CommentOut], **ERRORS})
def list_comments(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    return list(selectors.case_comments(actor=actor, case=selectors.access_case(actor, case_id)))


@router.post("/cases/{case_id}/comments", response={201: CommentOut, **ERRORS})
def add_comment(
    request: HttpRequest,
    case_id: int,
    payload: CommentIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    actor = _actor(request)
    comment = services.case_comment(
        actor=actor,
        case=selectors.access_case(actor, case_id),
        audience=payload.audience,
        body=payload.body,
        expected_revision=_revision(if_match),
    )
    return Status(201, comment)


@router.get("/cases/{case_id}/events", response={200: list[EventOut], **ERRORS})
def list_events(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    return audiences.timeline_read(actor, selectors.access_case(actor, case_id))


@router.post("/cases/{case_id}/phone-calls", response={201: PhoneCallOut, **ERRORS})
def log_phone_call(request: HttpRequest, case_id: int, payload: PhoneCallIn) -> Any:
    actor = _actor(request)
    call = services.case_log_phone_call(
        actor=actor,
        case=selectors.access_case(actor, case_id),
        caller_number=payload.caller_number,
        summary=payload.summary,
        called_at=payload.called_at,
    )
    return Status(201, call)


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    audience: Audience
    uploaded_by_id: int
    created_at: dt.datetime


class AssignIn(InSchema):
    engagement: EngagementKind
    assignee_id: int | None = None


@router.post(
    "/cases/{case_id}/attachments",
    response={201: AttachmentOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Attach evidence (multipart: file, audience); size and content type are checked",
)
def attach(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    audience: Form[Audience],
) -> Status[Any]:
    actor = _actor(request)
    attachment = services.case_attach(
        actor=actor, case=selectors.access_case(actor, case_id), upload=file, audience=audience
    )
    return Status(201, attachment)


@router.get("/cases/{case_id}/attachments", response={200: list[AttachmentOut], **ERRORS})
def list_attachments(request: HttpRequest, case_id: int) -> Any:
    actor = _actor(request)
    return list(selectors.case_attachments(actor=actor, case=selectors.access_case(actor, case_id)))


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}/content",
    response={200: None, **ERRORS},
    summary="Download an attachment (always as a download, never rendered inline)",
)
def download_attachment(request: HttpRequest, case_id: int, attachment_id: int) -> Any:
    attachment = selectors.access_attachment(_actor(request), case_id, attachment_id)
    return attachment_response(attachment)


@router.post("/cases/{case_id}/assign", response={200: CaseOut, **ERRORS})
def assign(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: AssignIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    actor = _actor(request)
    assignee = None
    if payload.assignee_id is not None:
        try:
            assignee = party_selectors.access_person(actor, payload.assignee_id)
        except NotFound as error:
            raise ValidationFailed(
                "The case was not assigned.", fields={"assignee_id": error.detail}
            ) from error
    case = services.case_assign(
        actor=actor,
        case=selectors.access_case(actor, case_id),
        engagement=payload.engagement,
        assignee=assignee,
        expected_revision=_revision(if_match),
    )
    return _fresh(request, response, case)


class PriorityIn(InSchema):
    priority: Priority
    reason: str = Field(..., max_length=300)


@router.post(
    "/cases/{case_id}/priority",
    response={200: CaseOut, **ERRORS},
    summary="Re-prioritise a case with a reason; send If-Match to refuse stale writes",
)
def change_priority(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: PriorityIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    actor = _actor(request)
    case = services.case_change_priority(
        actor=actor,
        case=selectors.access_case(actor, case_id),
        priority=payload.priority,
        reason=payload.reason,
        expected_revision=_revision(if_match),
    )
    return _fresh(request, response, case)


class AttributionIn(InSchema):
    attribution: CauseAttribution
    reason: str = Field(..., max_length=300)


@router.post(
    "/cases/{case_id}/attribution",
    response={200: CaseOut, **ERRORS},
    summary="Correct what caused the problem (a Priority 1's RCA is reassigned)",
)
def change_attribution(
    request: HttpRequest,
    response: HttpResponse,
    case_id: int,
    payload: AttributionIn,
    if_match: str | None = Header(None, alias="If-Match"),  # type: ignore[type-arg]
) -> Any:
    actor = _actor(request)
    case = services.case_set_attribution(
        actor=actor,
        case=selectors.access_case(actor, case_id),
        attribution=payload.attribution,
        reason=payload.reason,
        expected_revision=_revision(if_match),
    )
    return _fresh(request, response, case)
