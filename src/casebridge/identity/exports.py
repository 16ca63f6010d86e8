"""The sign-in and access audit as CSV, streamed through the product's one CSV writer
(:mod:`casebridge.core.exports`: no cell comes out as a live spreadsheet formula)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from casebridge.core.exports import csv_lines
from casebridge.core.models import AuditEvent

HEADER = ["occurred_at", "action", "actor", "organisation_id", "target", "details"]


def audit_csv_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The CSV lines (header first), streamed."""

    def rows() -> Iterator[list[object]]:
        for event in events:
            details = (
                {"before": event.before, "after": event.after} if event.before else event.after
            )
            yield [
                event.occurred_at.isoformat(),
                event.action,
                event.actor_label,
                event.organisation_id if event.organisation_id is not None else "",
                f"{event.target_type}#{event.target_id}",
                json.dumps(details, sort_keys=True, ensure_ascii=False),
            ]

    return csv_lines(HEADER, rows())
