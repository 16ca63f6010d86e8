"""Invitations in the portal: an organisation's pending invitations with an invite form,
re-send and withdraw; every invitation the caller manages; and the page an invitee opens from
the e-mail, which sets a password or hands over to the organisation's single sign-on. A link
that is unknown, used, expired or withdrawn shows why and creates nothing."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.core.errors import DomainError, NotFound
from casebridge.identity import selectors
from casebridge.identity.choices import InvitationState
from casebridge.identity.permissions import may_invite_to
from casebridge.identity.selectors import sign_on_origin
from casebridge.identity.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from casebridge.identity.services.invitations import invitation_problem
from casebridge.identity.services.sign_in import login_url
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Organisation, Person
from casebridge.parties.selectors import access_organisation
from casebridge.ui.forms import apply_domain_error

PAGE_SIZE = 50


def roles_for(organisation: Organisation) -> list[tuple[str, str]]:
    if organisation.kind == OrganisationKind.CUSTOMER:
        allowed = [Role.CUSTOMER_CONTACT, Role.AGENT, Role.MANAGER, Role.ADMIN]
    else:
        allowed = [Role.AGENT, Role.ENGINEER, Role.MANAGER, Role.ADMIN]
    return [(role.value, str(role.label)) for role in allowed]


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    full_name = forms.CharField(label="Name", max_length=200)
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Roles")

    def __init__(self, *args: object, organisation: Organisation, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["roles"].choices = roles_for(organisation)  # type: ignore[attr-defined]


class AcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=200)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common password, not only digits, not like "
        "your name or address.",
    )
    password_again = forms.CharField(
        label="The password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


def _organisation_or_404(actor: Person, organisation_id: int) -> Organisation:
    try:
        return access_organisation(actor, organisation_id)
    except NotFound as error:
        raise Http404(error.detail) from error


def _invitation_or_404(actor: Person, invitation_id: int):  # type: ignore[no-untyped-def]
    try:
        return selectors.access_invitation(actor, invitation_id)
    except NotFound as error:
        raise Http404(error.detail) from error


@require_GET
@login_required
def invitations_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    state = request.GET.get("state") or InvitationState.PENDING
    if state not in InvitationState.values and state != "all":
        state = InvitationState.PENDING
    invitations = selectors.invitation_list(actor=actor, state=None if state == "all" else state)
    page = Paginator(invitations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ui/identity/invitations.html",
        {"page": page, "state": state, "states": InvitationState.choices},
    )


def _organisation_page(
    request: HttpRequest, organisation: Organisation, form: InvitationForm | None, status: int
) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    invitations = selectors.invitation_list(actor=actor, organisation_id=organisation.pk)[:100]
    return render(
        request,
        "ui/identity/organisation_invitations.html",
        {
            "organisation": organisation,
            "invitations": invitations,
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def organisation_invitations_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    organisation = _organisation_or_404(actor, organisation_id)
    if not may_invite_to(actor, organisation):
        raise Http404("No such organisation.")
    if request.method == "GET":
        return _organisation_page(
            request, organisation, InvitationForm(organisation=organisation), 200
        )
    form = InvitationForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            invitation, _ = invitation_create(
                actor=actor,
                organisation=organisation,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                roles=form.cleaned_data["roles"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("ui:organisation-invitations", organisation_id=organisation.pk)
    return _organisation_page(request, organisation, form, 422)


@require_POST
@login_required
def invitation_resend_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    invitation = _invitation_or_404(actor, invitation_id)
    try:
        invitation, _ = invitation_resend(actor=actor, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request, f"Invitation sent again to {invitation.email}; the old link no longer works."
        )
    return redirect("ui:organisation-invitations", organisation_id=invitation.organisation_id)


@require_POST
@login_required
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    invitation = _invitation_or_404(actor, invitation_id)
    try:
        invitation_revoke(actor=actor, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Invitation of {invitation.email} withdrawn.")
    return redirect("ui:organisation-invitations", organisation_id=invitation.organisation_id)


def _unusable(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    return render(
        request, "ui/identity/invitation_unusable.html", {"problem": problem}, status=status
    )


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    problem = invitation_problem(invitation)
    if problem:
        return _unusable(request, problem, 404 if invitation is None else 410)
    assert invitation is not None
    signed_in_as = request.user.email if request.user.is_authenticated else None  # type: ignore[union-attr]
    if signed_in_as is not None and signed_in_as != invitation.email:
        return _unusable(
            request,
            f"This invitation is for {invitation.email}, but you are signed in as "
            f"{signed_in_as}. Sign out first if it is yours.",
            403,
        )
    single_sign_on = selectors.single_sign_on_of_organisation(invitation.organisation)
    form = AcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                person = invitation_accept(
                    token=token,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
            except DomainError as error:
                if error.code == "invitation_unusable":
                    return _unusable(request, error.detail, 410)
                apply_domain_error(form, error)
            else:
                # They just chose the password: that counts as confirming it, so enrolling
                # a second factor next does not ask for it again.
                record_authentication(
                    request, person, "password", email=person.email, reauthenticated=True
                )
                messages.success(request, f"Welcome to casebridge, {person.full_name}.")
                return perform_login(request, person, redirect_url=reverse("ui:home"))
    if single_sign_on is not None:  # its button continues at the organisation's provider
        request.csp_form_action = [sign_on_origin(single_sign_on)]  # type: ignore[attr-defined]
    return render(
        request,
        "ui/identity/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "single_sign_on": single_sign_on,
            "sign_on_url": login_url(single_sign_on) if single_sign_on else "",
            "token": token,
        },
        status=status,
    )
