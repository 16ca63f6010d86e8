"""Reads of cases: one case through the caller's scope, queues with cursor pagination, the
timeline and the conversation as the caller may see them."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from casebridge.cases import workflow
from casebridge.cases.choices import EngagementKind
from casebridge.cases.models import Attachment, Case, CaseEvent, Comment, Engagement
from casebridge.cases.querysets import audiences_for
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.models import Person
from casebridge.rasci import policy


def access_case(actor: Person, case_id: int) -> Case:
    """The case if the actor may see it; missing and forbidden both answer 404."""
    case = (
        Case.objects.visible_to(actor)
        .select_related(
            "customer", "partner", "reporter", "component", "matrix_version", "assignee"
        )
        .prefetch_related("engagements")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    return case


@dataclass(frozen=True)
class QueueFilters:
    status: str | None = None
    engagement: str = EngagementKind.CUSTOMER
    priority: str | None = None
    tier: str | None = None
    assignee_id: int | None = None
    customer_id: int | None = None
    component: str | None = None
    sort: str = "updated"


#: Queue orders: newest change first, newest case first, or most urgent first.
SORTS = {
    "updated": ("-updated_at", "-id"),
    "created": ("-created_at", "-id"),
    "priority": ("priority", "-updated_at", "-id"),
}


def case_queue(*, actor: Person, filters: QueueFilters) -> QuerySet[Case]:
    """The cases the actor may see, filtered, newest change first."""
    cases = Case.objects.visible_to(actor).select_related(
        "customer", "partner", "assignee", "matrix_version"
    )
    if filters.status:
        cases = cases.filter(
            engagements__kind=filters.engagement, engagements__status=filters.status
        )
    elif filters.engagement == EngagementKind.VENDOR:
        cases = cases.filter(engagements__kind=EngagementKind.VENDOR)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.tier:
        cases = cases.filter(tier=filters.tier)
    if filters.assignee_id is not None:
        cases = cases.filter(assignee_id=filters.assignee_id)
    if filters.customer_id is not None:
        cases = cases.filter(customer_id=filters.customer_id)
    if filters.component:
        cases = cases.filter(component_id=filters.component)
    if filters.sort not in SORTS:
        raise ValidationFailed("Unknown order.", fields={"sort": f"One of: {', '.join(SORTS)}."})
    return cases.prefetch_related(
        Prefetch("engagements", queryset=Engagement.objects.order_by("kind"))
    ).order_by(*SORTS[filters.sort])


def encode_cursor(case: Case, sort: str = "updated") -> str:
    """An opaque position after ``case`` in the queue's order."""
    key = [case.updated_at.isoformat(), case.created_at.isoformat(), case.priority, case.pk]
    raw = json.dumps([sort, *key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_cursor(
    cases: QuerySet[Case], cursor: str | None, sort: str = "updated"
) -> QuerySet[Case]:
    """Keyset pagination in the queue's order: stable while cases are added or changed."""
    if not cursor:
        return cases
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, updated, created, priority, pk = json.loads(
            base64.urlsafe_b64decode(padded.encode())
        )
        updated_at = dt.datetime.fromisoformat(updated)
        created_at = dt.datetime.fromisoformat(created)
    except (ValueError, TypeError) as error:
        raise ValidationFailed(
            "The cursor is not one this API gave out.", fields={"cursor": "Invalid."}
        ) from error
    if cursor_sort != sort:
        raise ValidationFailed(
            "The cursor belongs to another order.", fields={"cursor": "Restart without it."}
        )
    newer_first = Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk)
    if sort == "created":
        return cases.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    if sort == "priority":
        return cases.filter(Q(priority__gt=priority) | (Q(priority=priority) & newer_first))
    return cases.filter(newer_first)


def case_comments(*, actor: Person, case: Case) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(case=case)
        .visible_to(actor, partner_in_between=case.partner_id is not None)
        .select_related("author__organisation")
        .order_by("created_at", "id")
    )


def case_timeline(*, actor: Person, case: Case) -> QuerySet[CaseEvent]:
    audiences = audiences_for(actor, partner_in_between=case.partner_id is not None)
    return CaseEvent.objects.filter(case=case, audience__in=audiences).order_by("occurred_at", "id")


def allowed_actions(*, actor: Person, case: Case) -> list[str]:
    """The workflow actions the actor may perform on the case now (for buttons and the API)."""
    engagements = {e.kind: e for e in case.engagements.all()}
    allowed = []
    for kind, engagement in engagements.items():
        for transition in workflow.available(kind, engagement.status):
            if transition.action == "escalate" and EngagementKind.VENDOR in engagements:
                continue
            if not workflow.meets_level(actor.support_level, transition.level):
                continue
            decision = policy.decide(
                actor, transition.activity, case.customer, version=case.matrix_version
            )
            if decision.allowed:
                allowed.append(transition.action)
    return allowed


def open_p1_cases(*, caller: Person, actor: Person) -> QuerySet[Case]:
    """Open Priority 1 cases of the caller's organisation that the actor may see (for the 24x7
    line's caller lookup)."""
    organisation = caller.organisation_id
    return (
        Case.objects.visible_to(actor)
        .filter(priority="P1", closed_at__isnull=True)
        .filter(Q(customer_id=organisation) | Q(partner_id=organisation))
        .order_by("-created_at")
    )


def case_attachments(*, actor: Person, case: Case) -> QuerySet[Attachment]:
    audiences = audiences_for(actor, partner_in_between=case.partner_id is not None)
    return (
        Attachment.objects.filter(case=case, audience__in=audiences)
        .select_related("uploaded_by")
        .order_by("created_at", "id")
    )


def access_attachment(actor: Person, case_id: int, attachment_id: int) -> Attachment:
    """An attachment of a visible case, for an audience the actor reads; else 404."""
    case = access_case(actor, case_id)
    attachment = case_attachments(actor=actor, case=case).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    return attachment
