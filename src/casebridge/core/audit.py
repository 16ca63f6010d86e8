"""Append-only audit trail of configuration changes, written inside the service's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from casebridge.core import clock
from casebridge.core.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    organisation_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row; ``actor`` is a person, or None for the system."""
    return audit_record_about(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        organisation_id=organisation_id,
        before=before,
        after=after,
    )


def audit_record_about(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: str,
    organisation_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """:func:`audit_record` for a target that may have no row (a failed sign-in names the
    address typed, which may be nobody's); ``actor_label`` says who acted when ``actor`` is
    None (what they typed, cut to fit)."""
    label = actor_label if actor is None and actor_label else None
    if label is None:
        label = "system" if actor is None else str(getattr(actor, "email", actor))
    return AuditEvent.objects.create(
        occurred_at=clock.now(),
        actor=actor,
        actor_label=label[:254],
        organisation_id=organisation_id,
        action=action,
        target_type=target_type,
        target_id=target_id[:64],
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
    )


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of a row as plain JSON values, for before/after."""
    return _jsonable({name: getattr(instance, name) for name in fields})


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the keys whose value differs, as ``{key: {"before": .., "after": ..}}``."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, models.Model):
            result[key] = value.pk
        elif value is None or isinstance(value, bool | int | float | str):
            result[key] = value
        elif isinstance(value, list | tuple | set | frozenset):
            result[key] = sorted(str(item) for item in value)
        else:
            result[key] = str(value)
    return result
