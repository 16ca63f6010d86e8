"""Matrices as text: CSV in (with errors that name the row and column) and CSV, Markdown and
HTML out. The CSV columns: ``model, code, category, roles, activity, description, vendor,
partner, customer``; ``roles`` separates role codes with ``;``; an empty cell means no letter."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from casebridge.parties.choices import Role
from casebridge.rasci.choices import Party
from casebridge.rasci.letters import LetterError, format_letters, parse_letters
from casebridge.rasci.validation import RowSpec

REQUIRED_COLUMNS = ("model", "code", "activity", "vendor", "customer")
OPTIONAL_COLUMNS = ("category", "roles", "description", "partner")
COLUMNS = (
    "model",
    "code",
    "category",
    "roles",
    "activity",
    "description",
    "vendor",
    "partner",
    "customer",
)
PARTY_COLUMNS = tuple(Party.values)


@dataclass(frozen=True)
class CsvProblem:
    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"header, column {self.column}: {self.problem}"
        return f"row {self.row}, column {self.column}: {self.problem}"


@dataclass
class ParsedMatrices:
    """Rows per operating model code, in file order, with the file row of each."""

    rows: dict[str, list[tuple[int, RowSpec]]] = field(default_factory=dict)
    problems: list[CsvProblem] = field(default_factory=list)


def parse_csv(text: str) -> ParsedMatrices:
    """Read matrices from CSV text; every problem is collected, none raises."""
    result = ParsedMatrices()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        result.problems.append(CsvProblem(0, "-", "the file is empty"))
        return result
    reader.fieldnames = header
    for column in REQUIRED_COLUMNS:
        if column not in header:
            result.problems.append(CsvProblem(0, column, "this column is missing"))
    for column in header:
        if column not in COLUMNS:
            result.problems.append(CsvProblem(0, column, "unknown column"))
    if result.problems:
        return result
    for number, record in enumerate(reader, start=2):  # row 1 is the header
        if None in record:
            result.problems.append(CsvProblem(number, "-", "more cells than columns"))
            continue
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        model = values.get("model", "")
        if not model:
            result.problems.append(CsvProblem(number, "model", "empty"))
            continue
        letters: dict[str, str] = {}
        for party in PARTY_COLUMNS:
            try:
                letters[party] = parse_letters(values.get(party, ""))
            except LetterError as error:
                result.problems.append(CsvProblem(number, party, str(error)))
        roles = tuple(role for role in values.get("roles", "").replace(",", ";").split(";") if role)
        for role in roles:
            if role not in Role.values:
                result.problems.append(
                    CsvProblem(number, "roles", f"unknown role {role!r} ({', '.join(Role.values)})")
                )
        result.rows.setdefault(model, []).append(
            (
                number,
                RowSpec(
                    code=values.get("code", ""),
                    name=values.get("activity", ""),
                    letters=letters,
                    category=values.get("category", ""),
                    roles=roles,
                    description=values.get("description", ""),
                ),
            )
        )
    return result


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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
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
        )
    return buffer.getvalue()


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
