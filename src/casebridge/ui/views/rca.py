"""Portal pages for root-cause analyses: the list with filters, the RCA page (sections,
actions, sign-off, revisions) and the printable and PDF exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.cases.choices import CauseAttribution
from casebridge.core.errors import DomainError, NotFound
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rca import exports, selectors, services
from casebridge.rca.choices import ActionKind, ActionStatus, RcaStatus
from casebridge.rca.models import Rca
from casebridge.ui.forms import apply_domain_error

PAGE_SIZE = 50


def _rca_or_404(actor: Person, rca_id: int) -> Rca:
    try:
        return selectors.access_rca(actor, rca_id)
    except NotFound as error:
        raise Http404(error.detail) from error


@require_GET
@login_required
def rca_list_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    owner_party = request.GET.get("owner_party") or None
    attribution = request.GET.get("attribution") or None
    status = request.GET.get("status") or None
    overdue = {"yes": True, "no": False}.get(request.GET.get("overdue", ""))
    filters = selectors.RcaFilters(
        owner_party=owner_party if owner_party in OrganisationKind.values else None,
        attribution=attribution if attribution in CauseAttribution.values else None,
        status=status if status in RcaStatus.values else None,
        overdue=overdue,
    )
    page = Paginator(selectors.rca_list(actor=actor, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "ui/rca/list.html",
        {
            "page": page,
            "rows": [(rca, selectors.is_overdue(rca)) for rca in page.object_list],
            "filters": filters,
            "overdue": request.GET.get("overdue", ""),
            "parties": OrganisationKind.choices,
            "attributions": CauseAttribution.choices,
            "statuses": RcaStatus.choices,
        },
    )


TIMELINE_FORMAT = "%Y-%m-%d %H:%M"


def timeline_text(entries: list[dict[str, str]]) -> str:
    """The timeline as editable lines, ``2026-06-15 09:00 Case opened``, in the viewer's zone."""
    zone = timezone.get_current_timezone()
    lines = []
    for entry in entries:
        at = dt.datetime.fromisoformat(entry["at"]).astimezone(zone)
        lines.append(f"{at:{TIMELINE_FORMAT}} {entry['text']}")
    return "\n".join(lines)


class SectionsForm(forms.Form):
    timeline = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One event per line: 2026-06-15 09:00 what happened (your time zone).",
    )

    def clean_timeline(self) -> list[dict[str, str]]:
        zone = timezone.get_current_timezone()
        entries, problems = [], []
        for number, line in enumerate(self.cleaned_data["timeline"].splitlines(), start=1):
            if not line.strip():
                continue
            stamp, text = line.strip()[:16], line.strip()[16:].strip()
            try:
                at = dt.datetime.strptime(stamp, TIMELINE_FORMAT).replace(tzinfo=zone)
            except ValueError:
                problems.append(f"Line {number} does not start with a time like 2026-06-15 09:00.")
                continue
            if not text:
                problems.append(f"Line {number} says what happened after the time.")
                continue
            entries.append({"at": at.isoformat(), "text": text})
        if problems:
            raise forms.ValidationError(problems)
        return entries

    impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    contributing_factors = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    public_summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the customer reads once it is signed.",
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices)
    description = forms.CharField(max_length=5000)
    owner_id = forms.TypedChoiceField(coerce=int, label="Owner")
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due")

    def __init__(self, *args: Any, rca: Rca, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [  # type: ignore[attr-defined]
            ("", "Choose"),
            *(
                (person.pk, f"{person.full_name} ({person.organisation.name})")
                for person in selectors.action_owner_candidates(rca)[:500]
            ),
        ]


def rca_page(
    request: HttpRequest,
    rca: Rca,
    *,
    sections_form: SectionsForm | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    view = selectors.view_of(actor, rca)
    editable = view == selectors.DRAFT and rca.status == RcaStatus.DRAFT
    return render(
        request,
        "ui/rca/detail.html",
        {
            "rca": rca,
            "view": view,
            "overdue": selectors.is_overdue(rca),
            "editable": editable,
            "may_sign": editable and services.may_sign(actor, rca),
            "may_revise": view == selectors.DRAFT and rca.status == RcaStatus.SIGNED,
            "actions": selectors.rca_actions(rca) if view == selectors.DRAFT else [],
            "action_statuses": ActionStatus.choices,
            "published": selectors.published_content(actor, rca),
            "sections_form": sections_form
            or SectionsForm(
                initial={
                    "timeline": timeline_text(rca.timeline),
                    **{
                        name: getattr(rca, name)
                        for name in (
                            "impact",
                            "root_cause",
                            "contributing_factors",
                            "public_summary",
                        )
                    },
                }
            ),
            "action_form": action_form or ActionForm(rca=rca),
            "attribution_label": CauseAttribution(rca.attribution).label,
        },
        status=status,
    )


@require_GET
@login_required
def rca_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    return rca_page(request, _rca_or_404(actor, rca_id))


@require_POST
@login_required
def rca_sections_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    form = SectionsForm(request.POST)
    if form.is_valid():
        try:
            services.rca_update(actor=actor, rca=rca, changes=form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("ui:rca", rca.pk)
    return rca_page(request, rca, sections_form=form, status=422)


@require_POST
@login_required
def rca_action_add_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    form = ActionForm(request.POST, rca=rca)
    if form.is_valid():
        values = dict(form.cleaned_data)
        owner_id = values.pop("owner_id")
        values["owner"] = selectors.action_owner_candidates(rca).filter(pk=owner_id).first()
        try:
            services.rca_action_add(actor=actor, rca=rca, values=values)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            return redirect("ui:rca", rca.pk)
    return rca_page(request, rca, action_form=form, status=422)


@require_POST
@login_required
def rca_action_status_view(request: HttpRequest, rca_id: int, action_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    action = selectors.rca_actions(rca).filter(pk=action_id).first()
    if action is None:
        raise Http404("No such action.")
    try:
        services.rca_action_update(
            actor=actor, action=action, values={"status": request.POST.get("status", "")}
        )
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("ui:rca", rca.pk)


@require_POST
@login_required
def rca_sign_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    try:
        services.rca_sign(actor=actor, rca=rca)
    except DomainError as error:
        problems = "; ".join(f"{name}: {' '.join(items)}" for name, items in error.fields.items())
        messages.error(request, f"{error.detail} {problems}".strip())
    else:
        messages.success(request, f"Revision {rca.revision} signed off and published.")
    return redirect("ui:rca", rca.pk)


@require_http_methods(["POST"])
@login_required
def rca_revise_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    try:
        services.rca_new_revision(actor=actor, rca=rca, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("ui:rca", rca.pk)


@require_GET
@login_required
def rca_print_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    try:
        return HttpResponse(exports.rca_html(actor, rca))
    except DomainError as error:
        raise Http404(error.detail) from error


@require_GET
@login_required
def rca_pdf_view(request: HttpRequest, rca_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    rca = _rca_or_404(actor, rca_id)
    try:
        document = exports.rca_pdf(actor, rca)
    except DomainError as error:
        raise Http404(error.detail) from error
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rca-{rca.case.number}.pdf"'
    return response
