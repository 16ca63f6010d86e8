"""Saving a queue's filters as a view, and removing one; the home page lists them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from casebridge.cases import saved_views
from casebridge.core.errors import DomainError, NotFound
from casebridge.parties.models import Person


@require_POST
@login_required
def saved_view_save_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    params = saved_views.queue_params(request.POST)
    back = f"{reverse('ui:cases')}?{params.query()}"
    try:
        view = saved_views.saved_view_save(
            actor=actor,
            name=request.POST.get("name", ""),
            params=params,
            shared=request.POST.get("shared") == "1",
        )
    except DomainError as error:
        problems = " ".join(" ".join(texts) for texts in error.fields.values())
        messages.error(request, f"{error.detail} {problems}".strip())
        return redirect(back)
    messages.success(
        request,
        f"Saved “{view.name}”{' for the whole desk' if view.shared else ''}: it is on My work.",
    )
    return redirect(back)


@require_POST
@login_required
def saved_view_delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        view = saved_views.access_saved_view(actor, view_id)
        saved_views.saved_view_delete(actor=actor, view=view)
    except NotFound as error:
        raise Http404(error.detail) from error
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Removed the view “{view.name}”.")
    return redirect("ui:home")
