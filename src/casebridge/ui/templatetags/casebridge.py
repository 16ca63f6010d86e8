"""Template filters of the portal."""

from __future__ import annotations

from django import template

from casebridge.parties.phones import phone_display
from casebridge.rasci.letters import format_letters

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+31205550177`` → ``+31 20 555 0177``."""
    return phone_display(value or "")


@register.filter
def rasci(value: str) -> str:
    """Canonical letters as people write them: ``RA`` → ``A/R``."""
    return format_letters(value or "")
