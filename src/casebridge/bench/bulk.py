"""Loading many rows fast: PostgreSQL's COPY, SQLite's executemany.

The ORM's ``bulk_create`` builds one parameterised statement per batch and an object per row;
at ten million events that is most of an hour. The generator writes plain tuples instead,
through the one bulk path each database has. Columns come from the model, so a renamed field
breaks loudly here, not silently in the data."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


def timestamp_format() -> Callable[[dt.datetime], str]:
    """How this database takes a moment given as a *naive UTC* datetime: SQLite keeps Django's
    naive UTC text, PostgreSQL wants the offset. Chosen once: the generator formats tens of
    millions of them."""
    suffix = "" if connection.vendor == "sqlite" else "+00:00"
    return lambda value: value.isoformat(" ") + suffix


def duration_format() -> Callable[[dt.timedelta], Any]:
    """How this database keeps a duration: microseconds on SQLite, an interval on PostgreSQL."""
    if connection.vendor == "sqlite":
        return lambda value: int(value.total_seconds() * 1_000_000)
    return lambda value: f"{int(value.total_seconds())} seconds"


def _constant(field: models.Field) -> Any:
    """What a column the generator does not set holds: its default, else NULL or empty."""
    if field.default is not NOT_PROVIDED:
        value = field.get_default()
        if isinstance(field, models.JSONField):
            return json.dumps(value)
        if isinstance(field, models.DurationField):
            return duration_format()(value)
        return value
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value from the generator")


class BulkWriter:
    """Writes tuples of ``fields`` (attribute names, in order) into ``model``'s table; every
    other concrete column gets its default. Call inside a transaction."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]) -> None:
        meta = model._meta
        by_attname = {field.attname: field for field in meta.concrete_fields}
        missing = [name for name in fields if name not in by_attname]
        if missing:
            raise ValueError(f"{model.__name__} has no column for {missing}")
        others = [
            field
            for field in meta.concrete_fields
            if field.attname not in fields and not field.primary_key
        ]
        self.table = meta.db_table
        self.columns = [by_attname[name].column for name in fields] + [f.column for f in others]
        self.constants = tuple(_constant(field) for field in others)
        self.written = 0

    def write(self, rows: Iterable[Sequence[Any]]) -> int:
        constants = self.constants
        full = [(*row, *constants) for row in rows]
        if not full:
            return 0
        quoted = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg's own cursor: COPY has no DB-API form
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in full:
                        copy.write_row(row)
            else:
                marks = ", ".join("%s" for _ in self.columns)
                # Table and columns come from the model's metadata, quoted; values are bound.
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, full)
        self.written += len(full)
        return len(full)


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """After rows were written with explicit ids, let the database hand out the next ones."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def no_style() -> Any:
    from django.core.management.color import no_style as plain

    return plain()
