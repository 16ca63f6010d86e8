"""Input checks only the parties' services need (e-mail, phone, time zone, permission); the
shared ones (``Errors``, single-line text, choices) are :mod:`casebridge.core.validation`."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.validation import Errors, clean_choice, clean_single_line
from casebridge.parties.phones import normalise_phone

#: Re-exported for code written before the checks moved to core; new code imports core.
__all__ = [
    "Errors",
    "clean_choice",
    "clean_email",
    "clean_phone",
    "clean_single_line",
    "clean_text",
    "require",
    "time_zones",
]
clean_text = clean_single_line


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


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
