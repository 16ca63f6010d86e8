"""Writing RCAs: opened and reassigned from the case, edited by the owner, signed off by the
accountable party, revised after sign-off; every write audited and put in the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

from casebridge.cases.choices import Audience, CustomerStatus, EngagementKind, Priority
from casebridge.cases.models import Case, CaseEvent, Engagement
from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import CustomerRelationship, Organisation, Person
from casebridge.rca import events
from casebridge.rca.choices import (
    MANDATORY_SECTIONS,
    ActionKind,
    ActionStatus,
    RcaStatus,
)
from casebridge.rca.models import Rca, RcaAction, RcaRevision
from casebridge.rca.ownership import ownership_for
from casebridge.sla.calendar import working_days_later
from casebridge.sla.models import BusinessCalendar, ClosedDay
from casebridge.sla.selectors import concrete_calendar

EDITABLE = ("timeline", "impact", "root_cause", "contributing_factors", "public_summary")
RESOLVED = (CustomerStatus.RESOLVED, CustomerStatus.CLOSED)
#: Case events worth a line in the pre-filled timeline, with how to say them.
TIMELINE_EVENTS = {
    "opened": "Case opened",
    "priority_changed": "Priority changed",
    "escalate": "Escalated to the vendor",
    "accept": "Accepted by the vendor",
    "request_information": "Vendor asked for information",
    "answer": "Partner answered",
    "provide_solution": "Vendor provided a solution",
    "propose_solution": "Solution proposed to the customer",
    "resolve": "Resolved",
    "close": "Closed",
    "sla_breached": "Service-level target breached",
}


class SignedRca(Conflict):
    """A signed RCA is frozen: start a new revision to change it."""

    code = "rca_signed"


# --- When an RCA exists, and whose it is ---


def _home(organisation: Organisation, case: Case) -> tuple[str, str]:
    """The time zone and country of an organisation's working days."""
    if organisation.time_zone:
        return organisation.time_zone, organisation.country
    if organisation.pk == case.customer_id:
        relationship = CustomerRelationship.objects.filter(customer_id=case.customer_id).first()
        if relationship is not None:
            return relationship.time_zone, relationship.country
    return "UTC", organisation.country


def due_for(case: Case, owner: Organisation, opened_at: dt.datetime) -> dt.datetime:
    """The close of the owner's N-th working day after the opening (CASEBRIDGE_RCA_DUE_DAYS on
    CASEBRIDGE_RCA_CALENDAR in the owner's zone and country)."""
    row = BusinessCalendar.objects.filter(code=settings.CASEBRIDGE_RCA_CALENDAR).first()
    days = settings.CASEBRIDGE_RCA_DUE_DAYS
    if row is None:  # the calendar was deleted: count calendar days rather than refuse
        return opened_at + dt.timedelta(days=days)
    zone, country = _home(owner, case)
    closed = list(ClosedDay.objects.filter(calendar=row).values_list("day", flat=True))
    calendar, _ = concrete_calendar(row, closed, time_zone=zone, country=country)
    return working_days_later(calendar, opened_at, days)


def _timeline(case: Case) -> list[dict[str, str]]:
    events = CaseEvent.objects.filter(case=case, kind__in=TIMELINE_EVENTS).order_by(
        "occurred_at", "id"
    )
    lines = []
    for event in events:
        text = TIMELINE_EVENTS[event.kind]
        if event.kind == "priority_changed":
            text += f" to {event.after.get('priority')}"
        elif event.kind == "sla_breached":
            text += f" ({event.engagement} {event.after.get('metric', '')})"
        lines.append({"at": event.occurred_at.isoformat(), "text": text})
    return lines


def _case_event(case: Case, actor: Person | None, kind: str, **after: Any) -> None:
    CaseEvent.objects.create(
        case=case,
        occurred_at=clock.now(),
        actor=actor,
        actor_label="system" if actor is None else actor.email,
        kind=kind,
        audience=Audience.PARTNER_VENDOR if case.partner_id else Audience.VENDOR_INTERNAL,
        after=after,
    )


def _announce(kind: str, rca: Rca, **extra: Any) -> None:
    outbox_record(
        kind=kind,
        dedup_key=f"{kind}:{rca.pk}:{rca.revision}:{rca.owner_id}:{extra.get('stamp', '')}",
        payload={
            "rca_id": rca.pk,
            "case_id": rca.case_id,
            "owner_organisation_id": rca.owner_id,
            "accountable_organisation_id": rca.accountable_id,
            "parties": rca.parties,
            "due_at": rca.due_at.isoformat(),
            "activity": rca.activity,
            **{k: v for k, v in extra.items() if k != "stamp"},
        },
    )


