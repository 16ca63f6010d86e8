"""Search from the header: a case number opens the case, words search every case the person
may see (:mod:`casebridge.cases.search`), the results a page at a time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from casebridge.cases import audiences, search
from casebridge.cases.selectors import access_case, case_number_in
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.core.validation import parse_digits
from casebridge.parties.models import Person


@require_GET
@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    text = request.GET.get("q", "")
    context: dict[str, object] = {"q": text.strip(), "page": None, "error": None}
    if "q" not in request.GET:
        return render(request, "ui/search/results.html", context)
    page_number = parse_digits(request.GET.get("page") or "1") or 1
    try:
        page = search.search_cases(actor, text, page=page_number)
    except ValidationFailed as refused:
        context["error"] = "; ".join(refused.fields.get("q", [])) or refused.detail
        return render(request, "ui/search/results.html", context, status=422)
    if page.exact is not None:
        return redirect("ui:case", case_id=page.exact.pk)
    number = case_number_in(text)
    context.update(
        {
            "page": page,
            "not_visible": number,
            "rows": [
                (hit, {e["kind"]: e for e in audiences.engagements_read(actor, hit.case)})
                for hit in page.hits
            ],
            "previous": page.page - 1 if page.page > 1 else None,
            "next": page.page + 1 if page.page < page.pages else None,
        }
    )
    return render(request, "ui/search/results.html", context)


@require_GET
@login_required
def similar_while_typing_view(request: HttpRequest) -> HttpResponse:
    """The new-case form's suggestions (HTMX, as the writer types the title and description):
    resolved cases like the one being written."""
    actor: Person = request.user  # type: ignore[assignment]
    text = f"{request.GET.get('title', '')[:200]} {request.GET.get('description', '')[:2000]}"
    hits = search.similar_cases(actor, text)
    return render(request, "ui/search/similar.html", {"hits": hits, "typing": True})


@require_GET
@login_required
def similar_to_case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case page's *Similar resolved cases* (loaded after the page)."""
    actor: Person = request.user  # type: ignore[assignment]
    try:
        case = access_case(actor, case_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    hits = search.similar_to_case(actor, case)
    return render(request, "ui/search/similar.html", {"hits": hits, "typing": False})
