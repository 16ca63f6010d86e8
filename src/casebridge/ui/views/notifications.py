"""In-app notifications: the bell in the bar (its unread count, polled), the list of what one
was told with a link to each case, marking read. E-mail choices are on the profile page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from casebridge.core.errors import NotFound
from casebridge.notifications import selectors, services
from casebridge.parties.models import Person


def _before(request: HttpRequest) -> int | None:
    raw = request.GET.get("before", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@require_GET
@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    unread_only = request.GET.get("unread") == "1"
    page = selectors.inbox_page(actor, before=_before(request), unread=unread_only)
    return render(
        request,
        "ui/notifications/inbox.html",
        {
            "items": [(n, selectors.headline(n)) for n in page.items],
            "before": page.before,
            "unread_only": unread_only,
            "unread": selectors.unread_count(actor),
        },
    )


@require_GET
@login_required
def bell_view(request: HttpRequest) -> HttpResponse:
    """The bell's inside: polled by the bar, so pages pay nothing for it."""
    actor: Person = request.user  # type: ignore[assignment]
    return render(request, "ui/notifications/bell.html", {"unread": selectors.unread_count(actor)})


@require_GET
@login_required
def notification_open_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to its case; it counts as read from then on."""
    actor: Person = request.user  # type: ignore[assignment]
    try:
        notification = selectors.access_notification(actor, notification_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    services.notification_read(actor=actor, notification=notification)
    if notification.case_id is None:
        return redirect("ui:inbox")
    return redirect("ui:case", case_id=notification.case_id)


@require_POST
@login_required
def read_all_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    count = services.notifications_read_all(actor=actor)
    messages.success(
        request,
        f"{count} notification{'s' if count != 1 else ''} marked read."
        if count
        else "Nothing was unread.",
    )
    return redirect("ui:inbox")
