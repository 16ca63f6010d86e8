"""``casebridge reports rebuild``: compute the report rollups again from the cases (after a bulk
load, a restore, or a change of the measures' definitions)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casebridge.cases.models import Case
from casebridge.reports.services import reports_rebuild


class Progress:
    """A one-line progress bar on standard error (only on a terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = max(total, 1), label, 0
        self.visible = sys.stderr.isatty()

    def __call__(self, step: int) -> None:
        self.done += step
        if self.visible:
            filled = int(30 * min(self.done, self.total) / self.total)
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,}"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


class Command(BaseCommand):
    help = "Rebuild the report rollups from the cases (`reports rebuild`), in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Recount every case into the report rollups.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        progress = Progress(Case.objects.count(), "counting cases")
        result = reports_rebuild(progress=progress)
        self.stdout.write(
            f"report rollups rebuilt: {result.cases:,} cases, {result.entries:,} entries, "
            f"{result.counts:,} counts"
        )
