"""Phone numbers in E.164, whatever formatting people type them in."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

from casebridge.core.errors import ValidationFailed


def normalise_phone(raw: str, *, field: str = "phone", region: str | None = None) -> str:
    """``+31 (0)20-123 4567``, ``0031201234567`` or ``020 123 4567`` (region NL) → ``+31201234567``.

    Numbers without a country code are read in ``region`` (default: the deployment's
    CASEBRIDGE_DEFAULT_PHONE_REGION). Raises ValidationFailed naming ``field`` when the text is not
    a valid phone number.
    """
    text = (raw or "").strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    if not text:
        raise ValidationFailed(
            "A phone number is required.", fields={field: "Enter a phone number."}
        )
    try:
        parsed = phonenumbers.parse(text, region or settings.CASEBRIDGE_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationFailed(
            "That is not a phone number.",
            fields={field: f"Not a phone number ({error._msg.rstrip('.')})."},
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed(
            "That is not a valid phone number.",
            fields={
                field: "Not a valid phone number; include the country code, e.g. +31 20 123 4567."
            },
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str) -> str:
    """``+31201234567`` → ``+31 20 123 4567`` for people to read."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_known_region(code: str) -> bool:
    """Whether ``code`` is a two-letter country code the phone-number library knows."""
    return code in phonenumbers.SUPPORTED_REGIONS
