"""Migration operations that keep a running cluster writing (docs/deployment.md, rolling
upgrades): used by migrations on tables that grow with traffic."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexWithoutLocking(AddIndex):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, so the table takes writes while the index
    builds (the migration must say ``atomic = False``); a plain ``CREATE INDEX`` elsewhere
    (SQLite has one writer at a time anyway)."""

    atomic = False

    def _concurrent(self) -> AddIndexConcurrently:
        return AddIndexConcurrently(self.model_name, self.index)

    def database_forwards(self, app_label: str, schema_editor: Any, *states: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self._concurrent().database_forwards(app_label, schema_editor, *states)
        else:
            super().database_forwards(app_label, schema_editor, *states)

    def database_backwards(self, app_label: str, schema_editor: Any, *states: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self._concurrent().database_backwards(app_label, schema_editor, *states)
        else:
            super().database_backwards(app_label, schema_editor, *states)