@transaction.atomic
def rca_sync_for_case(case_id: int) -> Rca | None:
    """Open the RCA of a resolved Priority 1, or reassign it when its cause changed.

    Idempotent: the outbox handler and the periodic safety net both call it."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "matrix_version")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return None
    rca = Rca.objects.select_for_update().filter(case=case).first()
    resolved = Engagement.objects.filter(
        case=case, kind=EngagementKind.CUSTOMER, status__in=RESOLVED
    ).exists()
    if rca is None:
        if case.priority != Priority.P1 or not case.cause_attribution or not resolved:
            return None
        return _open(case)
    if rca.attribution != case.cause_attribution and case.cause_attribution:
        _reassign(rca, case)
    return rca


def _name_parties(rca: Rca) -> None:
    """Keep ``named`` (what the selectors read) with ``parties`` (what the RCA says)."""
    rca.named.set(sorted({int(party["organisation_id"]) for party in rca.parties}))


def _open(case: Case) -> Rca:
    ownership = ownership_for(case, case.cause_attribution)
    moment = clock.now()
    rca = Rca.objects.create(
        case=case,
        attribution=case.cause_attribution,
        activity=ownership.activity,
        owner_party=ownership.owner_party,
        owner=ownership.owner,
        accountable=ownership.accountable,
        parties=ownership.parties,
        opened_at=moment,
        due_at=due_for(case, ownership.owner, moment),
        timeline=_timeline(case),
    )
    _name_parties(rca)
    audit_record(
        actor=None,
        action="rca.opened",
        target=rca,
        organisation_id=rca.owner_id,
        after={"case": case.number, "owner": rca.owner.name, "attribution": rca.attribution},
    )
    _case_event(case, None, "rca_opened", rca_id=rca.pk, owner=rca.owner.name)
    _announce(events.OPENED, rca)
    return rca


def _reassign(rca: Rca, case: Case) -> None:
    ownership = ownership_for(case, case.cause_attribution)
    before = {"attribution": rca.attribution, "owner": rca.owner.name}
    rca.attribution = case.cause_attribution
    rca.activity = ownership.activity
    rca.owner_party = ownership.owner_party
    rca.accountable = ownership.accountable
    rca.parties = ownership.parties
    if rca.owner_id != ownership.owner.pk:
        rca.owner = ownership.owner
        rca.due_at = due_for(case, ownership.owner, clock.now())
        rca.overdue_flagged_at = None
    if rca.status == RcaStatus.SIGNED:  # a new cause is a new analysis: start a revision
        rca.status, rca.revision = RcaStatus.DRAFT, rca.revision + 1
        rca.signed_at, rca.signed_by = None, None
    rca.save()
    _name_parties(rca)
    after = {"attribution": rca.attribution, "owner": rca.owner.name}
    audit_record(
        actor=None,
        action="rca.reassigned",
        target=rca,
        organisation_id=rca.owner_id,
        before=before,
        after=after,
    )
    _case_event(case, None, "rca_reassigned", rca_id=rca.pk, before=before, **after)
    _announce(events.REASSIGNED, rca, stamp=rca.attribution)


# --- Working on it ---


def may_edit(actor: Person, rca: Rca) -> bool:
    """The owner's people (and the accountable party's, who may help before signing)."""
    return actor.is_active and actor.organisation_id in (rca.owner_id, rca.accountable_id)


def may_sign(actor: Person, rca: Rca) -> bool:
    return (
        actor.is_active
        and actor.organisation_id == rca.accountable_id
        and actor.has_role(Role.MANAGER, Role.ADMIN)
    )


def _lock(rca: Rca) -> Rca:
    return Rca.objects.select_for_update().select_related("case", "owner").get(pk=rca.pk)


def _require_draft(rca: Rca) -> None:
    if rca.status == RcaStatus.SIGNED:
        raise SignedRca(
            f"Revision {rca.revision} of this RCA is signed and cannot change; start a new "
            "revision to amend it.",
            fields={"status": "Signed."},
        )


def _clean_timeline(value: Any, errors: Errors) -> list[dict[str, str]]:
    if not isinstance(value, list):
        errors.add("timeline", "A list of {at, text} entries.")
        return []
    cleaned = []
    for index, entry in enumerate(value):
        key = f"timeline.{index}"
        if not isinstance(entry, Mapping):
            errors.add(key, "An entry has an 'at' time and a 'text'.")
            continue
        try:
            at = dt.datetime.fromisoformat(str(entry.get("at") or ""))
        except ValueError:
            errors.add(key, "'at' is an ISO time, e.g. 2026-06-01T09:30:00Z.")
            continue
        if at.tzinfo is None:
            errors.add(key, "'at' needs a time zone.")
            continue
        entry_errors = Errors()
        text = clean_single_line(
            entry.get("text"),
            entry_errors,
            key,
            max_length=1000,
            required_message="'text' has 1 to 1,000 characters.",
        )
        if entry_errors:
            errors.extend(entry_errors.fields)
            continue
        cleaned.append({"at": at.isoformat(), "text": text})
    return sorted(cleaned, key=lambda entry: entry["at"])


@transaction.atomic
def rca_update(*, actor: Person, rca: Rca, changes: Mapping[str, Any]) -> Rca:
    """Edit the draft's sections (``timeline``, ``impact``, ``root_cause``,
    ``contributing_factors``, ``public_summary``)."""
    rca = _lock(rca)
    if not may_edit(actor, rca):
        raise PermissionDenied("Only the RCA's owner edits it.")
    _require_draft(rca)
    errors = Errors()
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        errors.add("fields", f"Not editable: {', '.join(unknown)}.")
    values: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in changes:
            continue
        if name == "timeline":
            values[name] = _clean_timeline(changes[name], errors)
        else:
            values[name] = clean_multiline(changes[name], errors, name, max_length=20_000)
    errors.raise_if_any("The RCA was not changed.")
    before = {name: getattr(rca, name) for name in values}
    for name, value in values.items():
        setattr(rca, name, value)
    rca.save()
    audit_record(
        actor=actor,
        action="rca.updated",
        target=rca,
        organisation_id=rca.owner_id,
        before=before,
        after=values,
    )
    return rca


def _parties_of(rca: Rca) -> set[int]:
    case = rca.case
    vendor = Organisation.objects.filter(kind=OrganisationKind.VENDOR).values_list("pk", flat=True)
    return {case.customer_id, *([case.partner_id] if case.partner_id else []), *vendor}


def _clean_action(
    rca: Rca, values: Mapping[str, Any], errors: Errors, *, partial: bool
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "kind" in values or not partial:
        cleaned["kind"] = clean_choice(values.get("kind"), ActionKind, errors, "kind")
    if "description" in values or not partial:
        cleaned["description"] = clean_multiline(
            values.get("description"),
            errors,
            "description",
            max_length=5000,
            required=True,
            required_message="Say what will be done (up to 5,000).",
        )
    if "owner" in values or not partial:
        owner = values.get("owner")
        if owner is None:
            errors.add("owner_id", "Every action has an owner.")
        elif (
            not isinstance(owner, Person)
            or not owner.is_active
            or (owner.organisation_id not in _parties_of(rca))
        ):
            errors.add(
                "owner_id",
                "The owner is an active person of the vendor, partner or customer of the case.",
            )
        cleaned["owner"] = owner
    if "due_on" in values or not partial:
        due_on = values.get("due_on")
        if not isinstance(due_on, dt.date):
            errors.add("due_on", "A date, e.g. 2026-07-01.")
        elif due_on < rca.opened_at.date():
            errors.add("due_on", "Not before the RCA was opened.")
        cleaned["due_on"] = due_on
    if "status" in values:
        cleaned["status"] = clean_choice(values["status"], ActionStatus, errors, "status")
    return cleaned


@transaction.atomic
def rca_action_add(*, actor: Person, rca: Rca, values: Mapping[str, Any]) -> RcaAction:
    """Add a corrective or preventive action: kind, description, owner, due date."""
    rca = _lock(rca)
    if not may_edit(actor, rca):
        raise PermissionDenied("Only the RCA's owner adds actions.")
    _require_draft(rca)
    errors = Errors()
    cleaned = _clean_action(rca, values, errors, partial=False)
    errors.raise_if_any("The action was not added.")
    action = RcaAction.objects.create(rca=rca, created_at=clock.now(), **cleaned)
    audit_record(
        actor=actor,
        action="rca.action_added",
        target=rca,
        organisation_id=rca.owner_id,
        after={"action_id": action.pk, "kind": action.kind, "owner": action.owner.email},
    )
    return action


@transaction.atomic
def rca_action_update(*, actor: Person, action: RcaAction, values: Mapping[str, Any]) -> RcaAction:
    """Change an action; its status may move on after sign-off (actions are followed up), the
    rest only in a draft."""
    rca = _lock(action.rca)
    action = RcaAction.objects.select_for_update().get(pk=action.pk)
    if not may_edit(actor, rca) and action.owner_id != actor.pk:
        raise PermissionDenied("The RCA's owner or the action's owner changes it.")
    if set(values) - {"status"}:
        _require_draft(rca)
    errors = Errors()
    cleaned = _clean_action(rca, values, errors, partial=True)
    errors.raise_if_any("The action was not changed.")
    before = {name: str(getattr(action, name)) for name in cleaned}
    for name, value in cleaned.items():
        setattr(action, name, value)
    action.save()
    audit_record(
        actor=actor,
        action="rca.action_updated",
        target=rca,
        organisation_id=rca.owner_id,
        before=before,
        after={name: str(value) for name, value in cleaned.items()},
    )
    return action


def snapshot(rca: Rca) -> dict[str, Any]:
    """The content of the draft as it is signed (JSON)."""
    return {
        "case": rca.case.number,
        "attribution": rca.attribution,
        "owner": rca.owner.name,
        "revision": rca.revision,
        **{name: getattr(rca, name) for name in EDITABLE},
        "actions": [
            {
                "kind": action.kind,
                "description": action.description,
                "owner": action.owner.full_name,
                "owner_organisation": action.owner.organisation.name,
                "due_on": action.due_on.isoformat(),
                "status": action.status,
            }
            for action in rca.actions.select_related("owner__organisation").order_by("due_on", "id")
        ],
    }


@transaction.atomic
def rca_sign(*, actor: Person, rca: Rca) -> RcaRevision:
    """Sign the draft off: every mandatory section filled, at least one corrective action."""
    rca = _lock(rca)
    if not may_sign(actor, rca):
        raise PermissionDenied("A manager of the accountable party signs the RCA off.")
    _require_draft(rca)
    fields: dict[str, list[str]] = {}
    for name in MANDATORY_SECTIONS:
        if not str(getattr(rca, name) or "").strip():
            fields[name] = ["Required before sign-off."]
    if not rca.timeline:
        fields["timeline"] = ["Required before sign-off."]
    if not rca.actions.filter(kind=ActionKind.CORRECTIVE).exists():
        fields["actions"] = ["At least one corrective action is required before sign-off."]
    if fields:
        raise ValidationFailed(
            f"The RCA cannot be signed yet: {len(fields)} section(s) open.", fields=fields
        )
    moment = clock.now()
    revision = RcaRevision.objects.create(
        rca=rca, revision=rca.revision, content=snapshot(rca), signed_at=moment, signed_by=actor
    )
    rca.status, rca.signed_at, rca.signed_by = RcaStatus.SIGNED, moment, actor
    rca.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    audit_record(
        actor=actor,
        action="rca.signed",
        target=rca,
        organisation_id=rca.accountable_id,
        after={"revision": rca.revision},
    )
    _case_event(rca.case, actor, "rca_signed", rca_id=rca.pk, revision=rca.revision)
    _announce(events.SIGNED, rca)
    return revision


@transaction.atomic
def rca_new_revision(*, actor: Person, rca: Rca, reason: str) -> Rca:
    """Reopen a signed RCA as the draft of its next revision; the signed one stays published."""
    rca = _lock(rca)
    if not may_edit(actor, rca):
        raise PermissionDenied("Only the RCA's owner or accountable party revises it.")
    if rca.status != RcaStatus.SIGNED:
        raise Conflict("This RCA is still a draft; edit it directly.", fields={"status": "Draft."})
    errors = Errors()
    reason = clean_single_line(
        reason, errors, "reason", max_length=500, required_message="Required."
    )
    errors.raise_if_any("Say why it is revised." if not reason else "The revision was not started.")
    rca.status, rca.revision = RcaStatus.DRAFT, rca.revision + 1
    rca.signed_at, rca.signed_by = None, None
    rca.save()
    audit_record(
        actor=actor,
        action="rca.revision_started",
        target=rca,
        organisation_id=rca.owner_id,
        after={"revision": rca.revision, "reason": reason},
    )
    return rca


def rca_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag each draft past its due date once, with an ``rca.overdue`` outbox event."""
    now = now or clock.now()
    flagged = 0
    due = Rca.objects.filter(status=RcaStatus.DRAFT, due_at__lt=now, overdue_flagged_at=None)
    for rca_id in due.order_by("due_at").values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            rca = (
                Rca.objects.select_for_update(of=("self",))
                .select_related("case")
                .filter(pk=rca_id, overdue_flagged_at=None)
                .first()
            )
            if rca is None or rca.status != RcaStatus.DRAFT:
                continue
            rca.overdue_flagged_at = now
            rca.save(update_fields=["overdue_flagged_at", "updated_at"])
            _case_event(rca.case, None, "rca_overdue", rca_id=rca.pk, due_at=rca.due_at.isoformat())
            _announce(events.OVERDUE, rca)
            flagged += 1
    return flagged
