"""Form helpers shared by the portal's views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from casebridge.core.errors import DomainError
from casebridge.installed_base.choices import Environment, ManagingParty
from casebridge.installed_base.selectors import component_list
from casebridge.parties.auth import login_locked_for


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
    """The sign-in form, which says when an account or address is locked after failures."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        locked = login_locked_for(username, self.request)
        if locked:
            minutes = max(1, round(locked / 60))
            raise forms.ValidationError(
                f"Too many failed sign-ins. Try again in {minutes} minute(s).", code="locked"
            )
        return super().clean()
