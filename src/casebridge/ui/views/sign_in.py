"""Sign-in: Django's login view, answering 429 with Retry-After while the account or the
address has to wait after failed attempts (see parties/auth.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from casebridge.ui.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "ui/registration/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        wait = getattr(form, "wait_seconds", 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response
