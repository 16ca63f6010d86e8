"""The one CSV writer of the product. Every CSV casebridge writes goes through it, so a cell can
never come out as a live spreadsheet formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab or
carriage return before one of them hides it): an organisation named ``=cmd|' /C calc'!A0`` or an
installation labelled ``=HYPERLINK(...)`` would run on the reader's machine. Such a cell is
written with a leading apostrophe, which spreadsheets show as text (OWASP's advice for CSV
injection). A cell that already starts with an apostrophe gets one more, so :func:`restore`
gives back exactly what was written when the product reads its own files again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

#: What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: Any) -> str:
    """A cell's text, safe to open in a spreadsheet. Numbers are numbers, never formulas."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith((*FORMULA_STARTS, QUOTE)):
        return QUOTE + text
    return text


def restore(text: str) -> str:
    """The value :func:`neutralise` was given, from the cell it wrote (for importers that read
    the product's own exports)."""
    if text.startswith(QUOTE) and text[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return text[1:]
    return text


def write_csv(target: Writable, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """Write a header and rows to ``target`` (a file, a buffer, an HttpResponse), every cell
    neutralised."""
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow([neutralise(name) for name in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return buffer.getvalue()


class _Line:
    """A file-like target that hands back what the CSV writer writes (for streaming)."""

    def write(self, text: str, /) -> str:
        return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV line by line, header first, every cell neutralised: for a streamed download."""
    writer = csv.writer(_Line(), lineterminator="\n")
    yield writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])
