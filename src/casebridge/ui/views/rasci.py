"""Portal pages for the RASCI matrices and, per customer, the people behind each letter."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from casebridge.core.errors import DomainError, NotFound
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rasci import policy, selectors
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.csv_io import render_csv, render_html, render_markdown
from casebridge.rasci.letters import NAMES
from casebridge.rasci.models import MatrixVersion
from casebridge.rasci.validation import matrix_violations

EXPORTS = {
    "csv": ("text/csv", render_csv),
    "md": ("text/markdown", render_markdown),
    "html": ("text/html", render_html),
}


def _may_see(actor: Person, version: MatrixVersion) -> bool:
    return not version.is_draft or actor.organisation.kind == OrganisationKind.VENDOR


def _matrix_context(version: MatrixVersion) -> dict[str, object]:
    parties = version.operating_model.parties
    rows = selectors.version_rows(version)
    return {
        "version": version,
        "parties": parties,
        "rows": [(row, [row.letters.get(party, "") for party in parties]) for row in rows],
        "violations": (
            matrix_violations(parties, selectors.version_specs(version)) if version.is_draft else []
        ),
    }


@require_GET
@login_required
def matrices_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    versions = list(selectors.version_list())
    current = [v for v in versions if v.status == VersionStatus.PUBLISHED]
    return render(
        request,
        "ui/rasci/matrices.html",
        {
            "matrices": [_matrix_context(version) for version in current],
            "versions": [v for v in versions if _may_see(actor, v)],
            "letters": NAMES,
        },
    )


@require_GET
@login_required
def version_view(request: HttpRequest, version_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        version = selectors.version_get(version_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if not _may_see(actor, version):
        raise Http404("No such matrix version.")
    context = {"matrices": [_matrix_context(version)], "versions": [], "letters": NAMES}
    return render(request, "ui/rasci/matrices.html", context)


@require_GET
@login_required
def version_export(request: HttpRequest, version_id: int, format: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    if format not in EXPORTS:
        raise Http404("Unknown export format.")
    try:
        version = selectors.version_get(version_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if not _may_see(actor, version):
        raise Http404("No such matrix version.")
    content_type, renderer = EXPORTS[format]
    rows = selectors.version_rows(version)
    parties = version.operating_model.parties
    first = (
        version.operating_model_id
        if format == "csv"
        else f"{version.operating_model.name} — v{version.number} ({version.status})"
    )
    response = HttpResponse(
        renderer(first, parties, rows), content_type=f"{content_type}; charset=utf-8"
    )
    name = f"rasci-{version.operating_model_id}-v{version.number}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def responsibilities_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        customer = party_selectors.access_organisation(actor, organisation_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if customer.kind != OrganisationKind.CUSTOMER:
        raise Http404("Responsibilities are per customer.")
    try:
        version, pinned, rows = policy.customer_responsibilities(customer)
    except DomainError as error:
        return render(
            request,
            "ui/rasci/responsibilities.html",
            {"customer": customer, "problem": error.detail},
            status=200,
        )
    return render(
        request,
        "ui/rasci/responsibilities.html",
        {
            "customer": customer,
            "version": version,
            "pinned": pinned,
            "rows": rows,
            "parties": version.operating_model.parties,
        },
    )
