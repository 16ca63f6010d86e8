"""Matrices out: the importable CSV (through the core writer, so no cell is a live formula),
Markdown and a standalone HTML table for contracts and audits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from casebridge.core.exports import csv_text
from casebridge.rasci.choices import Party
from casebridge.rasci.imports import COLUMNS, PARTY_COLUMNS
from casebridge.rasci.letters import format_letters


@dataclass(frozen=True)
class TableRow:
    code: str
    name: str
    category: str
    roles: tuple[str, ...]
    description: str
    letters: dict[str, str]


def render_csv(model_code: str, parties: Iterable[str], rows: Iterable[TableRow]) -> str:
    """The importable CSV of one matrix."""
    parties = tuple(parties)
    return csv_text(
        COLUMNS,
        (
            [
                model_code,
                row.code,
                row.category,
                ";".join(row.roles),
                row.name,
                row.description,
                *(
                    format_letters(row.letters.get(party, "")) if party in parties else ""
                    for party in PARTY_COLUMNS
                ),
            ]
            for row in rows
        ),
    )


def render_markdown(title: str, parties: Iterable[str], rows: Iterable[TableRow]) -> str:
    parties = tuple(parties)
    names = [Party(party).label for party in parties]
    lines = [
        f"## {title}",
        "",
        "| code | activity | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(parties),
    ]
    for row in rows:
        cells = [format_letters(row.letters.get(party, "")) or "" for party in parties]
        name = row.name.replace("|", "\\|")
        lines.append(f"| {row.code} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_html(title: str, parties: Iterable[str], rows: Iterable[TableRow]) -> str:
    """A standalone, printable HTML table (for contracts and audits)."""
    parties = tuple(parties)
    head = "".join(f"<th>{escape(Party(party).label)}</th>" for party in parties)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="letter letter-{escape(row.letters.get(party, "") or "none")}">'
            f"{escape(format_letters(row.letters.get(party, '')))}</td>"
            for party in parties
        )
        body.append(
            f"<tr><td><code>{escape(row.code)}</code></td><td>{escape(row.name)}</td>{cells}</tr>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>"
        "body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px}td.letter{text-align:center;font-weight:bold}"
        ".letter-RA,.letter-A{background:#f6d7a7}.letter-R{background:#cde8c4}"
        ".letter-S{background:#d6e4f5}.letter-C{background:#eadcf3}.letter-I{background:#eee}"
        f"</style></head><body><h1>{escape(title)}</h1><table><thead><tr><th>Code</th>"
        f"<th>Activity</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "</body></html>\n"
    )
