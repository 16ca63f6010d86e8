"""The matrix invariants, as a pure function over plain rows (no database).

A matrix is valid when it has at least one activity, every activity code is well formed and
unique, and every activity has exactly one accountable party and at least one responsible one,
with letters only for the operating model's parties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from casebridge.core.validation import Errors, clean_multiline, clean_single_line

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class RowSpec:
    """One activity of a matrix with each party's letters (canonical, ``""`` for none)."""

    code: str
    name: str
    letters: Mapping[str, str]
    category: str = ""
    roles: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Violation:
    activity: str
    party: str | None
    problem: str

    def __str__(self) -> str:
        where = self.activity if self.party is None else f"{self.activity} / {self.party}"
        return f"{where}: {self.problem}"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)

    def add(self, activity: str, party: str | None, problem: str) -> None:
        self.violations.append(Violation(activity, party, problem))


#: The texts of an activity: (column, how long, whether one line).
TEXTS = (("name", 200, True), ("category", 40, True), ("description", 5000, False))


def _text_problems(row: RowSpec) -> list[str]:
    errors = Errors()
    for column, limit, single_line in TEXTS:
        clean = clean_single_line if single_line else clean_multiline
        clean(getattr(row, column), errors, column, max_length=limit, required=False)
    return [
        f"the {column}: {message[0].lower()}{message[1:]}"
        for column, messages in errors.fields.items()
        for message in messages
    ]


def matrix_violations(parties: Sequence[str], rows: Iterable[RowSpec]) -> list[Violation]:
    """Every way ``rows`` break the invariants for a model with ``parties``; empty when valid."""
    report = Report()
    seen: set[str] = set()
    count = 0
    for row in rows:
        count += 1
        code = row.code
        if not CODE_PATTERN.fullmatch(code or ""):
            report.add(code or "(empty)", None, "the code must look like area.activity_name")
        if code in seen:
            report.add(code, None, "the activity appears twice")
        seen.add(code)
        if not (row.name or "").strip():
            report.add(code, None, "the activity needs a name")
        for problem in _text_problems(row):
            report.add(code, None, problem)
        accountable: list[str] = []
        responsible = False
        for party, letters in row.letters.items():
            if not letters:
                continue
            if party not in parties:
                report.add(code, party, f"{party} is not a party of this operating model")
                continue
            if "A" in letters:
                accountable.append(party)
            responsible = responsible or "R" in letters
        if not accountable:
            report.add(code, None, "no party is accountable (A); exactly one must be")
        elif len(accountable) > 1:
            accountable.sort(key=list(parties).index)
            report.add(
                code,
                None,
                f"{' and '.join(accountable)} are both accountable (A); exactly one may be",
            )
        if not responsible:
            report.add(code, None, "no party is responsible (R); at least one must be")
    if count == 0:
        report.add("(matrix)", None, "a matrix needs at least one activity")
    return report.violations
