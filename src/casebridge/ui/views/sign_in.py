"""Getting in: allauth's sign-in (by e-mail address, then a second factor where one is
enrolled), answering 429 with Retry-After while the account or the address has to wait after
failed attempts (see parties/auth.py); password reset by e-mail, limited the same way; single
sign-on started from an e-mail address; and the page that asks for a second factor where one
is required."""

from __future__ import annotations

from typing import Any

from allauth.account.views import LoginView, PasswordResetView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from casebridge.identity.selectors import sign_on_origins, single_sign_on_for_email
from casebridge.parties.models import Person
from casebridge.parties.second_factor import has_second_factor, second_factor_reasons


def _too_many(response: HttpResponse, form: Any) -> HttpResponse:
    wait = getattr(form, "wait_seconds", 0)
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


class SignInView(LoginView):
    template_name = "ui/registration/login.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # "Sign in with your organisation" is answered with a redirect to its provider.
        request.csp_form_action = sign_on_origins()  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        return _too_many(super().form_invalid(form), form)


class PasswordResetRequestView(PasswordResetView):
    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.request = self.request
        return form

    def form_invalid(self, form: Any) -> HttpResponse:
        return _too_many(super().form_invalid(form), form)


@require_POST
def single_sign_on_start_view(request: HttpRequest) -> HttpResponse:
    """Sign in through the identity provider of the organisation an address belongs to."""
    email = (request.POST.get("email") or "").strip().lower()
    single_sign_on = single_sign_on_for_email(email)
    if single_sign_on is None:
        messages.error(
            request,
            "No organisation signs in through its own identity provider for that address; "
            "sign in with your password.",
        )
        return redirect("ui:login")
    next_url = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""  # never back to another site
    provider = single_sign_on.social_app.get_provider(request)
    return provider.redirect(request, "login", next_url=next_url or None)


@require_GET
@login_required
def second_factor_required_view(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    if has_second_factor(person):
        return redirect("ui:home")
    return render(
        request,
        "ui/identity/second_factor_required.html",
        {"reasons": second_factor_reasons(person)},
    )


@require_GET
def managed_by_the_organisation_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """allauth's pages for changing one's e-mail addresses and linking other identity
    providers: here the address is the identity an organisation invited or its provider
    vouches for, so neither is changed by its holder."""
    return render(request, "ui/identity/managed_by_the_organisation.html", status=404)
