"""The portal's home: a person's work (cases/workspace.py), with counts that refresh on their
own every 30 seconds (HTMX polling a small partial)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from casebridge.cases import saved_views, workspace
from casebridge.core import clock
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person


def _rows(actor: Person, cases: list, now) -> list:  # type: ignore[type-arg]
    return [
        (case, workspace.due_state(case, actor, now), workspace.next_due_at(case, actor))
        for case in cases
    ]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return redirect("ui:cases")
    now = clock.now()
    sections = []
    for view in workspace.views_for(actor):
        cases = list(workspace.view_cases(actor, view.code, now=now)[: workspace.PAGE_SIZE])
        sections.append((view, _rows(actor, cases, now)))
    return render(
        request,
        "ui/home.html",
        {
            "sections": sections,
            "views": workspace.views_for(actor),
            "counts": workspace.view_counts(actor),
            "saved": saved_views.saved_view_counts(actor),
        },
    )


@require_GET
@login_required
def home_counts(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    views = workspace.views_for(actor)
    if not views:
        raise Http404("No work views for customers.")
    return render(
        request,
        "ui/partials/work_counts.html",
        {"views": views, "counts": workspace.view_counts(actor)},
    )


@require_GET
@login_required
def work_view(request: HttpRequest, code: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    views = {view.code: view for view in workspace.views_for(actor)}
    if code not in views:
        raise Http404("No such view.")
    now = clock.now()
    page = Paginator(workspace.view_cases(actor, code, now=now), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "ui/work_view.html",
        {"view": views[code], "page": page, "rows": _rows(actor, list(page.object_list), now)},
    )
