"""What each party reads of a case, and to whom it may write: one rule for the API, the portal,
e-mail and webhooks alike.

Every field of a case has an audience (:data:`FIELD_AUDIENCE`): public fields are read by
everyone who sees the case; partner + vendor fields by the partner and the vendor (and by a
model-2 customer, who carries the partner's duties and reads partner + vendor messages).
:func:`case_read` gives a reader every field, with ``None`` for those it may not read; the
vendor's engagement is partner + vendor, and so are some details of public history lines
(:data:`EVENT_DETAIL_AUDIENCE`, :func:`event_read`).

Writing: :func:`writable_audiences` are the audiences a person may address (in model 1 the
vendor never writes to the customer: it holds I for ``customer.communicate``), and
:func:`default_audience` the narrowest of them that reaches the party that must act next.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from casebridge.cases import history, workflow
from casebridge.cases.choices import Audience
from casebridge.cases.models import GUIDELINE_FIELDS, Case, CaseEvent, Engagement
from casebridge.cases.querysets import AUDIENCES_BY_PARTY, audiences_for
from casebridge.cases.selectors import case_timeline
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rasci import policy
from casebridge.rasci.selectors import vendor_organisation

PUBLIC = Audience.PUBLIC
#: The parties in the order a sentence names them.
PARTY_ORDER = (OrganisationKind.PARTNER, OrganisationKind.VENDOR, OrganisationKind.CUSTOMER)
PARTNER_VENDOR = Audience.PARTNER_VENDOR

#: Who reads each field of a case as the API, the portal, e-mail and webhooks show it.
FIELD_AUDIENCE: dict[str, str] = {
    "id": PUBLIC,
    "number": PUBLIC,
    "revision": PUBLIC,
    "customer_id": PUBLIC,
    "partner_id": PUBLIC,
    "reporter_id": PUBLIC,
    "title": PUBLIC,
    "description": PUBLIC,
    "category": PUBLIC,
    "impact": PUBLIC,
    "urgency": PUBLIC,
    "priority": PUBLIC,
    "priority_override_reason": PARTNER_VENDOR,
    "component": PUBLIC,
    "version": PUBLIC,
    "tier": PARTNER_VENDOR,
    "matrix_version": PUBLIC,
    "submitter_id": PARTNER_VENDOR,
    "version_override_request": PARTNER_VENDOR,
    "version_override_by_id": PARTNER_VENDOR,
    "version_override_reason": PARTNER_VENDOR,
    "escalated_at": PUBLIC,
    "closed_at": PUBLIC,
    "cause_attribution": PUBLIC,
    "external_reference": PUBLIC,
    "follow_up_of_id": PUBLIC,
    **dict.fromkeys(GUIDELINE_FIELDS, PUBLIC),
    "created_at": PUBLIC,
    "updated_at": PUBLIC,
    "engagements": PUBLIC,
    "allowed_actions": PUBLIC,
}
#: Who reads each engagement (the vendor's is between the partner and the vendor) ...
ENGAGEMENT_AUDIENCE: dict[str, str] = dict(workflow.STEP_AUDIENCE)
#: ... and each of its fields.
ENGAGEMENT_FIELD_AUDIENCE: dict[str, str] = {
    "kind": PUBLIC,
    "status": PUBLIC,
    "tier": PARTNER_VENDOR,
    "status_changed_at": PUBLIC,
    "closed_at": PUBLIC,
}
#: Details of history lines read by fewer than the line itself: (event kind, key) → audience.
#: A priority change is public, why it changed is not; so are the escalation gate's outcome and
#: why the customer side followed a vendor step (it names the vendor engagement's state).
EVENT_DETAIL_AUDIENCE: dict[tuple[str, str], str] = {
    ("priority_changed", "reason"): PARTNER_VENDOR,
    ("escalate", "gate"): PARTNER_VENDOR,
    ("status_followed", "why"): PARTNER_VENDOR,
}
#: The public part of a case that goes with every webhook call.
SUMMARY_FIELDS = ("id", "number", "external_reference", "priority")
assert all(FIELD_AUDIENCE[name] == PUBLIC for name in SUMMARY_FIELDS)
#: Audiences from the narrowest (one party) to the widest (everyone).
NARROWEST_FIRST = (
    Audience.PARTNER_INTERNAL,
    Audience.VENDOR_INTERNAL,
    Audience.PARTNER_VENDOR,
    Audience.PUBLIC,
)


def readable_audiences(reader: Person | None, case: Case) -> frozenset[str]:
    """The audiences ``reader`` reads on ``case`` (``None``, the system, reads all)."""
    if reader is None:
        return frozenset(Audience.values)
    return audiences_for(reader, partner_in_between=case.partner_id is not None)


def party_audiences(party: str, case: Case) -> frozenset[str]:
    """The audiences a party (vendor, partner, customer) reads on ``case``."""
    if party == OrganisationKind.CUSTOMER and case.partner_id is None:
        return frozenset({PUBLIC, PARTNER_VENDOR})
    return AUDIENCES_BY_PARTY[party]


def engagements_read(reader: Person | None, case: Case) -> list[dict[str, Any]]:
    """The engagements ``reader`` may read, customer first, each field by its audience (the
    engagements are prefetched by the case selectors: no query)."""
    audiences = readable_audiences(reader, case)
    return [_engagement_read(e, audiences) for e in _engagements(case, audiences)]


def _engagements(case: Case, audiences: frozenset[str]) -> list[Engagement]:
    return sorted(
        (e for e in case.engagements.all() if ENGAGEMENT_AUDIENCE[e.kind] in audiences),
        key=lambda e: e.kind,
    )


def _engagement_read(engagement: Engagement, audiences: frozenset[str]) -> dict[str, Any]:
    values = {
        "kind": engagement.kind,
        "status": engagement.status,
        "tier": engagement.tier,
        "status_changed_at": engagement.status_changed_at,
        "closed_at": engagement.closed_at,
    }
    return {
        name: value if ENGAGEMENT_FIELD_AUDIENCE[name] in audiences else None
        for name, value in values.items()
    }


def case_read(
    reader: Person | None, case: Case, *, allowed_actions: list[str] | None = None
) -> dict[str, Any]:
    """The case as ``reader`` may read it: every field of :data:`FIELD_AUDIENCE`, ``None`` where
    the field's audience is not the reader's (no query beyond what the selectors prefetch)."""
    audiences = readable_audiences(reader, case)
    values: dict[str, Any] = {
        "id": case.pk,
        "number": case.number,
        "revision": case.revision,
        "customer_id": case.customer_id,
        "partner_id": case.partner_id,
        "reporter_id": case.reporter_id,
        "title": case.title,
        "description": case.description,
        "category": case.category,
        "impact": case.impact,
        "urgency": case.urgency,
        "priority": case.priority,
        "priority_override_reason": case.priority_override_reason,
        "component": case.component_id,
        "version": case.version,
        "tier": case.tier,
        "matrix_version": case.matrix_version.label,
        "submitter_id": case.submitter_id,
        "version_override_request": case.version_override_request,
        "version_override_by_id": case.version_override_by_id,
        "version_override_reason": case.version_override_reason,
        "escalated_at": case.escalated_at,
        "closed_at": case.closed_at,
        "cause_attribution": case.cause_attribution,
        "external_reference": case.external_reference,
        "follow_up_of_id": case.follow_up_of_id,
        **{name: getattr(case, name) for name in GUIDELINE_FIELDS},
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "engagements": [_engagement_read(e, audiences) for e in _engagements(case, audiences)],
        "allowed_actions": list(allowed_actions or []),
    }
    return {
        name: value if FIELD_AUDIENCE[name] in audiences else None for name, value in values.items()
    }


def case_summary(case: Case) -> dict[str, Any]:
    """The public fields every party that hears of the case may read (for webhooks)."""
    return {"id": case.pk, **{name: getattr(case, name) for name in SUMMARY_FIELDS[1:]}}


def event_read(event: CaseEvent, audiences: frozenset[str]) -> dict[str, Any]:
    """One history line (already of an audience the reader reads) without the details the
    reader may not read."""

    def details(values: dict[str, Any]) -> dict[str, Any]:
        return {
            key: value
            for key, value in values.items()
            if EVENT_DETAIL_AUDIENCE.get((event.kind, key), PUBLIC) in audiences
        }

    return {
        "id": event.pk,
        "occurred_at": event.occurred_at,
        "actor_label": event.actor_label,
        "kind": event.kind,
        "engagement": event.engagement,
        "audience": event.audience,
        "before": details(event.before),
        "after": details(event.after),
    }


def timeline_read(reader: Person, case: Case) -> list[dict[str, Any]]:
    """The case's history as ``reader`` may read it: lines of its audiences, details redacted."""
    audiences = readable_audiences(reader, case)
    events = list(case_timeline(actor=reader, case=case))
    reads = [event_read(event, audiences) for event in events]
    named = history.assignee_ids(reads)
    names = (
        dict(Person.objects.filter(pk__in=named).values_list("pk", "full_name")) if named else {}
    )
    for event, read in zip(events, reads, strict=True):
        read["text"] = history.event_sentence(read, subject=history.who(event), names=names)
    return reads


