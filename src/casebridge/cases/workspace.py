"""A person's work, for the portal's home: the views of open cases that are theirs to act on,
each a filter on the case row's queue keys (assignee, status, due time, priority) within the
person's visibility scope, Priority 1 first, so each is a range of an index and pages cheaply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from casebridge.cases.choices import VendorStatus
from casebridge.cases.models import Case
from casebridge.cases.selectors import DUE_SOON
from casebridge.core import clock
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person

#: Rows per view on the home page (each view links to its full queue).
PAGE_SIZE = 10


@dataclass(frozen=True)
class View:
    code: str
    title: str
    empty: str


def _due_column(actor: Person) -> str:
    return (
        "vendor_due_at"
        if actor.organisation.kind == OrganisationKind.VENDOR
        else ("customer_due_at")
    )


def views_for(actor: Person) -> list[View]:
    """The views of ``actor``'s home, most urgent first (none for a customer, whose people
    are not assigned cases: they land on their cases)."""
    views: list[View] = []
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return views
    if actor.organisation.kind == OrganisationKind.VENDOR:
        views.append(
            View("to_accept", "Escalations waiting for acceptance", "No escalation waits.")
        )
    views += [
        View("mine", "Assigned to me", "Nothing is assigned to you."),
        View("due", "Due or breaching soon", "Nothing is due in the next hours."),
        View("unassigned", "Unassigned at my desk", "Every open case has someone."),
    ]
    return views


def _open(actor: Person) -> QuerySet[Case]:
    cases = Case.objects.visible_to(actor).filter(closed_at__isnull=True)
    if actor.organisation.kind == OrganisationKind.VENDOR:
        # The vendor's desk: its escalations, and the model-2 cases it serves directly.
        cases = cases.filter(Q(partner__isnull=True) | ~Q(vendor_status=""))
    return cases


def view_cases(actor: Person, code: str, *, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The open cases of one view of ``actor``'s home, Priority 1 first, then by due time."""
    now = now or clock.now()
    due = _due_column(actor)
    cases = _open(actor)
    if code == "to_accept":
        cases = cases.filter(vendor_status=VendorStatus.SUBMITTED)
    elif code == "mine":
        cases = cases.filter(assignee=actor)
    elif code == "due":
        soon = Q(**{f"{due}__lte": now + DUE_SOON})
        if actor.organisation.kind == OrganisationKind.VENDOR:
            # A model-2 case the vendor serves directly runs on the customer engagement's clocks.
            soon |= Q(partner__isnull=True, vendor_status="", customer_due_at__lte=now + DUE_SOON)
        cases = cases.filter(soon)
    elif code == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    else:
        raise KeyError(code)
    return cases.select_related("customer", "assignee").order_by(
        "priority", F(due).asc(nulls_last=True), "id"
    )


def view_counts(actor: Person) -> dict[str, int]:
    """How many cases each view of ``actor``'s home holds (one query per view)."""
    now = clock.now()
    return {view.code: view_cases(actor, view.code, now=now).count() for view in views_for(actor)}


def next_due_at(case: Case, actor: Person) -> dt.datetime | None:
    """The next due time of ``case`` on ``actor``'s side (the vendor's side of a model-2 case
    it serves directly is the customer engagement)."""
    if actor.organisation.kind == OrganisationKind.VENDOR and not case.vendor_status:
        return case.customer_due_at
    due: dt.datetime | None = getattr(case, _due_column(actor))
    return due


def due_state(case: Case, actor: Person, now: dt.datetime) -> str:
    """ "breached" once the next due time has passed, "warning" within the due-soon window."""
    due_at = next_due_at(case, actor)
    if due_at is None:
        return ""
    if due_at <= now:
        return "breached"
    return "warning" if due_at <= now + DUE_SOON else ""
