"""Who hears of a domain event: one rule, read from the case workflow table and the RASCI matrix.

For every case event (:data:`CASE_EVENTS`, one per step of the table, and the opening):

* **alerted** — the party that must act next: the performers (R/A) of the steps the case waits on
  after the event (``workflow.waiting_after``), as the policy names them (exactly those who may
  act), with the assignee of the engagement that party works; or the customer's contacts when
  the case waits on the customer's reply. When the actor is one of those who may act next, the
  case stays in their hands and only the assignee is alerted;
* **consulted** — the C parties of the event's activity, asked for their view by a due time;
* **informed** — the I parties of the event's activity.

A case assigned by someone else alerts the new assignee. Service-level warnings alert the
engagement's assignee and desk; a breach also goes to the
accountable party's managers. RCA events go to the owner's managers and the activity's C and I.
The actor is never told of their own step, each person is told once (the strongest reason
wins), and nobody hears of a case they cannot see (``Case.objects.visible_to``) or of an event
whose audience they do not read: such recipients are dropped with a logged reason. An RCA event
is the exception: whoever may open the RCA (``rca.selectors.rca_visible``) hears of it, though
they may not see its case (in operating model 1 the vendor the matrix makes R/A or C for an
RCA of a case never escalated to it), and their message then tells nothing of the case."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from casebridge.cases import events as case_events
from casebridge.cases import workflow
from casebridge.cases.audiences import readable_audiences
from casebridge.cases.choices import Audience, EngagementKind
from casebridge.cases.models import Case, Engagement
from casebridge.installed_base import events as installed_base_events
from casebridge.notifications.choices import Purpose
from casebridge.parties import events as parties_events
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Organisation, Person
from casebridge.rasci import policy
from casebridge.rasci.models import MatrixVersion
from casebridge.rca import events as rca_events
from casebridge.rca.selectors import rca_visible

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseEventRule:
    """What one kind of case event is about: the activity whose C and I hear of it, who reads
    it, and where the case waits afterwards (whose performers are alerted)."""

    kind: str
    activity: str
    audience: str
    waiting: workflow.Waiting | None


def _case_event_rules() -> dict[str, CaseEventRule]:
    opening = workflow.waiting_in(EngagementKind.CUSTOMER, workflow.OPENS_AT["customer"])
    opened = case_events.OPENED
    rules: dict[str, CaseEventRule] = {
        opened: CaseEventRule(opened, "support.l1", Audience.PUBLIC, opening)
    }
    for step in workflow.TRANSITIONS:
        rules[step.event] = CaseEventRule(
            step.event,
            step.activity,
            workflow.STEP_AUDIENCE[step.engagement],
            workflow.waiting_after(step),
        )
    return rules


#: Every case event that is told, derived from the workflow table.
CASE_EVENTS: dict[str, CaseEventRule] = _case_event_rules()
SLA_EVENTS = case_events.SLA_EVENTS
RCA_EVENTS = {rca_events.OPENED, rca_events.REASSIGNED, rca_events.OVERDUE, rca_events.SIGNED}
#: The customer whose reply reached a closed case hears what became of it.
REPLY_ON_CLOSED = case_events.REPLY_ON_CLOSED
#: A colleague gave someone a side of a case: the new assignee must act.
ASSIGNED = case_events.ASSIGNED
#: Events about a customer's or a partner's standing rather than a case.
END_OF_LIFE = installed_base_events.END_OF_LIFE_NOTICE
CERTIFICATION_EXPIRING = parties_events.CERTIFICATION_EXPIRING
OTHER_EVENTS = (END_OF_LIFE, CERTIFICATION_EXPIRING)
NOTIFIED_KINDS = (
    *CASE_EVENTS,
    ASSIGNED,
    *SLA_EVENTS,
    REPLY_ON_CLOSED,
    *RCA_EVENTS,
    *OTHER_EVENTS,
)
ENGAGEMENT_ACTIVITY: dict[str, str] = {
    EngagementKind.CUSTOMER: "support.l1",
    EngagementKind.VENDOR: "support.l2_advanced_l3",
}
#: The strongest reason first: who answers for it, who must act, who is asked, who is told.
RANK = {Purpose.ESCALATE: 0, Purpose.ALERT: 1, Purpose.CONSULT: 2, Purpose.INFORM: 3}


@dataclass(frozen=True)
class Recipient:
    person: Person
    purpose: str
    activity: str
    letters: str
    respond_by: dt.datetime | None = None


def event_audience(kind: str, payload: dict[str, Any]) -> str:
    """Who reads an event of ``kind``: its step's audience, the engagement's for service-level
    events, public for the rest (RCAs have a public version)."""
    if kind in CASE_EVENTS:
        return CASE_EVENTS[kind].audience
    if kind in SLA_EVENTS or kind == ASSIGNED:
        return workflow.STEP_AUDIENCE.get(str(payload.get("engagement")), Audience.PARTNER_VENDOR)
    return Audience.PUBLIC


@dataclass(frozen=True)
class Hearing:
    """Whether a person hears of an event: ``reason`` says why not ("" if they do), and
    ``sees_case`` whether what they are told may show the case (else only the RCA)."""

    reason: str
    sees_case: bool


def hearing(person: Person, case: Case, audience: str, *, rca_id: int | None = None) -> Hearing:
    """Whether ``person`` hears of an event of ``audience`` on ``case``; with ``rca_id`` (an
    RCA event) one who cannot see the case still hears of it if they may open the RCA."""
    if not person.is_active:
        return Hearing(f"{person.email} is inactive", sees_case=False)
    sees_case = Case.objects.visible_to(person).filter(pk=case.pk).exists()
    if not sees_case and (
        rca_id is None or not rca_visible(person).filter(pk=rca_id, case=case).exists()
    ):
        return Hearing(f"{person.organisation.name} cannot see {case.number}", sees_case=False)
    if audience not in readable_audiences(person, case):
        reason = f"{person.organisation.name} does not read {audience} events of {case.number}"
        return Hearing(reason, sees_case)
    return Hearing("", sees_case)


def unheard_reason(person: Person, case: Case, audience: str, *, rca_id: int | None = None) -> str:
    """Why ``person`` may not hear of an event of ``audience`` on ``case``, or "" if they may."""
    return hearing(person, case, audience, rca_id=rca_id).reason


def rca_of(kind: str, payload: dict[str, Any]) -> int | None:
    """The RCA an event is about (whose readers hear of it), if it is an RCA event."""
    rca_id = payload.get("rca_id") if kind in RCA_EVENTS else None
    return int(rca_id) if rca_id is not None else None


def _who_may_hear(
    kind: str, case: Case, audience: str, found: list[Recipient], rca_id: int | None
) -> list[Recipient]:
    """``found`` without those who may not hear of the event (one check per organisation)."""
    verdicts: dict[tuple[int, bool], str] = {}
    kept = []
    for recipient in found:
        person = recipient.person
        key = (person.organisation_id, person.is_active)
        if key not in verdicts:
            verdicts[key] = unheard_reason(person, case, audience, rca_id=rca_id)
        if verdicts[key]:
            logger.debug(
                "notification.not_visible",
                extra={
                    "kind": kind,
                    "case": case.number,
                    "person_id": person.pk,
                    "reason": verdicts[key],
                },
            )
            continue
        kept.append(recipient)
    return kept


def _holders(
    letters: str, activity: str, customer: Organisation, version: MatrixVersion | None
) -> list[policy.PartyLetters]:
    ask = {"RA": policy.responsible_for, "C": policy.to_consult, "I": policy.to_inform}[letters]
    return ask(activity, customer, version=version)


def _told(
    customer: Organisation, version: MatrixVersion | None, activity: str, now: dt.datetime
) -> list[Recipient]:
    """The C parties of ``activity`` consulted by a due time, its I parties informed."""
    respond_by = now + dt.timedelta(hours=settings.CASEBRIDGE_CONSULT_HOURS)
    found = [
        Recipient(person, Purpose.CONSULT, activity, holder.letters, respond_by)
        for holder in _holders("C", activity, customer, version)
        for person in holder.people
    ]
    found += [
        Recipient(person, Purpose.INFORM, activity, holder.letters)
        for holder in _holders("I", activity, customer, version)
        for person in holder.people
    ]
    return found


def _assignees(case: Case) -> dict[str, Person]:
    """Each engagement's assignee, by engagement kind."""
    engagements = Engagement.objects.filter(case=case, assignee__isnull=False).select_related(
        "assignee__organisation"
    )
    return {e.kind: e.assignee for e in engagements if e.assignee is not None}