def writable_audiences(writer: Person, case: Case) -> list[str]:
    """The audiences ``writer`` may address on ``case``, narrowest first: those its party reads,
    but the customer only for whoever may contribute to ``customer.communicate``."""
    readable = set(readable_audiences(writer, case))
    if PUBLIC in readable and writer.organisation.kind != OrganisationKind.CUSTOMER:
        decision = policy.decide(
            writer, "customer.communicate", case.customer, version=case.matrix_version
        )
        if not decision.may_contribute:
            readable.discard(PUBLIC)
    return [audience for audience in NARROWEST_FIRST if audience in readable]


def parties_to_act(case: Case) -> set[str]:
    """The parties that must act next on ``case`` (empty once closed): the performers of the
    steps its state waits on, or the customer when its reply is awaited."""
    waiting = workflow.waiting_now(case.customer_status, case.vendor_status)
    if waiting is None:
        return set()
    if waiting.customer_reply:
        return {OrganisationKind.CUSTOMER}
    return policy.performing_parties(list(waiting.activities), case.matrix_version)


@dataclass(frozen=True)
class NextStep:
    """Who must act next on a case, as one sentence for a reader's page; ``yours`` when the
    reader's own party must."""

    sentence: str
    yours: bool


def _lowered(label: str) -> str:
    return label[:1].lower() + label[1:]


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def next_step(reader: Person, case: Case, *, allowed: Collection[str] | None = None) -> NextStep:
    """Who the case waits on now, in words (the same parties :func:`parties_to_act` alerts).
    With ``allowed`` (the steps the policy lets ``reader`` take now), a step of the reader's
    party that the reader may not take is named as the desk's, not as the reader's."""
    waiting = workflow.waiting_now(case.customer_status, case.vendor_status)
    if waiting is None:
        return NextStep("Nothing is waiting: the case is closed.", yours=False)
    parties = parties_to_act(case)
    kind = reader.organisation.kind
    if kind in parties:
        if kind == OrganisationKind.CUSTOMER:
            return NextStep("Your answer is awaited: reply below.", yours=True)
        performers = policy.performers_by_activity(list(waiting.activities), case.matrix_version)
        ours = [t for t in waiting.steps if kind in performers[t.activity]]
        mine = [t for t in ours if allowed is None or t.action in allowed]
        if ours and not mine:
            return NextStep(
                f"Your desk's turn: {_joined([_lowered(t.label) for t in ours])}"
                " (by a colleague who may; you may not).",
                yours=False,
            )
        steps = [_lowered(t.label) for t in mine]
        return NextStep(f"Your turn: {_joined(steps) if steps else 'reply'}.", yours=True)
    vendor = vendor_organisation()
    names = {
        OrganisationKind.CUSTOMER: case.customer.name,
        OrganisationKind.PARTNER: case.partner.name if case.partner else "",
        OrganisationKind.VENDOR: vendor.name if vendor else "the vendor",
    }
    waiting_on = [names[party] for party in PARTY_ORDER if party in parties and names[party]]
    if not waiting_on:
        return NextStep("Nothing is waiting on anyone.", yours=False)
    if kind == OrganisationKind.CUSTOMER:
        return NextStep(
            f"{_joined(waiting_on)} {'is' if len(waiting_on) == 1 else 'are'} working on it; "
            "nothing is needed from you now.",
            yours=False,
        )
    return NextStep(f"Waiting on {_joined(waiting_on)}.", yours=False)


