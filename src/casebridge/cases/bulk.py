"""One operation over several cases chosen in a queue: assign, change the priority (with a
reason), add a message, or apply a workflow action.

Each case is decided on its own, by the same services and the same policy as one case at a
time, each in its own transaction: a case the policy refuses is reported with the reason and
the others go through. The request as a whole is checked first (a known operation, what it
needs, at most ``CASEBRIDGE_BULK_LIMIT`` cases) and refused with field errors before anything is
written. A case the actor may not see is reported as not found, like any other lookup."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from casebridge.cases import services, workflow
from casebridge.cases.choices import Audience, EngagementKind
from casebridge.cases.models import Case
from casebridge.core.errors import DomainError
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.sla.choices import Priority

OPERATIONS = {
    "assign": "Assign",
    "priority": "Change the priority",
    "comment": "Add a message",
    "transition": "Apply an action",
}


@dataclass(frozen=True)
class BulkRequest:
    operation: str
    case_ids: list[int]
    assignee: Person | None = None  # assign: None unassigns
    priority: str = ""
    reason: str = ""
    audience: str = ""
    body: str = ""
    action: str = ""


@dataclass(frozen=True)
class RowResult:
    case_id: int
    number: str  # "" when the case is not found
    done: bool
    detail: str
    fields: dict[str, list[str]] = field(default_factory=dict)


def action_choices(actor: Person) -> list[tuple[str, str]]:
    """The workflow actions a queue can apply to several cases for the actor's side (the
    vendor's engagement is the vendor's), with their buttons' words; returning needs a reason
    from a list and a step that needs words (a question, a solution) its own, one case at a
    time."""
    vendor = actor.organisation.kind == OrganisationKind.VENDOR
    labels: dict[str, str] = {}
    for transition in workflow.TRANSITIONS:
        if transition.engagement == EngagementKind.VENDOR and not vendor:
            continue
        if transition.action != "return" and not (transition.words and transition.words.required):
            labels.setdefault(transition.action, transition.label or transition.action)
    return sorted(labels.items(), key=lambda item: item[1])


def bulk_limit() -> int:
    return int(settings.CASEBRIDGE_BULK_LIMIT)


def _checked(request: BulkRequest) -> list[int]:
    """The case ids once each, in the order given; field errors for the request as a whole."""
    errors = Errors()
    if request.operation not in OPERATIONS:
        errors.add("operation", f"Choose one of: {', '.join(OPERATIONS)}.")
    ids = list(dict.fromkeys(request.case_ids))
    if not ids:
        errors.add("case_ids", "Choose at least one case.")
    elif len(ids) > bulk_limit():
        errors.add("case_ids", f"At most {bulk_limit()} cases at once; {len(ids)} were chosen.")
    if request.operation == "priority":
        clean_choice(request.priority, Priority, errors, "priority")
        clean_single_line(
            request.reason,
            errors,
            "reason",
            max_length=300,
            required_message="Say why the priority changes.",
        )
    elif request.operation == "comment":
        clean_choice(request.audience, Audience, errors, "audience")
        clean_multiline(
            request.body,
            errors,
            "body",
            max_length=50_000,
            required=True,
            required_message="Write the message.",
        )
    elif request.operation == "transition":
        if request.action not in workflow.ACTIONS:
            errors.add("action", "Choose a workflow action.")
        clean_single_line(request.reason, errors, "reason", max_length=300, required=False)
    errors.raise_if_any("Nothing was changed.")
    return ids


def _apply(actor: Person, case: Case, request: BulkRequest) -> None:
    if request.operation == "assign":
        services.case_assign(
            actor=actor,
            case=case,
            engagement=services.side_worked_by(actor, case),
            assignee=request.assignee,
        )
    elif request.operation == "priority":
        services.case_change_priority(
            actor=actor, case=case, priority=request.priority, reason=request.reason
        )
    elif request.operation == "comment":
        services.case_comment(actor=actor, case=case, audience=request.audience, body=request.body)
    else:
        services.case_transition(
            actor=actor,
            case=case,
            action=request.action,
            expected_revision=None,
            reason=request.reason,
        )


def bulk_apply(*, actor: Person, request: BulkRequest) -> list[RowResult]:
    """Apply ``request`` to each chosen case; one result per case, in the order chosen."""
    ids = _checked(request)
    cases = {
        case.pk: case
        for case in Case.objects.visible_to(actor)
        .select_related("customer", "partner", "matrix_version")
        .filter(pk__in=ids)
    }
    results = []
    for case_id in ids:
        case = cases.get(case_id)
        if case is None:
            results.append(RowResult(case_id, "", False, "No such case."))
            continue
        try:
            with transaction.atomic():
                _apply(actor, case, request)
        except DomainError as error:
            results.append(RowResult(case_id, case.number, False, error.detail, error.fields))
        else:
            results.append(RowResult(case_id, case.number, True, "Done."))
    return results
