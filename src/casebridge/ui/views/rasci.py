"""Portal pages for the RASCI matrices and, per customer, the people behind each letter."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.core.errors import DomainError, NotFound, ValidationFailed
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rasci import policy, selectors, services
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.letters import NAMES
from casebridge.rasci.models import MatrixVersion
from casebridge.rasci.validation import matrix_violations
from casebridge.ui.forms import apply_domain_error


def _version_or_404(actor: Person, version_id: int) -> MatrixVersion:
    try:
        return selectors.access_version(actor, version_id)
    except NotFound as error:
        raise Http404(error.detail) from error


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


MAX_IMPORT_BYTES = 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="As exported with the CSV button.")
    publish = forms.BooleanField(required=False, label="Publish at once")


@require_http_methods(["GET", "POST"])
@login_required
def matrices_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    may_edit = services.can_edit_matrices(actor)
    form = ImportForm()
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only the vendor's administrators and managers edit matrices.")
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_IMPORT_BYTES:
                    raise ValidationFailed(
                        "The file was not imported.", fields={"file": "Larger than 1 MiB."}
                    )
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                form.add_error("file", "The file is not UTF-8 text.")
            except ValidationFailed as error:
                apply_domain_error(form, error)
            else:
                try:
                    imported = services.matrices_import(
                        actor=actor, text=text, publish=form.cleaned_data["publish"]
                    )
                except DomainError as error:
                    apply_domain_error(form, error)
                else:
                    labels = ", ".join(f"{v.label} ({v.status})" for v in imported)
                    messages.success(request, f"Imported {labels}.")
                    return redirect("ui:rasci")
        status = 422
    versions = list(selectors.version_list())
    current = [v for v in versions if v.status == VersionStatus.PUBLISHED]
    return render(
        request,
        "ui/rasci/matrices.html",
        {
            "matrices": [_matrix_context(version) for version in current],
            "versions": [v for v in versions if selectors.may_see_version(actor, v)],
            "letters": NAMES,
            "import_form": form if may_edit else None,
        },
        status=status,
    )


@require_POST
@login_required
def version_publish_view(request: HttpRequest, version_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    version = _version_or_404(actor, version_id)
    try:
        services.version_publish(actor=actor, version=version)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("ui:rasci-version", version_id=version.pk)
    messages.success(request, f"{version.title} is published.")
    return redirect("ui:rasci")


@require_GET
@login_required
def version_view(request: HttpRequest, version_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    version = _version_or_404(actor, version_id)
    context = {
        "matrices": [_matrix_context(version)],
        "versions": [],
        "letters": NAMES,
        "may_publish": version.is_draft and services.can_edit_matrices(actor),
    }
    return render(request, "ui/rasci/matrices.html", context)


@require_GET
@login_required
def version_export(request: HttpRequest, version_id: int, format: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    version = _version_or_404(actor, version_id)
    try:
        export = selectors.version_export(version, format)
    except ValidationFailed as error:
        raise Http404("Unknown export format.") from error
    response = HttpResponse(export.body, content_type=f"{export.content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
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
