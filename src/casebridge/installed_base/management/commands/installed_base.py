"""``casebridge installed-base``: bulk-import installations from CSV (all or nothing)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casebridge.core.errors import DomainError
from casebridge.installed_base.services import IMPORT_COLUMNS, installations_import

MAX_ERRORS_SHOWN = 200


class Progress:
    """A one-line progress bar on standard error (only on a terminal)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = max(total, 1), label, 0
        self.visible = sys.stderr.isatty()

    def __call__(self, step: int) -> None:
        self.done += step
        if self.visible and (self.done == self.total or self.done % 200 == 0):
            filled = int(30 * self.done / self.total)
            sys.stderr.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
            )
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


class Command(BaseCommand):
    help = "Import installations from a CSV file; every row must be valid or nothing is written."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import", help=f"CSV columns: {', '.join(IMPORT_COLUMNS)} (customer is its slug)."
        )
        imported.add_argument("file")

    def handle(self, *args: Any, action: str, file: str, **options: Any) -> None:
        try:
            with Path(file).open(encoding="utf-8", newline="") as handle:
                records = list(csv.DictReader(handle))
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} is not UTF-8 text") from error
        except csv.Error as error:
            raise CommandError(f"{file} is not valid CSV: {error}") from error
        progress = Progress(len(records), "checking")
        try:
            result = installations_import(actor=None, records=records, progress=progress)
        except DomainError as error:
            problems = error.fields.get("file", [])
            shown = "\n".join(f"  {problem}" for problem in problems[:MAX_ERRORS_SHOWN])
            more = len(problems) - MAX_ERRORS_SHOWN
            tail = f"\n  … and {more} more" if more > 0 else ""
            raise CommandError(f"{error.detail}\n{shown}{tail}") from error
        self.stdout.write(f"imported {result.created} installations from {result.rows} rows")
