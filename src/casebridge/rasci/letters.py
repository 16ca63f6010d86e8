"""RASCI letters: parsing what people type, storing one canonical form, showing it back.

R responsible (does it), A accountable (owns the outcome), S supportive (helps the R),
C consulted (asked before or during), I informed (told afterwards). A cell holds one letter, or
A and R together ("A/R"). Stored in canonical order as a short string: ``"RA"``, ``"S"``.
"""

from __future__ import annotations

import re

LETTERS = "RASCI"
NAMES = {
    "R": "Responsible",
    "A": "Accountable",
    "S": "Supportive",
    "C": "Consulted",
    "I": "Informed",
}
#: The letter sets a cell may hold.
ALLOWED = frozenset({"R", "A", "RA", "S", "C", "I"})


class LetterError(ValueError):
    """The text is not a RASCI cell; the message says why."""


def parse_letters(text: str | None) -> str:
    """``"A/R"``, ``"r, a"``, ``"AR"`` → ``"RA"``; ``""`` → ``""`` (no letter)."""
    raw = (text or "").strip().upper()
    if not raw or raw in {"-", "—"}:
        return ""
    letters = [character for character in re.sub(r"[\s/,+&]", "", raw)]
    unknown = sorted({letter for letter in letters if letter not in LETTERS})
    if unknown:
        raise LetterError(f"unknown letter {', '.join(unknown)} (use R, A, S, C, I or A/R)")
    if len(set(letters)) != len(letters):
        raise LetterError(f"{text!r} repeats a letter")
    canonical = "".join(letter for letter in LETTERS if letter in letters)
    if canonical not in ALLOWED:
        raise LetterError(f"{text!r} combines letters; a cell holds one letter, or A/R")
    return canonical


def format_letters(canonical: str) -> str:
    """``"RA"`` → ``"A/R"``; other sets are single letters."""
    if canonical == "RA":
        return "A/R"
    return canonical


def performs(canonical: str) -> bool:
    """Responsible or accountable: may perform the activity."""
    return "R" in canonical or "A" in canonical


def contributes(canonical: str) -> bool:
    """May contribute (comment, attach, answer): R, A or S."""
    return performs(canonical) or "S" in canonical
