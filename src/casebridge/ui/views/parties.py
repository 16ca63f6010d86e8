"""Portal pages for organisations, their qualification, people and authorised submitters."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from casebridge.core import clock
from casebridge.core.errors import DomainError, NotFound
from casebridge.identity.permissions import may_configure_sign_in
from casebridge.installed_base import selectors as installed_base
from casebridge.installed_base.services import can_manage_installations_of
from casebridge.parties import permissions, selectors, services
from casebridge.parties.choices import AutoAssignment, OrganisationKind
from casebridge.parties.models import Organisation, Person
from casebridge.ui.forms import InstallationForm, apply_domain_error

PAGE_SIZE = 50


def _page(request: HttpRequest, queryset: object, size: int = PAGE_SIZE) -> object:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _organisation_or_404(actor: Person, organisation_id: int) -> Organisation:
    try:
        return selectors.access_organisation(actor, organisation_id)
    except NotFound as error:
        raise Http404(error.detail) from error


class SubmitterForm(forms.Form):
    person = forms.TypedChoiceField(coerce=int, label="Person")
    phone = forms.CharField(max_length=40, help_text="Any formatting; include the country code.")
    email = forms.EmailField(
        required=False, help_text="Leave empty to use the person's sign-in address."
    )

    def __init__(self, *args: object, people: list[Person], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["person"].choices = [(p.pk, f"{p.full_name} <{p.email}>") for p in people]  # type: ignore[attr-defined]


@require_GET
@login_required
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    kind = request.GET.get("kind") or None
    if kind not in (None, *OrganisationKind.values):
        kind = None
    search = request.GET.get("q", "").strip()
    page = _page(request, selectors.organisation_list(actor=actor, kind=kind, search=search))
    partners = [o for o in page.object_list if o.kind == OrganisationKind.PARTNER]  # type: ignore[attr-defined]
    qualifications = selectors.partner_qualifications(
        [p for p in partners if selectors.can_see_qualification(actor, p)]
    )
    for organisation in page.object_list:  # type: ignore[attr-defined]
        organisation.qualification = qualifications.get(organisation.pk)
    context = {"page": page, "kind": kind, "q": search, "kinds": OrganisationKind.choices}
    template = (
        "ui/parties/partials/organisation_rows.html"
        if request.htmx  # type: ignore[attr-defined]
        else "ui/parties/organisation_list.html"
    )
    return render(request, template, context)


def _organisation_context(
    actor: Person, organisation: Organisation, request: HttpRequest
) -> dict[str, object]:
    today = clock.today()
    qualification = None
    if organisation.kind == OrganisationKind.PARTNER and selectors.can_see_qualification(
        actor, organisation
    ):
        qualification = selectors.partner_is_qualified(organisation, on=today)
    people = selectors.person_list(actor=actor, organisation_id=organisation.pk)
    submitters = selectors.submitter_list(actor=actor, organisation_id=organisation.pk)
    may_register = permissions.can_register_submitters_in(actor, organisation)
    return {
        "organisation": organisation,
        "qualification": qualification,
        "people_page": _page(request, people),
        "expiring": list(
            selectors.certifications_expiring(actor=actor, organisation_id=organisation.pk)[:50]
        ),
        "warning_days": settings.CASEBRIDGE_CERTIFICATION_WARNING_DAYS,
        "submitters": list(submitters[:100]),
        "customers": (
            list(selectors.relationship_list(actor=actor, partner_id=organisation.pk)[:100])
            if organisation.kind == OrganisationKind.PARTNER
            else []
        ),
        **_installed_base_context(actor, organisation),
        "may_register": may_register,
        "may_verify": permissions.can_verify_submitters(actor),
        "may_manage_people": permissions.can_manage_people_of(actor, organisation),
        "may_configure_sign_in": may_configure_sign_in(actor, organisation),
        "may_set_auto_assignment": permissions.can_set_auto_assignment(actor, organisation),
        "auto_assignments": AutoAssignment.choices,
        "today": today,
    }


def _installed_base_context(actor: Person, organisation: Organisation) -> dict[str, object]:
    if organisation.kind != OrganisationKind.CUSTOMER:
        return {}
    installations = list(
        installed_base.installation_list(actor=actor, customer_id=organisation.pk)[:200]
    )
    states = installed_base.states_of(installations, catalogue=None)
    return {
        "installations": states,
        "mismatches": installed_base.bundle_mismatches(states),
        "notices": list(installed_base.notice_list(actor=actor, customer_id=organisation.pk)[:20]),
    }


@require_GET
@login_required
def organisation_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    return organisation_page(request, _organisation_or_404(actor, organisation_id))


def organisation_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    installation_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """The organisation page; other views re-render it with their form's errors."""
    actor: Person = request.user  # type: ignore[assignment]
    context = _organisation_context(actor, organisation, request)
    if context["may_register"]:
        context["submitter_form"] = SubmitterForm(people=_eligible_people(actor, organisation))
    if organisation.kind == OrganisationKind.CUSTOMER and can_manage_installations_of(
        actor, organisation
    ):
        context["installation_form"] = installation_form or InstallationForm()
    return render(request, "ui/parties/organisation_detail.html", context, status=status)