def _desk(
    case: Case, activities: tuple[str, ...], assignees: dict[str, Person]
) -> tuple[list[Recipient], list[Recipient]]:
    """The people who may perform ``activities`` on the case, and the assignees of the
    engagements their parties work (the vendor its own, the others the customer's)."""
    people: list[Recipient] = []
    assigned: list[Recipient] = []
    for activity in activities:
        for holder in _holders("RA", activity, case.customer, case.matrix_version):
            people += [Recipient(p, Purpose.ALERT, activity, holder.letters) for p in holder.people]
            side = EngagementKind.VENDOR if holder.party == OrganisationKind.VENDOR else "customer"
            assignee = assignees.get(side)
            if (
                assignee is not None
                and holder.organisation is not None
                and assignee.organisation_id == holder.organisation.pk
            ):
                assigned.append(Recipient(assignee, Purpose.ALERT, activity, holder.letters))
    return people, assigned


def _customer_contacts(case: Case) -> list[Recipient]:
    """Who answers for the customer when its reply is awaited: its contacts and the reporter."""
    people = (
        Person.objects.filter(organisation_id=case.customer_id, is_active=True)
        .filter(roles__role=Role.CUSTOMER_CONTACT)
        .select_related("organisation")
        .distinct()
    )
    found = [Recipient(person, Purpose.ALERT, "", "") for person in people]
    reporter = case.reporter
    if reporter.organisation_id == case.customer_id and reporter.is_active:
        found.append(Recipient(reporter, Purpose.ALERT, "", ""))
    return found


