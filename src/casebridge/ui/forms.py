"""Form helpers shared by the portal's views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from casebridge.core.errors import DomainError
from casebridge.installed_base.choices import Environment, ManagingParty
from casebridge.installed_base.selectors import component_list
from casebridge.parties.auth import login_wait


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


class SignInForm(AuthenticationForm):
    """The sign-in form, which says when an account or address must wait after failures
    (``wait_seconds`` tells the view, which answers 429 with Retry-After)."""

    wait_seconds = 0

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        wait = login_wait(username, self.request)
        if wait:
            self.wait_seconds = wait
            when = f"{wait} second(s)" if wait < 90 else f"{round(wait / 60)} minute(s)"
            raise forms.ValidationError(
                f"Too many failed sign-ins. Try again in {when}.", code="locked"
            )
        return super().clean()
