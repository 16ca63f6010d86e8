"""Writes to cases. Each service: lock the case, check the revision, the workflow and the RASCI
policy, save, append the case event, record the outbox event; one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from casebridge.cases import workflow
from casebridge.cases.choices import (
    CAUSES,
    Audience,
    Category,
    CustomerStatus,
    EngagementKind,
    Frequency,
    Level,
    Priority,
    ReturnReason,
    VendorStatus,
)
from casebridge.cases.escalation import escalation_readiness
from casebridge.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Comment,
    Engagement,
    IdempotencyRecord,
    PhoneFollowUp,
    SeverityRule,
)
from casebridge.cases.querysets import audiences_for
from casebridge.cases.text import render_markdown
from casebridge.cases.uploads import SNIFF_BYTES, sniff
from casebridge.core import clock
from casebridge.core.errors import (
    Conflict,
    DomainError,
    PermissionDenied,
    ValidationFailed,
)
from casebridge.core.outbox import outbox_record
from casebridge.installed_base.models import Component, Installation
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import AuthorisedSubmitter, Organisation, Person
from casebridge.parties.phones import normalise_phone
from casebridge.rasci import policy
from casebridge.rasci.selectors import matrix_for


class StaleRevision(DomainError):
    """The case changed since the caller read it (HTTP 412)."""

    code = "stale_revision"
    status = 412


class IllegalAction(DomainError):
    """The action does not apply in the case's state (HTTP 409); ``fields`` name the allowed."""

    code = "illegal_transition"
    status = 409


GUIDELINE_FIELDS = (
    "expected_behaviour",
    "actual_behaviour",
    "error_messages",
    "steps_to_reproduce",
    "reproducible",
    "occurred_at",
    "frequency",
    "business_impact",
    "users_affected",
    "actions_taken",
    "causes_ruled_out",
    "evidence",
)


def priority_for(impact: str, urgency: str) -> str:
    rule = SeverityRule.objects.filter(impact=impact, urgency=urgency).first()
    if rule is None:
        raise ValidationFailed(
            "The severity matrix has no cell for this impact and urgency.",
            fields={"impact": f"No rule for {impact} x {urgency}."},
        )
    return rule.priority


def _event(
    case: Case,
    actor: Person | None,
    kind: str,
    *,
    engagement: str = "",
    audience: str = Audience.PUBLIC,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        occurred_at=clock.now(),
        actor=actor,
        actor_label="system" if actor is None else actor.email,
        kind=kind,
        engagement=engagement,
        audience=audience,
        before=dict(before or {}),
        after=dict(after or {}),
    )


def _next_number(year: int) -> str:
    """``CB-2026-000123``: a per-year counter under a row lock, so parallel opens never clash."""
    CaseSequence.objects.get_or_create(year=year)
    sequence = CaseSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"CB-{year}-{sequence.last:06d}"