def _alerted(case: Case, waiting: workflow.Waiting | None, actor_id: int | None) -> list[Recipient]:
    """The party that must act next; only the assignee when the actor may act next too."""
    if waiting is None:
        return []
    if waiting.customer_reply:
        return _customer_contacts(case)
    people, assigned = _desk(case, waiting.activities, _assignees(case))
    if actor_id is not None and any(r.person.pk == actor_id for r in people):
        return assigned
    return people + assigned


def _managers(organisation_id: int | None, activity: str) -> list[Recipient]:
    if organisation_id is None:
        return []
    people = (
        Person.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            roles__role__in=[Role.MANAGER, Role.ADMIN],
        )
        .select_related("organisation")
        .distinct()
    )
    return [Recipient(person, Purpose.ESCALATE, activity, "A") for person in people]


def _once(found: list[Recipient], actor_id: int | None = None) -> list[Recipient]:
    chosen: dict[int, Recipient] = {}
    for recipient in sorted(found, key=lambda r: RANK[Purpose(r.purpose)]):
        if recipient.person.email and recipient.person.pk != actor_id:
            chosen.setdefault(recipient.person.pk, recipient)
    return list(chosen.values())


def recipients_for(
    kind: str, payload: dict[str, Any], case: Case, now: dt.datetime
) -> list[Recipient]:
    """Everyone to tell about the event on ``case``, each once, all of whom may see it."""
    found: list[Recipient] = []
    actor_id = payload.get("actor_id")
    if kind in CASE_EVENTS:
        rule = CASE_EVENTS[kind]
        found = _alerted(case, rule.waiting, actor_id)
        found += _told(case.customer, case.matrix_version, rule.activity, now)
    elif kind in SLA_EVENTS:
        engagement = str(payload.get("engagement") or EngagementKind.CUSTOMER)
        activity = ENGAGEMENT_ACTIVITY.get(engagement, "support.l1")
        people, assigned = _desk(case, (activity,), _assignees(case))
        found = people + assigned
        if kind == case_events.SLA_BREACHED:
            notify = payload.get("notify") or {}
            found += _managers(notify.get("organisation_id"), activity)
    elif kind == ASSIGNED:
        engagement = str(payload.get("engagement") or EngagementKind.CUSTOMER)
        assignee = (
            Person.objects.select_related("organisation")
            .filter(pk=payload.get("assignee_id") or 0, is_active=True)
            .first()
        )
        if assignee is not None:
            activity = ENGAGEMENT_ACTIVITY.get(engagement, "support.l1")
            found = [Recipient(assignee, Purpose.ALERT, activity, "R")]
    elif kind == REPLY_ON_CLOSED:
        person = (
            Person.objects.select_related("organisation")
            .filter(pk=payload.get("person_id") or 0)
            .first()
        )
        if person is not None:
            found = [Recipient(person, Purpose.INFORM, "customer.communicate", "")]
    elif kind in RCA_EVENTS:
        activity = str(payload.get("activity") or "rca.other_cause")
        found = _managers(payload.get("owner_organisation_id"), activity)
        found += _told(case.customer, case.matrix_version, activity, now)
    chosen = _once(found, actor_id)
    audience = event_audience(kind, payload)
    return _who_may_hear(kind, case, audience, chosen, rca_of(kind, payload))


def standing_recipients(kind: str, payload: dict[str, Any], now: dt.datetime) -> list[Recipient]:
    """Who hears of an event that is not about a case (end of life, an expiring certificate)."""
    found: list[Recipient] = []
    if kind == END_OF_LIFE:
        customer = Organisation.objects.filter(pk=int(payload.get("customer_id") or 0)).first()
        people = Person.objects.filter(pk__in=payload.get("people") or [], is_active=True)
        found = [Recipient(p, Purpose.ESCALATE, "software.update", "R") for p in people]
        if customer is not None:
            found += _told(customer, None, "software.update", now)
    elif kind == CERTIFICATION_EXPIRING:
        person = Person.objects.filter(
            pk=int(payload.get("person_id") or 0), is_active=True
        ).first()
        if person is not None:
            found = [Recipient(person, Purpose.INFORM, "staff.certified", "")]
        found += _managers(payload.get("organisation_id"), "staff.certified")
    return _once(found)
