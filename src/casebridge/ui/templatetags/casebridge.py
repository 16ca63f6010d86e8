"""Template filters of the portal."""

from __future__ import annotations

from django import template

from casebridge.parties.phones import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+31205550177`` → ``+31 20 555 0177``."""
    return phone_display(value or "")
