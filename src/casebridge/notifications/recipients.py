"""Who hears of a domain event, read from the RASCI policy of the case it concerns.

Each event kind names the activity it reports on. The parties holding I for it are informed, the
parties holding C are consulted (asked for their view by a due time); warnings, breaches and RCA
events also go to the accountable party's people, who cannot switch those off."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from casebridge.cases.choices import EngagementKind
from casebridge.cases.models import Case
from casebridge.notifications.choices import Purpose
from casebridge.parties.choices import Role
from casebridge.parties.models import Organisation, Person
from casebridge.rasci import policy
from casebridge.rasci.models import MatrixVersion

#: Case events and the activity whose I and C parties hear of them.
CASE_EVENTS: dict[str, str] = {
    "case.opened": "support.l1",
    "case.escalated": "case.submit",
    "case.return": "support.l2_advanced_l3",
    "case.request_information": "case.assist",
    "case.provide_solution": "support.l2_advanced_l3",
    "case.close": "customer.communicate",
}
SLA_EVENTS = {"case.sla_warning", "case.sla_breached"}
RCA_EVENTS = {"rca.opened", "rca.reassigned", "rca.overdue", "rca.signed"}
#: Events about a customer's or a partner's standing rather than a case.
END_OF_LIFE = "installed_base.end_of_life_notice"
CERTIFICATION_EXPIRING = "certification.expiring"
OTHER_EVENTS = (END_OF_LIFE, CERTIFICATION_EXPIRING)
NOTIFIED_KINDS = (*CASE_EVENTS, *SLA_EVENTS, *RCA_EVENTS, *OTHER_EVENTS)
ENGAGEMENT_ACTIVITY = {
    EngagementKind.CUSTOMER: "support.l1",
    EngagementKind.VENDOR: "support.l2_advanced_l3",
}


@dataclass(frozen=True)
class Recipient:
    person: Person
    purpose: str
    activity: str
    letters: str
    respond_by: dt.datetime | None = None


def _from_policy(case: Case, activity: str, now: dt.datetime) -> list[Recipient]:
    return _parties_of(case.customer, case.matrix_version, activity, now)


def _parties_of(
    customer: Organisation, version: MatrixVersion | None, activity: str, now: dt.datetime
) -> list[Recipient]:
    respond_by = now + dt.timedelta(hours=settings.CASEBRIDGE_CONSULT_HOURS)
    found = [
        Recipient(person, Purpose.INFORM, activity, holder.letters)
        for holder in policy.to_inform(activity, customer, version=version)
        for person in holder.people
    ]
    found += [
        Recipient(person, Purpose.CONSULT, activity, holder.letters, respond_by)
        for holder in policy.to_consult(activity, customer, version=version)
        for person in holder.people
    ]
    return found


def standing_recipients(kind: str, payload: dict[str, Any], now: dt.datetime) -> list[Recipient]:
    """Who hears of an event that is not about a case (end of life, an expiring certificate)."""
    found: list[Recipient] = []
    if kind == END_OF_LIFE:
        customer = Organisation.objects.filter(pk=int(payload.get("customer_id") or 0)).first()
        people = Person.objects.filter(pk__in=payload.get("people") or [], is_active=True)
        found = [Recipient(p, Purpose.ESCALATE, "software.update", "R") for p in people]
        if customer is not None:
            found += _parties_of(customer, None, "software.update", now)
    elif kind == CERTIFICATION_EXPIRING:
        person = Person.objects.filter(
            pk=int(payload.get("person_id") or 0), is_active=True
        ).first()
        if person is not None:
            found = [Recipient(person, Purpose.INFORM, "staff.certified", "")]
        found += _managers(payload.get("organisation_id"), "staff.certified")
    return _once(found)


def _once(found: list[Recipient]) -> list[Recipient]:
    rank = {Purpose.ESCALATE: 0, Purpose.CONSULT: 1, Purpose.INFORM: 2}
    chosen: dict[int, Recipient] = {}
    for recipient in sorted(found, key=lambda r: rank[Purpose(r.purpose)]):
        if recipient.person.email:
            chosen.setdefault(recipient.person.pk, recipient)
    return list(chosen.values())


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


def recipients_for(
    kind: str, payload: dict[str, Any], case: Case, now: dt.datetime
) -> list[Recipient]:
    """Everyone to tell about the event, each once (the strongest reason wins)."""
    found: list[Recipient] = []
    if kind in CASE_EVENTS:
        found = _from_policy(case, CASE_EVENTS[kind], now)
    elif kind in SLA_EVENTS:
        activity = ENGAGEMENT_ACTIVITY.get(payload.get("engagement", ""), "support.l1")
        notify = payload.get("notify") or {}
        found = _managers(notify.get("organisation_id"), activity)
        found += [r for r in _from_policy(case, activity, now) if r.purpose == Purpose.INFORM]
    elif kind in RCA_EVENTS:
        activity = str(payload.get("activity") or "rca.other_cause")
        found = _managers(payload.get("owner_organisation_id"), activity)
        found += _from_policy(case, activity, now)
    return _once(found)
