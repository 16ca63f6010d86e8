"""Input checks every service shares. They collect every field problem at once (``Errors``), so
one refusal lists them all, and they are the one place that says what a line of text may hold.

* A **single line** (a title, a name, a reason, a reference) has no control character at all:
  no CR or LF (they break e-mail headers and CSV rows), no tab, no NUL (PostgreSQL refuses it),
  no DEL or C1 control, no Unicode line or paragraph separator.
* A **multi-line text** (a description, a message body) may hold line breaks and tabs, nothing
  else of that kind.
* Text that is not typed by a person but must become one line (a mail subject that becomes a
  case title, a header on the way out, a file name) goes through :func:`one_line`, which
  replaces what a single line may not hold instead of refusing it.
"""

from __future__ import annotations

import re
from typing import Any

from casebridge.core.errors import ValidationFailed

#: What a single line may not hold: C0 controls (CR, LF, tab, NUL …), DEL, C1 controls, and
#: the Unicode line and paragraph separators.
NOT_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: What multi-line text may not hold: the same, except tab, LF and CR.
NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: A whole number as people and machines write it: ASCII digits, at most 18 (so it fits the
#: database's 64-bit integers and never reaches ``int``'s limit on long digit strings).
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


class Errors:
    """Collects field errors so one refusal lists every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def extend(self, fields: dict[str, list[str]]) -> None:
        for field, messages in fields.items():
            for message in messages:
                self.add(field, message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, detail: str, *, code: str | None = None) -> None:
        if self.fields:
            raise ValidationFailed(detail, fields=self.fields, code=code)


def check_length(text: str, errors: Errors, field: str, *, max_length: int) -> None:
    if len(text) > max_length:
        errors.add(field, f"At most {max_length:,} characters.")


def clean_single_line(
    value: str | None,
    errors: Errors,
    field: str,
    *,
    max_length: int,
    required: bool = True,
    required_message: str = "This field is required.",
) -> str:
    """One line of text, stripped: refused (with a field error) if it holds a control
    character, is empty while required, or is longer than ``max_length``."""
    text = _text(value, errors, field).strip()
    if not text:
        if required:
            errors.add(field, required_message)
        return text
    if NOT_IN_A_LINE.search(text):
        errors.add(field, "One line of text: no line breaks, tabs or other control characters.")
    check_length(text, errors, field, max_length=max_length)
    return text


def clean_multiline(
    value: str | None,
    errors: Errors,
    field: str,
    *,
    max_length: int,
    required: bool = False,
    required_message: str = "This field is required.",
) -> str:
    """Text that may span lines, stripped: refused if it holds a control character other than
    tab, line feed or carriage return, is empty while required, or is too long."""
    text = _text(value, errors, field).strip()
    if not text:
        if required:
            errors.add(field, required_message)
        return text
    if NOT_IN_TEXT.search(text):
        errors.add(field, "Control characters other than line breaks and tabs are not allowed.")
    check_length(text, errors, field, max_length=max_length)
    return text


def clean_choice(
    value: Any, choices: Any, errors: Errors, field: str, *, required: bool = True
) -> Any:
    """``value`` if it is one of ``choices`` (a ``TextChoices``); empty passes when optional."""
    if not required and value in ("", None):
        return value
    if value not in choices.values:
        errors.add(field, f"{value!r} is not one of: {', '.join(choices.values)}.")
    return value


def one_line(value: str | None) -> str:
    """``value`` made into one clean line: every control character and line separator becomes
    a space, runs of spaces collapse. For text that must be a line but was not typed as one."""
    return " ".join(NOT_IN_A_LINE.sub(" ", value or "").split())


def parse_digits(value: str | None) -> int | None:
    """A whole number in ASCII digits, at most 18 of them (``"7"``; not ``"²"``, another
    script's digits or ``"+7"``), or None for anything else. ``str.isdigit`` accepts
    superscripts that ``int`` then refuses, so ``isdigit`` before ``int`` is no check."""
    text = (value or "").strip()
    if not ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def _text(value: Any, errors: Errors, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, "Text expected.")
        return ""
    return value
