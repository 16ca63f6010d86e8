"""Form helpers shared by the portal's views."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from django import forms

from casebridge.core.errors import DomainError
from casebridge.installed_base.choices import Environment, ManagingParty
from casebridge.installed_base.selectors import component_list
from casebridge.parties.auth import login_wait, password_reset_counted, password_reset_wait


def apply_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    if not error.fields:
        form.add_error(None, error.detail)
    for name, problems in error.fields.items():
        form.add_error(name if name in form.fields else None, problems)


class InstallationForm(forms.Form):
    component = forms.ChoiceField()
    version = forms.CharField(required=False, max_length=40)
    environment = forms.ChoiceField(choices=Environment.choices, initial=Environment.PRODUCTION)
    label = forms.CharField(required=False, max_length=100)
    managing_party = forms.ChoiceField(
        required=False,
        choices=[("", "Catalogue default"), *ManagingParty.choices],
    )
    managing_override_reason = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["component"].choices = [  # type: ignore[attr-defined]
            (component.code, component.name) for component in component_list()
        ]


def _wait_words(wait: int) -> str:
    return f"{wait} second(s)" if wait < 90 else f"{round(wait / 60)} minute(s)"


class SignInForm(LoginForm):
    """allauth's sign-in form (e-mail address and password), which says when an account or
    address must wait after failures (``wait_seconds`` tells the view, which answers 429 with
    Retry-After). The address may come as ``login`` or, as before allauth, ``username``."""

    wait_seconds = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data", args[0] if args else None)
        if data is not None and "login" not in data and "username" in data:
            data = data.copy()
            data["login"] = data["username"]
            if args:
                args = (data, *args[1:])
            else:
                kwargs["data"] = data
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "E-mail address"
        self.fields.pop("remember", None)

    def clean(self) -> dict[str, Any]:
        wait = login_wait(self.data.get("login"), self.request)
        if wait:
            self.wait_seconds = wait
            raise forms.ValidationError(
                f"Too many failed sign-ins. Try again in {_wait_words(wait)}.", code="locked"
            )
        return super().clean()


class PasswordResetForm(AllauthResetPasswordForm):
    """allauth's password-reset request, counted and limited like failed sign-ins (per account
    and address; see parties/auth.py). It never says whether the address has an account."""

    wait_seconds = 0

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        email = self.data.get("email", "")
        request = getattr(self, "request", None)
        wait = password_reset_wait(email, request)
        if wait:
            self.wait_seconds = wait
            raise forms.ValidationError(
                f"Too many password reset requests. Try again in {_wait_words(wait)}.",
                code="locked",
            )
        password_reset_counted(email, request)
        return cleaned