def _clean_guidelines(values: Mapping[str, Any], fields: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in GUIDELINE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "frequency" and value not in ("", None, *Frequency.values):
            fields.setdefault(name, []).append(f"One of: {', '.join(Frequency.values)}.")
        if name == "causes_ruled_out":
            unknown = sorted(set(value or []) - set(CAUSES))
            if unknown:
                fields.setdefault(name, []).append(
                    f"Unknown: {', '.join(unknown)}; choose from {', '.join(CAUSES)}."
                )
            value = sorted(set(value or []))
        if name == "users_affected" and value is not None and int(value) < 0:
            fields.setdefault(name, []).append("Cannot be negative.")
        cleaned[name] = "" if value is None and name in {"frequency"} else value
    return cleaned


def _may_open_for(actor: Person, customer: Organisation) -> bool:
    """The customer's own people report; the desk that runs its Level 1 logs calls for it."""
    if actor.organisation_id == customer.pk:
        return True
    return policy.decide(actor, "support.l1", customer).allowed


@transaction.atomic
def case_open(
    *,
    actor: Person,
    customer: Organisation,
    title: str,
    description: str,
    category: str,
    impact: str,
    urgency: str,
    component: str | None = None,
    version: str = "",
    installation_id: int | None = None,
    priority_override: str | None = None,
    priority_override_reason: str = "",
    idempotency_key: str | None = None,
    guidelines: Mapping[str, Any] | None = None,
) -> tuple[Case, bool]:
    """Open a case; returns (case, created). A repeated Idempotency-Key returns the first case."""
    if idempotency_key:
        record = IdempotencyRecord.objects.filter(actor=actor, key=idempotency_key).first()
        if record is not None:
            return record.case, False
    if not actor.is_active or not _may_open_for(actor, customer):
        raise PermissionDenied("You may not open cases for this customer.")
    fields: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        fields.setdefault(name, []).append(message)

    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        problem("title", "Say in a line what is wrong.")
    elif len(title) > 200:
        problem("title", "At most 200 characters.")
    if not description:
        problem("description", "Describe the problem.")
    if category not in Category.values:
        problem("category", f"One of: {', '.join(Category.values)}.")
    for name, value in (("impact", impact), ("urgency", urgency)):
        if value not in Level.values:
            problem(name, f"One of: {', '.join(Level.values)}.")
    priority = ""
    if not fields.get("impact") and not fields.get("urgency"):
        priority = priority_for(impact, urgency)
    if priority_override:
        if priority_override not in Priority.values:
            problem("priority_override", f"One of: {', '.join(Priority.values)}.")
        elif not priority_override_reason.strip():
            problem("priority_override_reason", "Say why the priority differs from the matrix.")
        else:
            priority = priority_override
    component_row = None
    if component:
        component_row = Component.objects.filter(code=component).first()
        if component_row is None:
            problem("component", f"Unknown component {component!r}.")
    installation = None
    if installation_id is not None:
        installation = Installation.objects.filter(pk=installation_id, customer=customer).first()
        if installation is None:
            problem("installation_id", "No such installation at this customer.")
        else:
            component_row = installation.component
            version = version or installation.version
    extra = _clean_guidelines(guidelines or {}, fields)
    try:
        matrix = matrix_for(customer)
    except ValidationFailed as error:
        for name, messages in error.fields.items():
            fields.setdefault(name, []).extend(messages)
        matrix = None
    if fields or matrix is None:
        raise ValidationFailed("The case was not opened.", fields=fields)
    moment = clock.now()
    case = Case.objects.create(
        number=_next_number(moment.year),
        customer=customer,
        partner=matrix.relationship.partner,
        reporter=actor,
        title=title,
        description=description,
        category=category,
        impact=impact,
        urgency=urgency,
        priority=priority,
        priority_override_reason=priority_override_reason.strip() if priority_override else "",
        component=component_row,
        installation=installation,
        version=(version or "").strip(),
        matrix_version=matrix.version,
        **extra,
    )
    Engagement.objects.create(
        case=case,
        kind=EngagementKind.CUSTOMER,
        status=CustomerStatus.NEW,
        tier="l1_basic",
        opened_at=moment,
        status_changed_at=moment,
    )
    _event(
        case,
        actor,
        "opened",
        engagement=EngagementKind.CUSTOMER,
        after={"number": case.number, "priority": priority, "matrix_version": matrix.version.label},
    )
    if idempotency_key:
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    actor=actor, key=idempotency_key, case=case, created_at=moment
                )
        except IntegrityError as error:  # a concurrent retry won; this attempt is discarded
            raise Conflict(
                "A request with this Idempotency-Key is being processed; retry.",
                fields={"idempotency_key": "In use."},
            ) from error
    outbox_record(
        kind="case.opened",
        dedup_key=f"case.opened:{case.pk}",
        payload={"case_id": case.pk, "number": case.number, "priority": priority},
    )
    return case, True


def _lock(case: Case, expected_revision: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "partner", "matrix_version")
        .get(pk=case.pk)
    )
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(
            f"{locked.number} changed since you read it (revision {locked.revision}, you had "
            f"{expected_revision}). Reload and try again.",
            fields={"revision": f"Current revision is {locked.revision}."},
        )
    return locked


def _engagement(case: Case, kind: str) -> Engagement | None:
    return Engagement.objects.select_for_update().filter(case=case, kind=kind).first()


