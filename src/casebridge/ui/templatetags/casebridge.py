"""Template filters of the portal."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from casebridge.core import clock
from casebridge.parties.phones import phone_display
from casebridge.rasci.letters import format_letters
from casebridge.sla.calendar import duration_text
from casebridge.ui import labels

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
def duration_exact(value: dt.timedelta | None) -> str:
    """Every unit of a length of time (``3 d 4 h 5 min``), as a form field shows it to be
    saved back unchanged; empty for none."""
    return duration_text(value) if isinstance(value, dt.timedelta) else ""


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


@register.filter
def label(value: object, vocabulary: str) -> str:
    """A stored code as people say it: ``{{ status|label:"customer_status" }}`` → "In progress"
    (the vocabularies are in ``ui/labels.py``)."""
    return labels.label(value, vocabulary)


@register.filter
def status_label(value: object, engagement: str) -> str:
    """An engagement's status in its side's words: ``{{ side.status|status_label:side.kind }}``."""
    return labels.status_label(value, engagement)


@register.filter
def since(value: dt.datetime | None) -> str:
    """How long ago, as people say it: ``just now``, ``5 min ago``, ``3 d 4 h ago``; a moment
    ahead reads ``in 2 h``."""
    if value is None:
        return "—"
    seconds = int((clock.now() - value).total_seconds())
    if -60 < seconds < 60:
        return "just now"
    if seconds < 0:
        return f"in {duration_text(dt.timedelta(seconds=-seconds), parts=1)}"
    return f"{duration_text(dt.timedelta(seconds=seconds), parts=1)} ago"


@register.simple_tag
def moment(value: dt.datetime | None) -> str:
    """A moment as ``<time>``: relative ("5 min ago"), the full date and time in the viewer's
    zone as its tooltip."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        f"{date_format(local, 'D j M Y H:i')} {local.tzname()}",
        since(value),
    )
