"""Offboarding: one transaction that deactivates a person, ends their sessions, revokes their
API tokens, withdraws their authorised-submitter status and hands their open cases to a
colleague or back to the queue, as the administrator chose; audited as one act."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from casebridge.cases.models import Engagement
from casebridge.cases.services import case_assign
from casebridge.core.audit import audit_record
from casebridge.core.errors import Conflict, DomainError, ValidationFailed
from casebridge.identity.permissions import may_offboard
from casebridge.identity.sessions import sessions_end
from casebridge.parties.models import ApiToken, AuthorisedSubmitter, Person
from casebridge.parties.services._validation import require
from casebridge.parties.services.people import person_update


@dataclass
class OffboardingResult:
    person: Person
    sessions_ended: int = 0
    tokens_revoked: int = 0
    submitter_withdrawn: bool = False
    reassigned_to: Person | None = None
    cases: list[str] = field(default_factory=list)


@transaction.atomic
def person_offboard(
    *, actor: Person, person: Person, reassign_to: Person | None = None, reason: str = ""
) -> OffboardingResult:
    """Take ``person`` out. Their open cases go to ``reassign_to`` (an active colleague of
    theirs) or, with None, back to their desk's unassigned queue. Nothing happens unless all
    of it does."""
    require(may_offboard(actor, person), "You may not offboard this person.")
    person = Person.objects.select_for_update().select_related("organisation").get(pk=person.pk)
    if not person.is_active:
        raise Conflict(
            f"{person.full_name} is already deactivated.", fields={"person": "Deactivated."}
        )
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationFailed(
            "The person was not offboarded.", fields={"reason": "At most 300 characters."}
        )
    if reassign_to is not None and (
        reassign_to.pk == person.pk
        or not reassign_to.is_active
        or reassign_to.organisation_id != person.organisation_id
    ):
        raise ValidationFailed(
            "The person was not offboarded.",
            fields={"reassign_to_id": f"Pick an active colleague of {person.full_name}."},
        )
    submitter_withdrawn = AuthorisedSubmitter.objects.filter(person=person, active=True).exists()
    live_tokens = ApiToken.objects.filter(person=person, revoked_at__isnull=True).count()
    open_sides = list(
        Engagement.objects.select_related("case")
        .filter(assignee=person, closed_at__isnull=True)
        .order_by("case_id", "kind")
    )
    person = person_update(actor=actor, person=person, is_active=False)
    numbers = []
    for side in open_sides:
        try:
            case_assign(actor=actor, case=side.case, engagement=side.kind, assignee=reassign_to)
        except DomainError as error:
            raise ValidationFailed(
                "The person was not offboarded: one of their open cases cannot be handed on.",
                fields={"reassign_to_id": f"{side.case.number}: {error.detail}"},
            ) from error
        numbers.append(side.case.number)
    ended = sessions_end(person)
    result = OffboardingResult(
        person=person,
        sessions_ended=ended,
        tokens_revoked=live_tokens,
        submitter_withdrawn=submitter_withdrawn,
        reassigned_to=reassign_to,
        cases=numbers,
    )
    audit_record(
        actor=actor,
        action="person.offboarded",
        target=person,
        organisation_id=person.organisation_id,
        after={
            "reason": reason,
            "sessions_ended": ended,
            "tokens_revoked": live_tokens,
            "submitter_withdrawn": submitter_withdrawn,
            "cases": numbers,
            "reassigned_to": reassign_to.pk if reassign_to else None,
        },
    )
    return result
