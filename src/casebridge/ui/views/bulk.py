"""Bulk actions from a queue: the chosen rows, one operation, a result per case."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from casebridge.cases import bulk
from casebridge.cases.choices import Audience
from casebridge.cases.querysets import audiences_for
from casebridge.core.errors import DomainError, NotFound
from casebridge.parties import selectors as party_selectors
from casebridge.parties.models import Person
from casebridge.sla.choices import Priority


def bulk_choices(actor: Person) -> dict[str, object]:
    """What the queue's bulk bar offers the actor."""
    writable = audiences_for(actor, partner_in_between=True)
    return {
        "operations": bulk.OPERATIONS,
        "colleagues": list(
            party_selectors.person_list(actor=actor, organisation_id=actor.organisation_id)
            .filter(is_active=True)
            .prefetch_related(None)
            .only("id", "full_name", "organisation_id")
        ),
        "priorities": Priority.choices,
        "audiences": [(value, label) for value, label in Audience.choices if value in writable],
        "actions": bulk.action_choices(actor),
        "limit": bulk.bulk_limit(),
    }


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and len(value) < 19]


@require_POST
@login_required
def bulk_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    data = request.POST
    operation = data.get("operation", "")
    assignee = None
    errors: dict[str, list[str]] = {}
    results: list[bulk.RowResult] = []
    detail = ""
    raw_assignee = data.get("assignee", "")
    if operation == "assign" and raw_assignee not in ("", "me", "none"):
        try:
            assignee = party_selectors.access_person(actor, int(raw_assignee))
        except (NotFound, ValueError):
            errors["assignee"] = ["Choose a colleague from the list."]
    elif operation == "assign" and raw_assignee in ("", "me"):
        assignee = actor
    if not errors:
        try:
            results = bulk.bulk_apply(
                actor=actor,
                request=bulk.BulkRequest(
                    operation=operation,
                    case_ids=_ids(data.getlist("case")),
                    assignee=assignee,
                    priority=data.get("priority", ""),
                    reason=data.get("reason", ""),
                    audience=data.get("audience", ""),
                    body=data.get("body", ""),
                    action=data.get("action", ""),
                ),
            )
        except DomainError as refused:
            detail, errors = refused.detail, refused.fields
    done = sum(1 for row in results if row.done)
    return render(
        request,
        "ui/cases/bulk_results.html",
        {
            "results": results,
            "done": done,
            "refused": len(results) - done,
            "operation": bulk.OPERATIONS.get(operation, ""),
            "detail": detail,
            "errors": errors,
            "back": data.get("back", "") if data.get("back", "").startswith("/cases/") else "",
        },
        status=422 if errors else 200,
    )
