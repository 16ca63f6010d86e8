"""Input checks shared by the parties' services: they collect every field problem at once."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.parties.phones import normalise_phone


class Errors:
    """Collects field errors so one refusal lists every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self, detail: str) -> None:
        if self.fields:
            raise ValidationFailed(detail, fields=self.fields)


def clean_email(value: str, errors: Errors, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        errors.add(field, "Enter an e-mail address.")
        return email
    try:
        validate_email(email)
    except ValidationError:
        errors.add(field, "Enter a valid e-mail address.")
    return email


def clean_phone(value: str | None, errors: Errors, field: str = "phone") -> str:
    try:
        return normalise_phone(value or "", field=field)
    except ValidationFailed as error:
        for message in error.fields.get(field, [error.detail]):
            errors.add(field, message)
        return ""


def clean_choice(value: str, choices: Any, errors: Errors, field: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        errors.add(field, f"{value!r} is not one of: {allowed}.")
    return value


def clean_text(value: str | None, errors: Errors, field: str, *, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, "This field is required.")
    elif len(text) > max_length:
        errors.add(field, f"At most {max_length} characters.")
    return text


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
