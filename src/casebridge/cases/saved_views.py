"""Saved views: a queue's filters kept under a name, one's own or shared with one's desk, shown
with their counts on the home page. The queue's query parameters are read here, once, for the
portal's queue and for the views alike, so a saved view means what the queue shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.http import urlencode

from casebridge.cases import search
from casebridge.cases.choices import CustomerStatus, EngagementKind, VendorStatus
from casebridge.cases.models import SavedView
from casebridge.cases.selectors import DUE_FILTERS, SORTS, QueueFilters, queue_count
from casebridge.core import clock
from casebridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from casebridge.core.validation import Errors, clean_single_line
from casebridge.installed_base.selectors import component_list
from casebridge.parties.choices import OrganisationKind, Role, SupportLevel
from casebridge.parties.models import Person
from casebridge.parties.selectors import organisation_list, person_list
from casebridge.sla.choices import Priority

#: The queue parameters a view keeps (anything else in a saved query string is dropped).
PARAMETERS = (
    "engagement",
    "status",
    "priority",
    "assignee",
    "customer",
    "component",
    "tier",
    "due",
    "q",
    "sort",
    "closed",
)
#: A component's code as the catalogue writes it (a slug).
COMPONENT_CODE = re.compile(r"[-a-zA-Z0-9_]{1,60}")
#: Views shown with their counts (each count is one indexed query).
MOST_SHOWN = 12
#: The largest id a parameter may name (the id columns are 64-bit).
_MAX_ID = 2**62


@dataclass(frozen=True)
class QueueParams:
    """The queue's parameters as the portal reads them: unknown values fall back to the default
    (a link from an older release still opens a queue). Ids that name nothing the viewer may
    see filter to nothing: every filter narrows the viewer's own scope."""

    engagement: str = EngagementKind.CUSTOMER
    status: str = ""
    priority: str = ""
    assignee: str = ""  # "" anyone, "me", "none" (unassigned) or a colleague's id
    customer: str = ""  # a customer organisation's id
    component: str = ""  # a component's code
    tier: str = ""  # a support level
    due: str = ""  # "", "soon" or "overdue"
    q: str = ""  # words the cases' texts must match (the search's syntax)
    sort: str = "updated"
    closed: bool = False

    def filters(self, actor: Person) -> QueueFilters:
        if self.assignee == "me":
            assignee_id: int | None = actor.pk
        elif self.assignee.isdigit():
            assignee_id = int(self.assignee)
        else:
            assignee_id = None
        return QueueFilters(
            engagement=self.engagement,
            status=self.status or None,
            priority=self.priority or None,
            assignee_id=assignee_id,
            unassigned=self.assignee == "none",
            customer_id=int(self.customer) if self.customer else None,
            component=self.component or None,
            tier=self.tier or None,
            due=self.due or None,
            matching=search.matching_cases(actor, self.q) if self.q else None,
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
            "customer": self.customer,
            "component": self.component,
            "tier": self.tier,
            "due": self.due,
            "q": self.q,
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


def _an_id(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.isdigit() and 0 < int(value) < _MAX_ID else ""


def text_problem(text: str) -> str:
    """Why ``text`` cannot filter a queue ("" if it can, or if it is blank)."""
    if not text.strip():
        return ""
    try:
        search.query_parse(text)
    except ValidationFailed as refused:
        return "; ".join(refused.fields.get("q", [])) or refused.detail
    return ""


def _searchable(text: str) -> bool:
    """Whether ``text`` is a search that can run (a queue's text filter)."""
    return bool(text) and not text_problem(text)


def queue_params(params: Mapping[str, str]) -> QueueParams:
    engagement = params.get("engagement") or EngagementKind.CUSTOMER
    if engagement not in EngagementKind.values:
        engagement = EngagementKind.CUSTOMER
    statuses = VendorStatus if engagement == EngagementKind.VENDOR else CustomerStatus
    status = params.get("status") or ""
    priority = params.get("priority") or ""
    assignee = (params.get("assignee") or "").strip()
    component = (params.get("component") or "").strip()
    tier = params.get("tier") or ""
    due = params.get("due") or ""
    sort = params.get("sort") or "updated"
    text = " ".join((params.get("q") or "").split())
    return QueueParams(
        engagement=engagement,
        status=status if status in statuses.values else "",
        priority=priority if priority in Priority.values else "",
        assignee=assignee if assignee in ("me", "none") else _an_id(assignee),
        customer=_an_id(params.get("customer")),
        component=component if COMPONENT_CODE.fullmatch(component) else "",
        tier=tier if tier in SupportLevel.values else "",
        due=due if due in DUE_FILTERS else "",
        q=text if _searchable(text) else "",
        sort=sort if sort in SORTS else "updated",
        closed=params.get("closed") == "1",
    )


def queue_params_exact(filters: Mapping[str, str]) -> QueueParams:
    """The API's reading of a view's filters: a name or value the queue does not know is a
    field error (``filters.<name>``), not dropped as the portal's links are."""
    errors = Errors()
    for name in filters:
        if name not in PARAMETERS:
            errors.add(f"filters.{name}", f"Not a queue filter; one of: {', '.join(PARAMETERS)}.")
    params = queue_params(filters)
    read = params.stored()
    for name, value in filters.items():
        if name not in PARAMETERS or not value:
            continue
        kept = read.get(name, "")
        if name == "closed":
            ok = value in ("0", "1")
        elif name == "q":
            ok = bool(kept)
            if not ok:
                try:
                    search.query_parse(value)
                except ValidationFailed as refused:
                    errors.add("filters.q", "; ".join(refused.fields.get("q", [])))
                continue
        elif name in ("engagement", "sort"):
            ok = value == getattr(params, name)
        else:
            ok = kept == value.strip()
        if not ok:
            errors.add(f"filters.{name}", f"{value[:40]!r} is not a value of this filter.")
    errors.raise_if_any("The view's filters are not understood.")
    return params


#: At most this many customers are offered in the queue's customer filter (by name).
MOST_CUSTOMERS_OFFERED = 300


@dataclass(frozen=True)
class FilterChoices:
    """What the portal's queue offers to filter by, within what the viewer may see."""

    colleagues: list[tuple[str, str]]
    customers: list[tuple[str, str]]
    components: list[tuple[str, str]]
    tiers: list[tuple[str, str]]
    dues: list[tuple[str, str]]
    more_customers: bool


def filter_choices(actor: Person) -> FilterChoices | None:
    """The desk's filters (none for a customer's people: their queue is their own cases)."""
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return None
    colleagues = person_list(actor=actor, organisation_id=actor.organisation_id).filter(
        is_active=True
    )
    customers = list(
        organisation_list(actor=actor, kind=OrganisationKind.CUSTOMER).values_list("pk", "name")[
            : MOST_CUSTOMERS_OFFERED + 1
        ]
    )
    return FilterChoices(
        colleagues=[
            (str(pk), name)
            for pk, name in colleagues.exclude(pk=actor.pk).values_list("pk", "full_name")
        ],
        customers=[(str(pk), name) for pk, name in customers[:MOST_CUSTOMERS_OFFERED]],
        components=list(component_list().values_list("code", "name")),
        tiers=list(SupportLevel.choices),
        dues=list(DUE_FILTERS.items()),
        more_customers=len(customers) > MOST_CUSTOMERS_OFFERED,
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
