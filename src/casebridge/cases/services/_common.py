"""Shared pieces of the case services: errors, guideline fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from casebridge.cases.choices import (
    CAUSES,
    Frequency,
)
from casebridge.cases.models import (
    GUIDELINE_FIELDS,
)
from casebridge.core.errors import (
    Conflict,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from casebridge.core.validation import Errors, clean_choice, clean_multiline


class StaleRevision(PreconditionFailed):
    """The case changed since the caller read it."""

    code = "stale_revision"


class IllegalAction(Conflict):
    """The action does not apply in the case's state; ``fields["allowed"]`` names what does."""

    code = "illegal_transition"


class CaseClosed(Conflict):
    """The case is closed: its details are read-only (a customer's reply reopens it)."""

    code = "case_closed"


class UploadTooLarge(PayloadTooLarge):
    """An attachment over CASEBRIDGE_MAX_UPLOAD_BYTES."""


class UnsupportedUpload(UnsupportedMediaType):
    """An attachment whose sniffed content is not accepted."""


#: More people than any deployment has; also within every database's integer column.
MOST_USERS = 1_000_000_000
GUIDELINE_TEXTS = frozenset(
    {
        "expected_behaviour",
        "actual_behaviour",
        "error_messages",
        "steps_to_reproduce",
        "business_impact",
        "actions_taken",
        "evidence",
    }
)


def _clean_guidelines(values: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in GUIDELINE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in GUIDELINE_TEXTS:
            value = clean_multiline(value, errors, name, max_length=50_000)
        if name == "frequency":
            clean_choice(value, Frequency, errors, name, required=False)
        if name == "causes_ruled_out":
            unknown = sorted(set(value or []) - set(CAUSES))
            if unknown:
                errors.add(name, f"Unknown: {', '.join(unknown)}; choose from {', '.join(CAUSES)}.")
            value = sorted(set(value or []))
        if name == "users_affected" and value is not None:
            if not isinstance(value, int) or isinstance(value, bool):
                errors.add(name, "A whole number.")
            elif value < 0:
                errors.add(name, "Cannot be negative.")
            elif value > MOST_USERS:
                errors.add(name, f"At most {MOST_USERS:,}.")
        cleaned[name] = "" if value is None and name in {"frequency"} else value
    return cleaned


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value
