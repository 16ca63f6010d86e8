"""Reads of cases: one case through the caller's scope, queues with cursor pagination, the
timeline and the conversation as the caller may see them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from casebridge.cases import workflow
from casebridge.cases.choices import CustomerStatus, EngagementKind
from casebridge.cases.clocks import (
    EventFact,
    PolicyFor,
    Reading,
    engagement_clocks,
    history_of,
)
from casebridge.cases.models import Attachment, Case, CaseClock, CaseEvent, Comment, Engagement
from casebridge.cases.querysets import audiences_for
from casebridge.core import clock
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.choices import OrganisationKind, SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.selectors import submitter_state
from casebridge.rasci import policy
from casebridge.rasci.selectors import customer_relationship
from casebridge.sla.calendar import closed_working_days
from casebridge.sla.choices import ClockStatus
from casebridge.sla.clock import counted_intervals
from casebridge.sla.selectors import Policy, PolicyBook

#: A case number as people type it: ``CB-2026-000123``, any case, surrounding spaces allowed.
CASE_NUMBER = re.compile(r"^\s*([A-Za-z]{1,6}-\d{4}-\d{1,9})\s*$")


def case_number_in(text: str) -> str | None:
    """The case number ``text`` is, upper-cased, or None when it is something else."""
    match = CASE_NUMBER.match(text or "")
    return match.group(1).upper() if match else None


def access_case_by_number(actor: Person, number: str) -> Case:
    """The case numbered ``number`` if the actor may see it; missing and forbidden both 404."""
    case_id = (
        Case.objects.visible_to(actor).filter(number=number).values_list("pk", flat=True).first()
    )
    if case_id is None:
        raise NotFound(f"No case {number} that you can see.")
    return access_case(actor, case_id)


def access_case(actor: Person, case_id: int) -> Case:
    """The case if the actor may see it; missing and forbidden both answer 404."""
    case = (
        Case.objects.visible_to(actor)
        .select_related(
            "customer",
            "partner",
            "reporter",
            "component",
            "matrix_version__operating_model",
            "assignee",
        )
        .prefetch_related("engagements")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.")
    return case


def case_links(actor: Person, case: Case) -> tuple[Case | None, list[Case]]:
    """The closed case ``case`` follows up and the cases that follow it up, those the actor
    may see (one query, two with a follow-up link)."""
    earlier = None
    if case.follow_up_of_id is not None:
        earlier = Case.objects.visible_to(actor).filter(pk=case.follow_up_of_id).first()
    later = list(
        Case.objects.visible_to(actor).filter(follow_up_of=case).order_by("created_at", "id")
    )
    return earlier, later


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
    #: Leave closed cases out (the portal's default queue; a chosen status still shows them).
    open_only: bool = False
    #: Only the cases nobody is assigned.
    unassigned: bool = False
    #: "overdue": the queue side's next due time has passed; "soon": it falls within
    #: :data:`DUE_SOON` (overdue ones included).
    due: str | None = None
    #: Only the cases among these ids (a subquery of ``case_id``: a text search's matches,
    #: :func:`casebridge.cases.search.matching_cases`).
    matching: QuerySet[Any] | None = None


#: How far ahead a due time counts as "due soon" (the home page's view and the queue's filter).
DUE_SOON = dt.timedelta(hours=4)
#: The values of the queue's due filter.
DUE_FILTERS = {"soon": "Due within 4 hours or overdue", "overdue": "Overdue"}


#: Queue orders: newest change first, newest case first, most urgent first, or the next due
#: time on the queue's side first (cases with nothing due last).
SORTS = {
    "updated": ("-updated_at", "-id"),
    "created": ("-created_at", "-id"),
    "priority": ("priority", "-updated_at", "-id"),
    "due": (F("next_due_at").asc(nulls_last=True), "id"),
}
#: The case columns that copy each engagement's status and next due time (the queue keys).
STATUS_COLUMN: dict[str, str] = {
    EngagementKind.CUSTOMER: "customer_status",
    EngagementKind.VENDOR: "vendor_status",
}
DUE_COLUMN: dict[str, str] = {
    EngagementKind.CUSTOMER: "customer_due_at",
    EngagementKind.VENDOR: "vendor_due_at",
}


def queue_cases(*, actor: Person, filters: QueueFilters) -> QuerySet[Case]:
    """The cases of a queue, filtered but neither annotated nor ordered (for counting)."""
    cases = Case.objects.visible_to(actor)
    if filters.engagement not in STATUS_COLUMN:
        raise ValidationFailed(
            "Unknown engagement.", fields={"engagement": f"One of: {', '.join(STATUS_COLUMN)}."}
        )
    if filters.open_only and not filters.status:
        cases = cases.filter(closed_at__isnull=True)
    if filters.status:
        cases = cases.filter(**{STATUS_COLUMN[filters.engagement]: filters.status})
    elif filters.engagement == EngagementKind.VENDOR:
        cases = cases.exclude(vendor_status="")
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.tier:
        cases = cases.filter(tier=filters.tier)
    if filters.assignee_id is not None:
        cases = cases.filter(assignee_id=filters.assignee_id)
    elif filters.unassigned:
        cases = cases.filter(assignee__isnull=True)
    if filters.due:
        if filters.due not in DUE_FILTERS:
            raise ValidationFailed(
                "Unknown due filter.", fields={"due": f"One of: {', '.join(DUE_FILTERS)}."}
            )
        now = clock.now()
        limit = now if filters.due == "overdue" else now + DUE_SOON
        cases = cases.filter(**{f"{DUE_COLUMN[_side(actor, filters)]}__lte": limit})
    if filters.customer_id is not None:
        cases = cases.filter(customer_id=filters.customer_id)
    if filters.component:
        cases = cases.filter(component_id=filters.component)
    if filters.matching is not None:
        cases = cases.filter(pk__in=filters.matching)
    return cases


def _side(actor: Person, filters: QueueFilters) -> str:
    """The engagement whose due times a queue shows: a customer's view of a case is always
    the customer engagement."""
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return EngagementKind.CUSTOMER
    return filters.engagement


def queue_count(*, actor: Person, filters: QueueFilters) -> int:
    return queue_cases(actor=actor, filters=filters).count()


def case_queue(*, actor: Person, filters: QueueFilters) -> QuerySet[Case]:
    """The cases the actor may see, filtered and ordered; every filter is a column of the case
    row, so a partner's or the vendor's queue by status, priority and due time is one range of
    an index."""
    # Only what a queue row shows (the customer's name, the matrix label): every joined row
    # is decoded for each of the page's cases.
    cases = queue_cases(actor=actor, filters=filters).select_related("customer", "matrix_version")
    if filters.sort not in SORTS:
        raise ValidationFailed("Unknown order.", fields={"sort": f"One of: {', '.join(SORTS)}."})
    side = _side(actor, filters)
    # Which clock is due next, read per row of the page through the clock's unique index.
    due = CaseClock.objects.filter(
        case=OuterRef("pk"),
        engagement=side,
        status__in=(ClockStatus.RUNNING, ClockStatus.BREACHED),
        due_at__isnull=False,
    ).order_by("due_at")
    annotated = cases.annotate(
        next_due_at=F(DUE_COLUMN[side]),
        next_due_metric=Subquery(due.values("metric")[:1]),
    )
    # django-stubs loses the model type through annotate() with subqueries.
    return cast(
        "QuerySet[Case]",
        annotated.prefetch_related(
            Prefetch("engagements", queryset=Engagement.objects.order_by("kind"))
        ).order_by(*SORTS[filters.sort]),
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def encode_cursor(case: Case, sort: str = "updated") -> str:
    """An opaque position after ``case`` (a row of :func:`case_queue`) in the queue's order."""
    key = [
        _iso(case.updated_at),
        _iso(case.created_at),
        case.priority,
        case.pk,
        _iso(getattr(case, "next_due_at", None)),
    ]
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
        cursor_sort, updated, created, priority, pk, due = json.loads(
            base64.urlsafe_b64decode(padded.encode())
        )
        updated_at = dt.datetime.fromisoformat(updated)
        created_at = dt.datetime.fromisoformat(created)
        due_at = dt.datetime.fromisoformat(due) if due is not None else None
        if not isinstance(pk, int):
            raise TypeError("the position is not a case")
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
    if sort == "due":
        nothing_due_after = Q(next_due_at__isnull=True, id__gt=pk)
        if due_at is None:
            return cases.filter(nothing_due_after)
        return cases.filter(
            Q(next_due_at__gt=due_at)
            | Q(next_due_at=due_at, id__gt=pk)
            | Q(next_due_at__isnull=True)
        )
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
    return (
        CaseEvent.objects.filter(case=case, audience__in=audiences)
        .select_related("actor__organisation")
        .order_by("occurred_at", "id")
    )


