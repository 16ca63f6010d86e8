"""Portal pages for the installed base: the compliance report with its chart, releases and the
end-of-life policy (edited by the vendor)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.core import clock
from casebridge.core.errors import DomainError, NotFound
from casebridge.core.validation import parse_digits
from casebridge.installed_base import selectors, services
from casebridge.installed_base.choices import Lifecycle, PolicyKind
from casebridge.installed_base.exports import write_compliance_csv
from casebridge.installed_base.services import InstallationInput
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.ui.forms import InstallationForm, apply_domain_error
from casebridge.ui.views.parties import organisation_page

CHART_STATES = [Lifecycle.SUPPORTED, Lifecycle.ENDING_SOON, Lifecycle.UNSUPPORTED]
LIST_LIMIT = 500


def _report_filters(request: HttpRequest) -> dict[str, object]:
    state = request.GET.get("state") or None
    component = request.GET.get("component") or None
    return {
        "partner_id": parse_digits(request.GET.get("partner")),
        "state": state if state in Lifecycle.values else None,
        "component": component,
    }


@require_GET
@login_required
def compliance_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    filters = _report_filters(request)
    report = selectors.compliance_report(actor=actor, **filters)  # type: ignore[arg-type]
    forecast = selectors.lifecycle_forecast(actor=actor, partner_id=filters["partner_id"])  # type: ignore[arg-type]
    chart = {
        "labels": [day.isoformat() for day, _ in forecast],
        "series": [
            {
                "state": state,
                "label": Lifecycle(state).label,
                "values": [c[state] for _, c in forecast],
            }
            for state in CHART_STATES
        ],
    }
    exposed = [
        s for s in report.states if s.state in (Lifecycle.UNSUPPORTED, Lifecycle.ENDING_SOON)
    ]
    exposed.sort(key=lambda s: (s.end_of_life_on or dt.date.max, s.installation.customer.name))
    is_vendor = actor.organisation.kind == OrganisationKind.VENDOR
    return render(
        request,
        "ui/installed_base/compliance.html",
        {
            "report": report,
            "totals": [(Lifecycle(state).label, count) for state, count in report.totals.items()],
            "chart": chart,
            "exposed": exposed[:LIST_LIMIT],
            "exposed_total": len(exposed),
            "filters": filters,
            "states": Lifecycle.choices,
            "components": selectors.component_list().filter(released_by_vendor=True),
            "partners": (
                party_selectors.organisation_list(actor=actor, kind=OrganisationKind.PARTNER)
                if is_vendor
                else []
            ),
            "is_vendor": is_vendor,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@login_required
def compliance_export(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    report = selectors.compliance_report(actor=actor, **_report_filters(request))  # type: ignore[arg-type]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="compliance-{report.on}.csv"'
    write_compliance_csv(report, response)
    return response


class ReleaseForm(forms.Form):
    version = forms.CharField(max_length=20, help_text="Date-style, e.g. 2026.10.")
    released_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_of_life_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to let the policy decide.",
    )
    notes = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: object, components: list[object], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for component in components:
            self.fields[f"bundle.{component.code}"] = forms.CharField(  # type: ignore[attr-defined]
                required=False,
                max_length=40,
                label=f"{component.name} version",  # type: ignore[attr-defined]
            )

    def bundle(self) -> dict[str, str]:
        return {
            name.removeprefix("bundle."): value.strip()
            for name, value in self.cleaned_data.items()
            if name.startswith("bundle.") and value and value.strip()
        }


class PolicyForm(forms.Form):
    kind = forms.ChoiceField(choices=PolicyKind.choices)
    supported_releases = forms.IntegerField(min_value=1, max_value=50, initial=3)
    months_after_successor = forms.IntegerField(min_value=1, max_value=120, initial=12)
    ending_soon_days = forms.IntegerField(min_value=0, max_value=730, initial=90)


@require_http_methods(["GET", "POST"])
@login_required
def releases_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    may_edit = services.can_manage_catalogue(actor)
    components = list(selectors.component_list().filter(released_by_vendor=True))
    release_form = ReleaseForm(components=components, initial={"released_on": clock.today()})
    terms = selectors.policy_terms(selectors.current_policy())
    policy_form = PolicyForm(initial=vars(terms))
    status = 200
    if request.method == "POST":
        if not may_edit:
            return HttpResponse("Only the vendor's administrators and managers.", status=403)
        if "set_policy" in request.POST:
            policy_form = PolicyForm(request.POST)
            if policy_form.is_valid():
                try:
                    services.policy_set(actor=actor, **policy_form.cleaned_data)
                except DomainError as error:
                    apply_domain_error(policy_form, error)
                else:
                    messages.success(request, "The end-of-life policy is changed.")
                    return redirect("ui:releases")
        else:
            release_form = ReleaseForm(request.POST, components=components)
            if release_form.is_valid():
                try:
                    release = services.release_create(
                        actor=actor,
                        version=release_form.cleaned_data["version"],
                        released_on=release_form.cleaned_data["released_on"],
                        end_of_life_on=release_form.cleaned_data["end_of_life_on"],
                        bundle=release_form.bundle(),
                        notes=release_form.cleaned_data["notes"],
                    )
                except DomainError as error:
                    apply_domain_error(release_form, error)
                else:
                    messages.success(request, f"Release {release.version} is recorded.")
                    return redirect("ui:releases")
        status = 422
    catalogue = selectors.Catalogue.load()
    releases = [
        (release, catalogue.dates[release.version], catalogue.bundles.get(release.version, {}))
        for release in sorted(
            catalogue.releases.values(), key=lambda r: r.released_on, reverse=True
        )
    ]
    return render(
        request,
        "ui/installed_base/releases.html",
        {
            "releases": releases,
            "components": components,
            "catalogue": selectors.component_list().prefetch_related("defaults__operating_model"),
            "policy": terms,
            "policy_label": PolicyKind(terms.kind).label,
            "may_edit": may_edit,
            "release_form": release_form,
            "policy_form": policy_form,
            "today": clock.today(),
        },
        status=status,
    )


@require_POST
@login_required
def installation_add_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        customer = party_selectors.access_organisation(actor, organisation_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if not services.can_manage_installations_of(actor, customer):
        return HttpResponse("You may not record installations for this customer.", status=403)
    form = InstallationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.installation_create(
                actor=actor,
                customer=customer,
                data=InstallationInput(
                    component=data["component"],
                    version=data["version"],
                    environment=data["environment"],
                    label=data["label"],
                    managing_party=data["managing_party"] or None,
                    managing_override_reason=data["managing_override_reason"],
                ),
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "The installation is recorded.")
            return redirect("ui:organisation", organisation_id=customer.pk)
    return organisation_page(request, customer, installation_form=form, status=422)
