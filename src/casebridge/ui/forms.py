"""Form helpers shared by the portal's views."""

from __future__ import annotations

from django import forms

from casebridge.core.errors import DomainError
from casebridge.installed_base.choices import Environment, ManagingParty
from casebridge.installed_base.selectors import component_list


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
