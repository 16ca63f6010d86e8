"""The sign-in and access audit as CSV. No shared CSV writer exists yet, so rows go through
``csv`` here with every cell that a spreadsheet would run as a formula (starting with = + - @,
a tab or a carriage return) neutralised by a leading apostrophe."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from casebridge.core.models import AuditEvent

HEADER = ["occurred_at", "action", "actor", "organisation_id", "target", "details"]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class _Line:
    def write(self, value: str) -> str:
        return value


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV lines (header first), streamed."""
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for event in events:
        details = {"before": event.before, "after": event.after} if event.before else event.after
        yield writer.writerow(
            [
                neutralise(value)
                for value in (
                    event.occurred_at.isoformat(),
                    event.action,
                    event.actor_label,
                    event.organisation_id if event.organisation_id is not None else "",
                    f"{event.target_type}#{event.target_id}",
                    json.dumps(details, sort_keys=True, ensure_ascii=False),
                )
            ]
        )
