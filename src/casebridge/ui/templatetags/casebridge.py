"""Template filters of the portal."""

from __future__ import annotations

import datetime as dt

from django import template

from casebridge.core import clock
from casebridge.parties.phones import phone_display
from casebridge.rasci.letters import format_letters
from casebridge.sla.calendar import duration_text

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+31205550177`` → ``+31 20 555 0177``."""
    return phone_display(value or "")


@register.filter
def rasci(value: str) -> str:
    """Canonical letters as people write them: ``RA`` → ``A/R``."""
    return format_letters(value or "")


def _span(seconds: int) -> str:
    return duration_text(dt.timedelta(seconds=seconds), parts=2)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A length of time as people say it: ``2 h 30 min``, ``3 d 4 h``; empty → —."""
    if value is None:
        return "—"
    return _span(int(value.total_seconds()))


@register.filter
def countdown(value: dt.datetime | None) -> str:
    """``in 2 h 15 min`` before a moment, ``45 min overdue`` after it (wall-clock)."""
    if value is None:
        return ""
    seconds = int((value - clock.now()).total_seconds())
    return f"in {_span(seconds)}" if seconds >= 0 else f"{_span(-seconds)} overdue"
