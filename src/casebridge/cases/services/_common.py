"""Shared pieces of the case services: errors, locking, revisions, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from casebridge.cases.choices import (
    CAUSES,
    Audience,
    EngagementKind,
    Frequency,
)
from casebridge.cases.models import (
    GUIDELINE_FIELDS,
    Case,
    CaseEvent,
    Engagement,
)
from casebridge.core import clock
from casebridge.core.errors import (
    Conflict,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
)
from casebridge.core.validation import Errors, clean_choice, clean_multiline
from casebridge.parties.models import Person


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


def _event(
    case: Case,
    actor: Person | None,
    kind: str,
    *,
    engagement: str = "",
    audience: str = Audience.PUBLIC,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        occurred_at=clock.now(),
        actor=actor,
        actor_label="system" if actor is None else actor.email,
        kind=kind,
        engagement=engagement,
        audience=audience,
        before=dict(before or {}),
        after=dict(after or {}),
    )


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


def _lock(case: Case, expected_revision: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "partner", "matrix_version")
        .get(pk=case.pk)
    )
    if expected_revision is not None and locked.revision != expected_revision:
        raise StaleRevision(
            f"{locked.number} changed since you read it (revision {locked.revision}, you had "
            f"{expected_revision}). Reload and try again.",
            fields={"revision": f"Current revision is {locked.revision}."},
        )
    return locked


def _engagement(case: Case, kind: str) -> Engagement | None:
    return Engagement.objects.select_for_update().filter(case=case, kind=kind).first()


def _bump(case: Case, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(case, name, value)
    case.revision += 1
    case.save(update_fields=[*changes, "revision", "updated_at"])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _move_customer(
    case: Case, engagement: Engagement, target: str, actor: Person, why: str
) -> None:
    """A consequence on the customer side of a vendor-side step (not a user action)."""
    before = engagement.status
    engagement.status = target
    engagement.status_changed_at = clock.now()
    engagement.save(update_fields=["status", "status_changed_at", "updated_at"])
    _event(
        case,
        actor,
        "status_followed",
        engagement=EngagementKind.CUSTOMER,
        before={"status": before},
        after={"status": target, "why": why},
    )