def _bump(case: Case, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(case, name, value)
    case.revision += 1
    case.save(update_fields=[*changes, "revision", "updated_at"])


def _authorise(actor: Person, case: Case, transition: workflow.Transition) -> None:
    decision = policy.decide(actor, transition.activity, case.customer, version=case.matrix_version)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    if not workflow.meets_level(actor.support_level, transition.level):
        raise PermissionDenied(
            f"{transition.label} needs someone working at {transition.level} or above."
        )


def _move(
    case: Case,
    engagement: Engagement,
    transition: workflow.Transition,
    actor: Person,
    reason: str,
    **details: Any,
) -> None:
    before = engagement.status
    moment = clock.now()
    engagement.status = transition.target
    engagement.status_changed_at = moment
    if transition.target in workflow.FINAL[engagement.kind]:
        engagement.closed_at = moment
    elif engagement.closed_at is not None:
        engagement.closed_at = None
    engagement.save(update_fields=["status", "status_changed_at", "closed_at", "updated_at"])
    _event(
        case,
        actor,
        transition.action,
        engagement=engagement.kind,
        audience=Audience.PUBLIC
        if engagement.kind == EngagementKind.CUSTOMER
        else Audience.PARTNER_VENDOR,
        before={"status": before},
        after={"status": transition.target, **({"reason": reason} if reason else {}), **details},
    )


def _reopen_window_open(case: Case, engagement: Engagement) -> bool:
    if engagement.status != CustomerStatus.CLOSED or engagement.closed_at is None:
        return True
    window = dt.timedelta(days=settings.CASEBRIDGE_REOPEN_WINDOW_DAYS)
    return clock.now() - engagement.closed_at <= window


@transaction.atomic
def case_act(
    *,
    actor: Person,
    case: Case,
    action: str,
    expected_revision: int | None,
    reason: str = "",
    return_reason: str | None = None,
) -> Case:
    """Perform one workflow action (everything except escalating, which has its own gate)."""
    case = _lock(case, expected_revision)
    if action not in workflow.ACTIONS:
        raise ValidationFailed(
            f"{action!r} is not an action.",
            fields={"action": f"One of: {', '.join(sorted(workflow.ACTIONS))}."},
        )
    if action == "escalate":
        raise ValidationFailed(
            "Escalation goes through the escalation gate.", fields={"action": "Use escalate."}
        )
    kind = workflow.engagement_of(action)
    engagement = _engagement(case, kind)
    if engagement is None:
        raise IllegalAction(f"{case.number} has no {kind} engagement yet.", fields={"allowed": []})
    try:
        transition = workflow.transition_for(kind, engagement.status, action)
    except workflow.IllegalTransition as error:
        raise IllegalAction(
            f"{action!r} is not possible while the {kind} engagement is {engagement.status}; "
            f"possible: {', '.join(error.allowed) or 'nothing'}.",
            fields={"allowed": error.allowed},
        ) from error
    _authorise(actor, case, transition)
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ValidationFailed(
            f"{transition.label} needs a reason.", fields={"reason": "Required."}
        )
    details: dict[str, Any] = {}
    if action == "return":
        if return_reason not in ReturnReason.values:
            raise ValidationFailed(
                "Say why the case goes back.",
                fields={"return_reason": f"One of: {', '.join(ReturnReason.values)}."},
            )
        details["return_reason"] = return_reason
    pending_override = (
        action == "accept" and case.version_override_request and case.version_override_by_id is None
    )
    if pending_override and not reason:
        raise ValidationFailed(
            "Accepting a case on an unsupported version overrides the upgrade rule: say why.",
            fields={"reason": "Required to accept despite the version."},
        )
    if action == "reopen" and not _reopen_window_open(case, engagement):
        raise IllegalAction(
            f"{case.number} was closed too long ago to reopen; open a new case.",
            fields={"allowed": []},
        )
    _move(case, engagement, transition, actor, reason, **details)
    changes: dict[str, Any] = {}
    customer_side = _engagement(case, EngagementKind.CUSTOMER)
    assert customer_side is not None
    if action == "return":
        # The vendor sends it back: the customer engagement is worked again at the desk.
        _move_customer(
            case, customer_side, CustomerStatus.IN_PROGRESS, actor, "returned by the vendor"
        )
        changes["tier"] = "l2_intermediate"
    elif action == "resubmit":
        _move_customer(case, customer_side, CustomerStatus.ESCALATED, actor, "submitted again")
        changes["tier"] = "l2_advanced"
    elif action == "accept" and pending_override:
        changes["version_override_by"] = actor
        changes["version_override_reason"] = reason
        _event(
            case,
            actor,
            "version_override_granted",
            engagement=EngagementKind.VENDOR,
            audience=Audience.PARTNER_VENDOR,
            after={"version": case.version, "reason": reason},
        )
    elif action == "to_expert":
        changes["tier"] = "l3_expert"
    elif action == "to_advanced":
        changes["tier"] = "l2_advanced"
    elif action == "confirm":
        _move_customer(
            case, customer_side, CustomerStatus.SOLUTION_PROPOSED, actor, "vendor solution"
        )
    elif action == "close":
        changes["closed_at"] = clock.now()
    elif action == "reopen":
        changes["closed_at"] = None
    _bump(case, **changes)
    outbox_record(
        kind=f"case.{action}",
        payload={"case_id": case.pk, "number": case.number, "revision": case.revision},
    )
    return case


def _move_customer(
    case: Case, engagement: Engagement, target: str, actor: Person, why: str
) -> None:
    """A consequence on the customer side of a vendor-side step (not a user action)."""
    before = engagement.status
    engagement.status = target
    engagement.status_changed_at = clock.now()
    engagement.save(update_fields=["status", "status_changed_at", "updated_at"])
    _event(
        case,
        actor,
        "status_followed",
        engagement=EngagementKind.CUSTOMER,
        before={"status": before},
        after={"status": target, "why": why},
    )


@transaction.atomic
def case_escalate(
    *,
    actor: Person,
    case: Case,
    expected_revision: int | None,
    overridden_by: Person | None = None,
    override_reason: str = "",
    version_override_request: str = "",
) -> Case:
    """Send a fully detailed case to the vendor; every unmet rule of the gate is listed at once.

    With ``version_override_request`` an unsupported version may go through: the vendor
    engineer who accepts the case then grants the override with a reason, or returns it."""
    case = _lock(case, expected_revision)
    customer_side = _engagement(case, EngagementKind.CUSTOMER)
    assert customer_side is not None
    try:
        transition = workflow.transition_for(
            EngagementKind.CUSTOMER, customer_side.status, "escalate"
        )
    except workflow.IllegalTransition as error:
        raise IllegalAction(
            f"A case is escalated while in progress, not while {customer_side.status}.",
            fields={"allowed": error.allowed},
        ) from error
    _authorise(actor, case, transition)
    if Engagement.objects.filter(case=case, kind=EngagementKind.VENDOR).exists():
        raise IllegalAction(f"{case.number} is already with the vendor.", fields={"allowed": []})
    request = (version_override_request or "").strip()[:500]
    readiness = escalation_readiness(
        case,
        submitter=actor,
        overridden_by=overridden_by,
        override_reason=override_reason,
        override_request=request,
    )
    if not readiness.ready:
        raise ValidationFailed(
            f"{case.number} cannot go to the vendor yet: {len(readiness.problems)} rule(s) unmet.",
            fields=readiness.problems,
            code="escalation_gate",
        )
    moment = clock.now()
    _move(case, customer_side, transition, actor, "", gate=readiness.gate_outcome)
    Engagement.objects.create(
        case=case,
        kind=EngagementKind.VENDOR,
        status=VendorStatus.SUBMITTED,
        tier="l2_advanced",
        opened_at=moment,
        status_changed_at=moment,
    )
    _event(
        case,
        actor,
        "submitted",
        engagement=EngagementKind.VENDOR,
        audience=Audience.PARTNER_VENDOR,
        after={"status": VendorStatus.SUBMITTED, "submitter": actor.email},
    )
    _bump(
        case,
        submitter=actor,
        escalated_at=moment,
        tier="l2_advanced",
        version_override_request=request if readiness.gate_outcome == "override_requested" else "",
    )
    outbox_record(
        kind="case.escalated",
        dedup_key=f"case.escalated:{case.pk}:{case.revision}",
        payload={"case_id": case.pk, "number": case.number, "priority": case.priority},
    )
    return case


@transaction.atomic
def case_comment(
    *, actor: Person, case: Case, audience: str, body: str, expected_revision: int | None = None
) -> Comment:
    """Add a message for an audience the actor's party may write to."""
    case = _lock(case, expected_revision)
    partner_in_between = case.partner_id is not None
    fields: dict[str, str] = {}
    if audience not in Audience.values:
        fields["audience"] = f"One of: {', '.join(Audience.values)}."
    elif audience not in audiences_for(actor, partner_in_between=partner_in_between):
        fields["audience"] = "Your organisation cannot write to this audience."
    if not (body or "").strip():
        fields["body"] = "Write something."
    elif len(body) > 50_000:
        fields["body"] = "At most 50,000 characters."
    if fields:
        raise ValidationFailed("The message was not added.", fields=fields)
    if audience == Audience.PUBLIC and actor.organisation.kind != OrganisationKind.CUSTOMER:
        # Writing to the customer is the customer.communicate activity: in model 1 the vendor
        # holds I for it and so never writes to the customer directly.
        decision = policy.decide(
            actor, "customer.communicate", case.customer, version=case.matrix_version
        )
        if not decision.may_contribute:
            raise PermissionDenied(decision.reason)
    comment = Comment.objects.create(
        case=case,
        author=actor,
        audience=audience,
        body=body,
        body_html=render_markdown(body),
        created_at=clock.now(),
    )
    _event(case, actor, "commented", audience=audience, after={"comment_id": comment.pk})
    customer_side = _engagement(case, EngagementKind.CUSTOMER)
    if (
        customer_side is not None
        and customer_side.status == CustomerStatus.WAITING_ON_CUSTOMER
        and actor.organisation_id == case.customer_id
    ):
        _move_customer(
            case, customer_side, CustomerStatus.IN_PROGRESS, actor, "the customer replied"
        )
    _bump(case)
    outbox_record(
        kind="case.commented",
        payload={"case_id": case.pk, "comment_id": comment.pk, "audience": audience},
    )
    return comment


@transaction.atomic
def case_log_phone_call(
    *,
    actor: Person,
    case: Case,
    caller_number: str,
    summary: str,
    called_at: dt.datetime | None = None,
) -> PhoneFollowUp:
    """Log a follow-up call on the 24x7 line (activity ``case.p1_follow_up``)."""
    case = _lock(case, None)
    decision = policy.decide(actor, "case.p1_follow_up", case.customer, version=case.matrix_version)
    if not decision.may_contribute:
        raise PermissionDenied(decision.reason)
    fields: dict[str, list[str]] = {}
    try:
        number = normalise_phone(caller_number, field="caller_number")
    except ValidationFailed as error:
        fields.update(error.fields)
        number = ""
    if not (summary or "").strip():
        fields["summary"] = ["Summarise the call."]
    moment = called_at or clock.now()
    if moment > clock.now() + dt.timedelta(minutes=5):
        fields["called_at"] = ["A call cannot be in the future."]
    if fields:
        raise ValidationFailed("The call was not logged.", fields=fields)
    submitter = (
        AuthorisedSubmitter.objects.filter(phone=number, active=True)
        .select_related("person")
        .first()
    )
    call = PhoneFollowUp.objects.create(
        case=case,
        caller=submitter.person if submitter else None,
        caller_number=number,
        called_at=moment,
        summary=summary.strip(),
        logged_by=actor,
    )
    _event(
        case,
        actor,
        "phone_call",
        audience=Audience.PARTNER_VENDOR,
        after={"caller_number": number, "call_id": call.pk},
    )
    _bump(case)
    return call


def can_edit_details(actor: Person, case: Case) -> bool:
    """The customer's own people, and whoever runs its Level 1 or submits its cases."""
    if actor.organisation_id == case.customer_id:
        return True
    return any(
        policy.decide(actor, activity, case.customer, version=case.matrix_version).allowed
        for activity in ("support.l1", "case.submit")
    )


DETAIL_FIELDS = ("title", "description", "component", "version", *GUIDELINE_FIELDS)


@transaction.atomic
def case_update_details(
    *, actor: Person, case: Case, expected_revision: int | None, changes: Mapping[str, Any]
) -> Case:
    """Fill in or correct the case's description and guideline fields before escalation."""
    case = _lock(case, expected_revision)
    if not can_edit_details(actor, case):
        raise PermissionDenied("You may not change this case's details.")
    fields: dict[str, list[str]] = {}
    unknown = sorted(set(changes) - set(DETAIL_FIELDS))
    if unknown:
        fields["fields"] = [f"Not editable: {', '.join(unknown)}."]
    values = _clean_guidelines(changes, fields)
    if "title" in changes:
        values["title"] = (changes["title"] or "").strip()
        if not values["title"] or len(values["title"]) > 200:
            fields.setdefault("title", []).append("Between 1 and 200 characters.")
    if "description" in changes:
        values["description"] = (changes["description"] or "").strip()
        if not values["description"]:
            fields.setdefault("description", []).append("Describe the problem.")
    if "version" in changes:
        values["version"] = (changes["version"] or "").strip()[:40]
    if "component" in changes:
        code = changes["component"] or None
        if code is not None and not Component.objects.filter(code=code).exists():
            fields.setdefault("component", []).append(f"Unknown component {code!r}.")
        values["component_id"] = code
    if fields:
        raise ValidationFailed("The case was not changed.", fields=fields)
    before = {name: _jsonable(getattr(case, name)) for name in values}
    after = {name: _jsonable(value) for name, value in values.items()}
    changed_names = [name for name in values if before[name] != after[name]]
    if not changed_names:
        return case
    _event(
        case,
        actor,
        "details_changed",
        audience=Audience.PUBLIC,
        before={name: before[name] for name in changed_names},
        after={name: after[name] for name in changed_names},
    )
    _bump(case, **{name: values[name] for name in changed_names})
    return case


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


class UploadTooLarge(DomainError):
    code = "too_large"
    status = 413


class UnsupportedUpload(DomainError):
    code = "unsupported_type"
    status = 415


@transaction.atomic
def case_attach(*, actor: Person, case: Case, upload: UploadedFile, audience: str) -> Attachment:
    """Store evidence for an audience; size and sniffed type are checked before anything is kept."""
    case = _lock(case, None)
    if audience not in audiences_for(actor, partner_in_between=case.partner_id is not None):
        raise ValidationFailed(
            "The file was not attached.",
            fields={"audience": "Your organisation cannot share with this audience."},
        )
    limit = settings.CASEBRIDGE_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise UploadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MiB.",
            fields={"file": f"At most {limit} bytes."},
        )
    if upload.size == 0:
        raise ValidationFailed("The file is empty.", fields={"file": "Empty."})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    verdict = sniff(upload.name or "", head)
    if not verdict.allowed:
        raise UnsupportedUpload(verdict.problem, fields={"file": verdict.problem})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case=case,
        uploaded_by=actor,
        audience=audience,
        original_name=PurePath(upload.name or "file").name[:255],
        content_type=verdict.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        created_at=clock.now(),
    )
    attachment.file.save(attachment.original_name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # never keep a file without its row
        raise
    _event(
        case,
        actor,
        "attached",
        audience=audience,
        after={"attachment_id": attachment.pk, "name": attachment.original_name},
    )
    _bump(case)
    return attachment


@transaction.atomic
def case_assign(
    *,
    actor: Person,
    case: Case,
    engagement: str,
    assignee: Person | None,
    expected_revision: int | None = None,
) -> Case:
    """Give one side of the case to a person of the organisation that works that side."""
    case = _lock(case, expected_revision)
    side = _engagement(case, engagement)
    if side is None:
        raise IllegalAction(
            f"{case.number} has no {engagement} engagement.", fields={"allowed": []}
        )
    activity = "support.l1" if engagement == EngagementKind.CUSTOMER else "support.l2_advanced_l3"
    decision = policy.decide(actor, activity, case.customer, version=case.matrix_version)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    if assignee is not None and (
        not assignee.is_active or assignee.organisation_id != actor.organisation_id
    ):
        raise ValidationFailed(
            "The case was not assigned.",
            fields={"assignee_id": "Assign to an active colleague of your organisation."},
        )
    before = side.assignee_id
    side.assignee = assignee
    side.save(update_fields=["assignee", "updated_at"])
    _event(
        case,
        actor,
        "assigned",
        engagement=engagement,
        audience=Audience.PARTNER_VENDOR,
        before={"assignee_id": before},
        after={"assignee_id": assignee.pk if assignee else None},
    )
    _bump(case, assignee=assignee)
    return case
