"""Saved views: a queue's filters kept under a name, one's own or shared with one's desk, shown
with their counts on the home page. The queue's query parameters are read here, once, for the
portal's queue and for the views alike, so a saved view means what the queue shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.http import urlencode

from casebridge.cases.choices import CustomerStatus, EngagementKind, VendorStatus
from casebridge.cases.models import SavedView
from casebridge.cases.selectors import SORTS, QueueFilters, queue_count
from casebridge.core import clock
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.core.validation import Errors, clean_single_line
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Person
from casebridge.sla.choices import Priority

#: The queue parameters a view keeps (anything else in a saved query string is dropped).
PARAMETERS = ("engagement", "status", "priority", "assignee", "sort", "closed")
#: Views shown with their counts (each count is one indexed query).
MOST_SHOWN = 12


@dataclass(frozen=True)
class QueueParams:
    """The queue's parameters as the portal reads them: unknown values fall back to the default
    (a link from an older release still opens a queue)."""

    engagement: str = EngagementKind.CUSTOMER
    status: str = ""
    priority: str = ""
    assignee: str = ""  # "" anyone, "me"
    sort: str = "updated"
    closed: bool = False

    def filters(self, actor: Person) -> QueueFilters:
        return QueueFilters(
            engagement=self.engagement,
            status=self.status or None,
            priority=self.priority or None,
            assignee_id=actor.pk if self.assignee == "me" else None,
            sort=self.sort,
            open_only=not self.closed,
        )

    def stored(self) -> dict[str, str]:
        """Only what differs from the default, as query parameters."""
        default = QueueParams()
        values = {
            "engagement": self.engagement,
            "status": self.status,
            "priority": self.priority,
            "assignee": self.assignee,
            "sort": self.sort,
            "closed": "1" if self.closed else "",
        }
        defaults = {
            "engagement": default.engagement,
            "sort": default.sort,
        }
        return {k: v for k, v in values.items() if v and v != defaults.get(k)}

    def query(self) -> str:
        return urlencode(self.stored())


def queue_params(params: Mapping[str, str]) -> QueueParams:
    engagement = params.get("engagement") or EngagementKind.CUSTOMER
    if engagement not in EngagementKind.values:
        engagement = EngagementKind.CUSTOMER
    statuses = VendorStatus if engagement == EngagementKind.VENDOR else CustomerStatus
    status = params.get("status") or ""
    priority = params.get("priority") or ""
    sort = params.get("sort") or "updated"
    return QueueParams(
        engagement=engagement,
        status=status if status in statuses.values else "",
        priority=priority if priority in Priority.values else "",
        assignee="me" if params.get("assignee") == "me" else "",
        sort=sort if sort in SORTS else "updated",
        closed=params.get("closed") == "1",
    )


def saved_views_for(actor: Person) -> QuerySet[SavedView]:
    """The actor's own views and the ones shared with their desk, by name."""
    return SavedView.objects.filter(
        Q(owner=actor) | Q(organisation_id=actor.organisation_id, shared=True)
    ).order_by("name", "id")


def saved_view_counts(actor: Person) -> list[tuple[SavedView, str, int]]:
    """Each shown view with its queue link and how many cases it holds now."""
    found = []
    for view in saved_views_for(actor)[:MOST_SHOWN]:
        params = queue_params(view.filters)
        found.append(
            (view, params.query(), queue_count(actor=actor, filters=params.filters(actor)))
        )
    return found


def _may_share(actor: Person) -> bool:
    return actor.has_role(Role.MANAGER, Role.ADMIN)


@transaction.atomic
def saved_view_save(
    *, actor: Person, name: str, params: QueueParams, shared: bool = False
) -> SavedView:
    """Save the queue's filters under a name (the same name again replaces the filters)."""
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        raise PermissionDenied("Views are for the desks that work cases.")
    errors = Errors()
    name = clean_single_line(name, errors, "name", max_length=80, required_message="Name the view.")
    if shared and not _may_share(actor):
        errors.add("shared", "Only a manager or an administrator shares a view with the desk.")
    errors.raise_if_any("The view was not saved.")
    try:
        with transaction.atomic():
            view, _ = SavedView.objects.update_or_create(
                owner=actor,
                name=name,
                defaults={
                    "organisation_id": actor.organisation_id,
                    "shared": shared,
                    "filters": params.stored(),
                    "created_at": clock.now(),
                },
            )
    except IntegrityError as error:  # the same name saved twice at once
        raise PermissionDenied("A view of that name was saved meanwhile; try again.") from error
    return view


def access_saved_view(actor: Person, view_id: int) -> SavedView:
    view = saved_views_for(actor).filter(pk=view_id).first()
    if view is None:
        raise NotFound("No such view.")
    return view


@transaction.atomic
def saved_view_delete(*, actor: Person, view: SavedView) -> None:
    """Its owner removes a view; a desk-wide one also a manager or administrator of the desk."""
    if view.owner_id != actor.pk and not (
        view.shared and view.organisation_id == actor.organisation_id and _may_share(actor)
    ):
        raise PermissionDenied("Only its owner or a manager of the desk removes this view.")
    view.delete()