def default_audience(writer: Person, case: Case, writable: list[str] | None = None) -> str:
    """The narrowest audience ``writer`` may address that every party that must act next reads
    (the narrowest of all when nobody must act)."""
    writable = writable if writable is not None else writable_audiences(writer, case)
    reach = [party_audiences(party, case) for party in parties_to_act(case)]
    for audience in writable:
        if all(audience in audiences for audiences in reach):
            return audience
    return writable[-1] if writable else PUBLIC


def words_parties(case: Case, transition: workflow.Transition) -> set[str]:
    """The parties a step's words go to: the customer, or those that must act once the step is
    done (the customer when its reply is awaited)."""
    words = transition.words
    if words is None:
        return set()
    if words.to_customer:
        return {OrganisationKind.CUSTOMER}
    waiting = workflow.waiting_after(transition)
    if waiting is None:
        return set()
    if waiting.customer_reply:
        return {OrganisationKind.CUSTOMER}
    return policy.performing_parties(list(waiting.activities), case.matrix_version)


def words_audience(writer: Person, case: Case, transition: workflow.Transition) -> str | None:
    """The audience of a step's words: the narrowest one ``writer`` may address that every party
    they go to reads; None when there is none (a model-1 vendor never writes to the customer)."""
    reach = [party_audiences(party, case) for party in words_parties(case, transition)]
    for audience in writable_audiences(writer, case):
        if reach and all(audience in audiences for audiences in reach):
            return audience
    return None


def words_addressee(case: Case, transition: workflow.Transition) -> str:
    """Whom a step's words go to, by name ("Customer of A", "Partner A and Customer of A")."""
    vendor = vendor_organisation()
    names = {
        OrganisationKind.CUSTOMER: case.customer.name,
        OrganisationKind.PARTNER: case.partner.name if case.partner else "",
        OrganisationKind.VENDOR: vendor.name if vendor else "the vendor",
    }
    parties = words_parties(case, transition)
    named = [names[party] for party in PARTY_ORDER if party in parties and names[party]]
    return _joined(named) if named else "nobody"


def words_label(case: Case, transition: workflow.Transition) -> str:
    """The label of a step's text box in plain words ("Your question to Customer of A")."""
    assert transition.words is not None
    return transition.words.label.format(party=words_addressee(case, transition))
