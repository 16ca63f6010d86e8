"""``casebridge search rebuild``: write the search index again from the cases, messages and
files (after a bulk load or a restore that left the index behind)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casebridge.cases import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index (`search rebuild`), in one transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Index every case's details, messages and file names.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        total = search.index_rebuild()
        self.stdout.write(f"search index rebuilt: {total:,} texts")
