"""Matrices from CSV, with errors that name the row and column (:mod:`rasci.exports` writes
them). The columns: ``model, code, category, roles, activity, description, vendor, partner,
customer``; ``roles`` separates role codes with ``;``; an empty cell means no letter. A cell the
export wrote with a protective apostrophe (``'=…``) reads back as it was."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from casebridge.core.exports import restore
from casebridge.parties.choices import Role
from casebridge.rasci.choices import Party
from casebridge.rasci.letters import LetterError, parse_letters
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
        values = {key: restore((value or "").strip()) for key, value in record.items()}
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