def allowed_actions(*, actor: Person, case: Case) -> list[str]:
    """The workflow actions the actor may perform on the case now (for buttons and the API)."""
    engagements = {e.kind: e for e in case.engagements.all()}
    candidates = [
        transition
        for kind, engagement in engagements.items()
        for transition in workflow.available(kind, engagement.status)
        # A step that opens an engagement the case already has is not offered (the table says).
        if transition.opens not in engagements
        and workflow.meets_level(actor.support_level, transition.level)
    ]
    if not candidates:
        return []
    decisions = policy.decide_each(
        actor,
        sorted({t.activity for t in candidates}),
        case.customer,
        version=case.matrix_version,
    )
    allowed = [t for t in candidates if decisions[t.activity].allowed]
    if any(t.authorised_submitter for t in allowed) and (
        submitter_state(actor) != SubmitterState.AUTHORISED
    ):
        # Escalating and submitting again are for verified authorised submitters only: the
        # others are not offered the step (the gate would refuse it).
        allowed = [t for t in allowed if not t.authorised_submitter]
    return [t.action for t in allowed]


def open_p1_cases(*, caller: Person, actor: Person) -> QuerySet[Case]:
    """Open Priority 1 cases of the caller's organisation that the actor may see (for the 24x7
    line's caller lookup): neither closed nor resolved."""
    organisation = caller.organisation_id
    return (
        Case.objects.visible_to(actor)
        .filter(priority="P1", closed_at__isnull=True)
        .exclude(customer_status=CustomerStatus.RESOLVED)
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


# --- Service-level clocks (recomputed from the history; see casebridge.cases.clocks) ---


#: The event kinds a clock reads; everything else in the history is ignored.
CLOCK_EVENT_KINDS = frozenset(
    {"opened", "submitted", "priority_changed", "commented", "status_followed", *workflow.ACTIONS}
)


@dataclass(frozen=True)
class CaseTerms:
    """Which plans a case's engagements run on, and where the customer is."""

    customer_plan: str
    vendor_plan: str
    time_zone: str
    country: str

    def plan_of(self, engagement: str) -> str:
        return self.customer_plan if engagement == EngagementKind.CUSTOMER else self.vendor_plan


def case_terms(case: Case) -> CaseTerms:
    relationship = customer_relationship(case.customer_id)
    if relationship is None:  # a customer without terms runs on the first plan's defaults
        return CaseTerms("standard", "standard", "UTC", "")
    partner_plan = relationship.partner.vendor_plan_id if relationship.partner else None
    return CaseTerms(
        customer_plan=relationship.support_plan_id,
        vendor_plan=partner_plan or relationship.support_plan_id,
        time_zone=relationship.time_zone,
        country=relationship.country,
    )


def case_facts(case: Case) -> list[EventFact]:
    """The events a clock reads, in order (one query on the case-event index)."""
    return case_facts_of([case.pk]).get(case.pk, [])


def _facts(events: QuerySet[CaseEvent]) -> Iterable[tuple[int, EventFact]]:
    rows = events.filter(kind__in=CLOCK_EVENT_KINDS).values_list(
        "id",
        "case_id",
        "occurred_at",
        "kind",
        "engagement",
        "audience",
        "after",
        "actor__organisation__kind",
    )
    for pk, case_id, at, kind, engagement, audience, after, side in rows:
        yield (
            case_id,
            EventFact(
                at=at,
                kind=kind,
                engagement=engagement,
                audience=audience,
                after=after,
                actor_side=side or "",
                id=pk,
            ),
        )


def case_facts_of(case_ids: list[int]) -> dict[int, list[EventFact]]:
    """The clock facts of several cases in one query, by case, each in order."""
    events = CaseEvent.objects.filter(case_id__in=case_ids).order_by("case_id", "occurred_at", "id")
    facts: dict[int, list[EventFact]] = {}
    for case_id, fact in _facts(events):
        facts.setdefault(case_id, []).append(fact)
    return facts


def case_facts_since(case: Case, event_id: int) -> list[EventFact]:
    """The case's clock facts from the event ``event_id`` on, in the order they were written (one
    query on the case's events): what a write adds to the clocks it stored."""
    events = CaseEvent.objects.filter(case=case, pk__gte=event_id).order_by("id")
    return [fact for _, fact in _facts(events)]


def case_policies(case: Case, *, book: PolicyBook, terms: CaseTerms) -> dict[str, PolicyFor]:
    """The policy lookup of each engagement of the case: its plan at a priority."""

    def lookup(plan: str) -> PolicyFor:
        def policy_for(priority: str) -> Policy | None:
            return book.policy(plan, priority, time_zone=terms.time_zone, country=terms.country)

        return policy_for

    return {engagement: lookup(terms.plan_of(engagement)) for engagement in EngagementKind}


def case_readings(
    case: Case,
    *,
    now: dt.datetime | None = None,
    book: PolicyBook | None = None,
    terms: CaseTerms | None = None,
    facts: Iterable[EventFact] | None = None,
) -> list[Reading]:
    """Every clock of the case at ``now`` (default: the present), recomputed from its history."""
    now = now or clock.now()
    policies = case_policies(case, book=book or PolicyBook.load(), terms=terms or case_terms(case))
    facts = list(case_facts(case) if facts is None else facts)
    readings: list[Reading] = []
    for engagement in (EngagementKind.CUSTOMER, EngagementKind.VENDOR):
        history = history_of(engagement, facts)
        if history is not None:
            readings.extend(engagement_clocks(history, policies[engagement], now))
    return readings


def _visible_engagements(actor: Person | None) -> tuple[str, ...]:
    """A customer sees the clocks its desk runs for it, never the vendor engagement's; the
    system (``None``: the CLI's operator) sees all."""
    if actor is not None and actor.organisation.kind == OrganisationKind.CUSTOMER:
        return (EngagementKind.CUSTOMER,)
    return (EngagementKind.CUSTOMER, EngagementKind.VENDOR)


def case_clocks(
    actor: Person | None, case: Case, *, now: dt.datetime | None = None
) -> list[Reading]:
    """The case's clocks at ``now`` as the actor may see them (``case`` already in scope)."""
    visible = _visible_engagements(actor)
    return [r for r in case_readings(case, now=now) if r.engagement in visible]


@dataclass(frozen=True)
class Explanation:
    """Why a clock is due when it is: what it runs on and every stretch of time it counted."""

    reading: Reading
    now: dt.datetime
    counted: list[tuple[dt.datetime, dt.datetime]]
    counted_until: dt.datetime
    pauses: list[tuple[dt.datetime, dt.datetime | None]]
    closed_days: list[dt.date]
    zone: str
    notes: list[str] = field(default_factory=list)

    @property
    def counted_total(self) -> dt.timedelta:
        return sum((b - a for a, b in self.counted), dt.timedelta(0))


def clock_explanation(
    actor: Person | None,
    case: Case,
    engagement: str,
    metric: str,
    *,
    now: dt.datetime | None = None,
    zone: str | None = None,
) -> Explanation:
    """The counted intervals behind one clock: up to its due time while it runs (they add up
    to the target), up to the moment it was met, or up to now while paused."""
    now = now or clock.now()
    reading = next(
        (
            r
            for r in case_clocks(actor, case, now=now)
            if (r.engagement, r.metric) == (engagement, metric)
        ),
        None,
    )
    if reading is None:
        raise NotFound(f"{case.number} has no {engagement} {metric} clock you may see.")
    state, policy_ = reading.state, reading.policy
    notes = list(policy_.notes) if policy_ else []
    if state is None or policy_ is None:
        notes.append("This clock is not running: no target applies now.")
        return Explanation(reading, now, [], now, [], [], zone or "UTC", notes)
    if state.met_at is not None:
        until = state.met_at
    elif state.paused:
        until = now
        notes.append("Paused: the due time moves on by the length of the pause.")
    else:
        until = state.due_at
    calendar = policy_.calendar
    return Explanation(
        reading=reading,
        now=now,
        counted=counted_intervals(calendar, reading.started_at, until, reading.pauses),
        counted_until=until,
        pauses=[(start, end) for start, end in reading.pauses if start < until],
        closed_days=closed_working_days(calendar, reading.started_at, until),
        zone=zone or (calendar.time_zone if not calendar.always_open else "UTC"),
        notes=notes,
    )
