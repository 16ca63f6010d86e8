"""Access in the portal: an organisation's sign-in settings (its single sign-on and whether
everyone needs a second factor), offboarding a person, and the sign-in and access audit with
its CSV export."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.cases.models import Engagement
from casebridge.core.errors import DomainError, NotFound, PermissionDenied
from casebridge.identity import selectors
from casebridge.identity.choices import SsoProtocol
from casebridge.identity.exports import audit_csv_rows
from casebridge.identity.permissions import may_configure_sign_in, may_offboard
from casebridge.identity.services import (
    organisation_sign_in_policy_set,
    person_offboard,
    single_sign_on_configure,
)
from casebridge.identity.services.sign_in import callback_url, provider_id_for
from casebridge.parties.choices import Role
from casebridge.parties.models import Organisation, Person
from casebridge.parties.selectors import access_organisation, access_person
from casebridge.ui.forms import apply_domain_error

PAGE_SIZE = 50


class SingleSignOnForm(forms.Form):
    protocol = forms.ChoiceField(choices=SsoProtocol.choices, label="Protocol")
    display_name = forms.CharField(
        required=False, max_length=100, label="Button text", help_text="Sign in with …"
    )
    issuer = forms.CharField(
        max_length=500,
        label="Issuer",
        help_text="OpenID Connect: the issuer URL. SAML: the identity provider's entity ID.",
    )
    client_id = forms.CharField(required=False, max_length=191, label="Client ID")
    client_secret = forms.CharField(
        required=False,
        max_length=500,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="OpenID Connect. Leave empty to keep the stored one.",
    )
    sso_url = forms.CharField(
        required=False, max_length=500, label="Sign-in URL", help_text="SAML only."
    )
    certificate = forms.CharField(
        required=False,
        label="Signing certificate",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="SAML only: PEM.",
    )
    allowed_domains = forms.CharField(
        required=False,
        max_length=2000,
        label="Allowed e-mail domains",
        help_text="Comma-separated. People of these domains are created on their first "
        "sign-in; others need an invitation.",
    )
    default_role = forms.ChoiceField(label="Role of people created on first sign-in")
    is_enabled = forms.BooleanField(required=False, initial=True, label="Switched on")

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from casebridge.ui.views.invitations import roles_for

        self.fields["default_role"].choices = [  # type: ignore[attr-defined]
            choice for choice in roles_for(organisation) if choice[0] != Role.ADMIN
        ]


class PolicyForm(forms.Form):
    require_second_factor = forms.BooleanField(
        required=False, label="Everyone of this organisation signs in with a second factor"
    )


def _organisation_or_404(actor: Person, organisation_id: int) -> Organisation:
    try:
        organisation = access_organisation(actor, organisation_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if not may_configure_sign_in(actor, organisation):
        raise Http404("No such organisation.")
    return organisation


def _settings_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    sso_form: SingleSignOnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    current = selectors.single_sign_on_get(actor=actor, organisation=organisation)
    if sso_form is None:
        initial = {"protocol": SsoProtocol.OIDC, "is_enabled": True, "default_role": Role.AGENT}
        if current is not None:
            initial = {
                "protocol": current.protocol,
                "display_name": current.display_name,
                "issuer": current.issuer,
                "client_id": current.social_app.client_id
                if current.protocol == SsoProtocol.OIDC
                else "",
                "sso_url": current.sso_url,
                "certificate": current.certificate,
                "allowed_domains": ", ".join(current.allowed_domains),
                "default_role": current.default_role,
                "is_enabled": current.is_enabled,
            }
        sso_form = SingleSignOnForm(initial=initial, organisation=organisation)
    return render(
        request,
        "ui/identity/sign_in_settings.html",
        {
            "organisation": organisation,
            "current": current,
            "sso_form": sso_form,
            "policy_form": PolicyForm(
                initial={"require_second_factor": organisation.require_second_factor}
            ),
            "callback_url": callback_url(current) if current else "",
            "provider_id": provider_id_for(organisation),
        },
        status=status,
    )


@require_GET
@login_required
def sign_in_settings_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    return _settings_page(request, _organisation_or_404(actor, organisation_id))


@require_POST
@login_required
def single_sign_on_save_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    organisation = _organisation_or_404(actor, organisation_id)
    form = SingleSignOnForm(request.POST, organisation=organisation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            single_sign_on_configure(
                actor=actor,
                organisation=organisation,
                protocol=data["protocol"],
                display_name=data["display_name"],
                issuer=data["issuer"],
                client_id=data["client_id"],
                client_secret=data["client_secret"] or None,
                sso_url=data["sso_url"],
                certificate=data["certificate"],
                allowed_domains=data["allowed_domains"].split(","),
                default_role=data["default_role"],
                is_enabled=data["is_enabled"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "Single sign-on saved.")
            return redirect("ui:sign-in-settings", organisation_id=organisation.pk)
    return _settings_page(request, organisation, sso_form=form, status=422)


@require_POST
@login_required
def sign_in_policy_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    organisation = _organisation_or_404(actor, organisation_id)
    form = PolicyForm(request.POST)
    form.is_valid()
    required = bool(form.cleaned_data.get("require_second_factor"))
    organisation_sign_in_policy_set(
        actor=actor, organisation=organisation, require_second_factor=required
    )
    messages.success(
        request,
        "Everyone of the organisation now needs a second factor."
        if required
        else "A second factor is needed only where the deployment requires it.",
    )
    return redirect("ui:sign-in-settings", organisation_id=organisation.pk)


class OffboardForm(forms.Form):
    reassign_to = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label="Their open cases go to",
    )
    reason = forms.CharField(required=False, max_length=300, label="Reason")

    def __init__(self, *args: object, colleagues: list[Person], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reassign_to"].choices = [  # type: ignore[attr-defined]
            ("", "Nobody: back to the desk's unassigned queue"),
            *((p.pk, f"{p.full_name} <{p.email}>") for p in colleagues),
        ]


@require_http_methods(["GET", "POST"])
@login_required
def offboard_view(request: HttpRequest, person_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        person = access_person(actor, person_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    if not may_offboard(actor, person):
        raise Http404("No such person.")
    colleagues = list(
        Person.objects.filter(organisation_id=person.organisation_id, is_active=True)
        .exclude(pk=person.pk)
        .order_by("full_name", "id")[:500]
    )
    form = OffboardForm(request.POST or None, colleagues=colleagues)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            target_id = form.cleaned_data["reassign_to"]
            reassign_to = next((p for p in colleagues if p.pk == target_id), None)
            try:
                result = person_offboard(
                    actor=actor,
                    person=person,
                    reassign_to=reassign_to,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                where = (
                    f"to {result.reassigned_to.full_name}"
                    if result.reassigned_to
                    else "back to the queue"
                )
                messages.success(
                    request,
                    f"{person.full_name} is deactivated: {result.sessions_ended} session(s) "
                    f"ended, {result.tokens_revoked} token(s) revoked"
                    + (", submitter status withdrawn" if result.submitter_withdrawn else "")
                    + f", {len(result.cases)} open case(s) handed {where}.",
                )
                return redirect("ui:organisation", organisation_id=person.organisation_id)
    open_cases = (
        Engagement.objects.select_related("case")
        .filter(assignee=person, closed_at__isnull=True)
        .order_by("case_id")[:100]
    )
    return render(
        request,
        "ui/identity/offboard.html",
        {"person": person, "form": form, "open_cases": open_cases},
        status=status,
    )


def _audit_events(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor: Person = request.user  # type: ignore[assignment]
    organisation_id = request.GET.get("organisation")
    try:
        return selectors.audit_list(
            actor=actor,
            organisation_id=int(organisation_id)
            if organisation_id and organisation_id.isdigit()
            else None,
            access_only=request.GET.get("all") != "1",
        )
    except PermissionDenied as error:
        raise Http404(error.detail) from error


@require_GET
@login_required
def audit_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(_audit_events(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ui/identity/audit.html",
        {"page": page, "query": request.GET.urlencode()},
    )


@require_GET
@login_required
def audit_export_view(request: HttpRequest) -> StreamingHttpResponse:
    events = _audit_events(request)
    response = StreamingHttpResponse(
        audit_csv_rows(events.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="casebridge-access-audit.csv"'
    return response
