"""Form helpers shared by the portal's views."""

from __future__ import annotations

from django import forms

from casebridge.core.errors import DomainError


def apply_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    if not error.fields:
        form.add_error(None, error.detail)
    for name, problems in error.fields.items():
        form.add_error(name if name in form.fields else None, problems)
