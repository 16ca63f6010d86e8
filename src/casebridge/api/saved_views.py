"""Saved views: one's own and one's desk's queue filters under a name, with their counts and
their cases — the views the portal lists on My work."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.cases import CasePageOut, queue_page
from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.cases import saved_views, selectors
from casebridge.cases.models import SavedView
from casebridge.parties.models import Person

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_PAGE = 200


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class SavedViewOut(Schema):
    id: int
    name: str
    shared: bool = Field(..., description="Shared with the owner's whole desk.")
    mine: bool = Field(..., description="The caller owns it (and may remove it).")
    filters: dict[str, str] = Field(
        ..., description="The queue's parameters, as GET /me/views/{id}/cases applies them."
    )
    count: int = Field(..., description="How many cases the view holds now.")

    # Each read as the caller: ``context["request"].auth`` is the person asking.
    @staticmethod
    def resolve_mine(view: SavedView, context: dict[str, Any]) -> bool:
        return bool(view.owner_id == context["request"].auth.pk)

    @staticmethod
    def resolve_filters(view: SavedView) -> dict[str, str]:
        return saved_views.queue_params(view.filters).stored()

    @staticmethod
    def resolve_count(view: SavedView, context: dict[str, Any]) -> int:
        actor = context["request"].auth
        filters = saved_views.queue_params(view.filters).filters(actor)
        return selectors.queue_count(actor=actor, filters=filters)


class SavedViewIn(InSchema):
    name: str = Field(..., max_length=200, examples=["My Priority 1s"])
    filters: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description=(
            "Any of engagement, status, priority, assignee (me, none or a colleague's id), "
            "customer (an id), component (a code), tier, due (soon or overdue), sort and "
            "closed (1 includes closed cases). A name or value the queue does not know is a 422."
        ),
        examples=[{"priority": "P1", "assignee": "me"}],
    )
    shared: bool = Field(False, description="For the whole desk (managers and administrators).")


class ViewCasesIn(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


@router.get("/me/views", response={200: list[SavedViewOut], **ERRORS})
@paginate(Pages)
def view_list(request: HttpRequest) -> Any:
    """The caller's views and their desk's shared ones, by name, each with its count (one
    indexed query per view of the page)."""
    return saved_views.saved_views_for(_actor(request))


@router.post("/me/views", response={201: SavedViewOut, **ERRORS})
def view_save(request: HttpRequest, payload: SavedViewIn) -> Any:
    """Save a queue's filters under a name; the same name again replaces them."""
    actor = _actor(request)
    view = saved_views.saved_view_save(
        actor=actor,
        name=payload.name,
        params=saved_views.queue_params_exact(payload.filters),
        shared=payload.shared,
    )
    return Status(201, view)


@router.get("/me/views/{view_id}", response={200: SavedViewOut, **ERRORS})
def view_get(request: HttpRequest, view_id: int) -> Any:
    return saved_views.access_saved_view(_actor(request), view_id)


@router.get("/me/views/{view_id}/cases", response={200: CasePageOut, **ERRORS})
def view_cases(request: HttpRequest, view_id: int, query: Query[ViewCasesIn]) -> Any:
    """The view's queue, a page at a time (``next_cursor`` reads on)."""
    actor = _actor(request)
    params = saved_views.queue_params(saved_views.access_saved_view(actor, view_id).filters)
    return queue_page(actor, params.filters(actor), cursor=query.cursor, limit=query.limit)


@router.delete("/me/views/{view_id}", response={204: None, **ERRORS})
def view_delete(request: HttpRequest, view_id: int) -> Any:
    """Remove a view: one's own, or (a manager) one shared with one's desk."""
    actor = _actor(request)
    saved_views.saved_view_delete(actor=actor, view=saved_views.access_saved_view(actor, view_id))
    return Status(204, None)