def _eligible_people(actor: Person, organisation: Organisation) -> list[Person]:
    return list(
        selectors.person_list(actor=actor, organisation_id=organisation.pk)
        .prefetch_related(None)
        .filter(is_active=True, submitter__isnull=True)
        .order_by("full_name")[:500]
    )


@require_POST
@login_required
def submitter_register_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    organisation = _organisation_or_404(actor, organisation_id)
    form = SubmitterForm(request.POST, people=_eligible_people(actor, organisation))
    status = 200
    if form.is_valid():
        try:
            person = selectors.access_person(actor, form.cleaned_data["person"])
            services.submitter_register(
                actor=actor,
                person=person,
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"] or None,
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = 403 if error.status == 403 else 422
        else:
            form = SubmitterForm(people=_eligible_people(actor, organisation))
    else:
        status = 422
    context = _organisation_context(actor, organisation, request)
    context["submitter_form"] = form
    return render(request, "ui/parties/partials/submitters.html", context, status=status)


@require_POST
@login_required
def submitter_verify_view(request: HttpRequest, submitter_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        submitter = selectors.access_submitter(actor, submitter_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    organisation = submitter.person.organisation
    status = 200
    error_message = ""
    try:
        services.submitter_verify(actor=actor, submitter=submitter)
    except DomainError as error:
        status = error.status
        error_message = error.detail
    context = _organisation_context(actor, organisation, request)
    context["verify_error"] = error_message
    if context["may_register"]:
        context["submitter_form"] = SubmitterForm(people=_eligible_people(actor, organisation))
    return render(request, "ui/parties/partials/submitters.html", context, status=status)


@require_GET
@login_required
def expiring_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        days = int(request.GET.get("days", settings.CASEBRIDGE_CERTIFICATION_WARNING_DAYS))
    except ValueError:
        days = settings.CASEBRIDGE_CERTIFICATION_WARNING_DAYS
    days = max(0, min(days, 3650))
    page = _page(request, selectors.certifications_expiring(actor=actor, within_days=days))
    return render(
        request, "ui/parties/expiring.html", {"page": page, "days": days, "today": clock.today()}
    )


@require_POST
@login_required
def auto_assignment_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Set how the desk's new cases are given out; a refusal is said on the page."""
    actor: Person = request.user  # type: ignore[assignment]
    organisation = _organisation_or_404(actor, organisation_id)
    try:
        services.organisation_update(
            actor=actor,
            organisation=organisation,
            auto_assignment=request.POST.get("auto_assignment", ""),
        )
    except DomainError as error:
        problems = [message for messages_ in error.fields.values() for message in messages_]
        messages.error(request, " ".join([error.detail, *problems]))
    else:
        organisation.refresh_from_db()
        messages.success(
            request,
            f"New cases: {AutoAssignment(organisation.auto_assignment).label}.",
        )
    return redirect("ui:organisation", organisation.pk)
