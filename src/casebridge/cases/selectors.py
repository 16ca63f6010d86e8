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
    return cases.prefetch_related(
        Prefetch("engagements", queryset=Engagement.objects.order_by("kind"))
    ).order_by("-updated_at", "-id")


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.updated_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_cursor(cases: QuerySet[Case], cursor: str | None) -> QuerySet[Case]:
    """Keyset pagination on (updated_at, id) descending: stable under inserts."""
    if not cursor:
        return cases
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        updated, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = dt.datetime.fromisoformat(updated)
    except (ValueError, TypeError) as error:
        raise ValidationFailed(
            "The cursor is not one this API gave out.", fields={"cursor": "Invalid."}
        ) from error
    return cases.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, id__lt=pk))


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


def open_p1_cases(person: Person) -> QuerySet[Case]:
    """Open Priority 1 cases of the caller's organisation (for the 24x7 line's caller lookup)."""
    organisation = person.organisation_id
    return (
        Case.objects.filter(priority="P1", closed_at__isnull=True)
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
