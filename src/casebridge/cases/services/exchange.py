"""Case exchange with a partner's (or customer's) own service desk: cases addressed by the
desk's own reference, created or updated with one idempotent call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from casebridge.cases.models import Case
from casebridge.cases.services.details import DETAIL_FIELDS, case_update_details
from casebridge.cases.services.opening import case_open
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.models import Organisation, Person

OPEN_FIELDS = ("category", "impact", "urgency")


def clean_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > 100 or not reference.isprintable():
        raise ValidationFailed(
            "Not an external reference.",
            fields={"external_reference": "1 to 100 printable characters."},
        )
    return reference


def exchanged_case(actor: Person, reference: str) -> Case:
    """The case the actor's desk knows by ``reference`` (404 if none or not visible)."""
    case = (
        Case.objects.visible_to(actor)
        .filter(
            external_owner_id=actor.organisation_id, external_reference=clean_reference(reference)
        )
        .first()
    )
    if case is None:
        raise NotFound(f"No case with the external reference {reference!r}.")
    return case


def case_exchange_put(
    *,
    actor: Person,
    reference: str,
    customer: Organisation,
    values: Mapping[str, Any],
) -> tuple[Case, bool]:
    """Create the case for ``reference`` or bring its details up to date; the same call twice
    changes nothing the second time. Returns (case, created)."""
    reference = clean_reference(reference)
    try:
        with transaction.atomic():
            existing = (
                Case.objects.select_for_update(of=("self",))
                .filter(external_owner_id=actor.organisation_id, external_reference=reference)
                .first()
            )
            if existing is not None:
                if existing.customer_id != customer.pk:
                    raise ValidationFailed(
                        "The external reference belongs to another customer's case.",
                        fields={"customer_id": f"{reference!r} is {existing.number}."},
                    )
                changes = {k: v for k, v in values.items() if k in DETAIL_FIELDS}
                return (
                    case_update_details(
                        actor=actor, case=existing, expected_revision=None, changes=changes
                    ),
                    False,
                )
            guidelines = {
                k: v
                for k, v in values.items()
                if k not in (*OPEN_FIELDS, "title", "description", "component", "version")
            }
            return case_open(
                actor=actor,
                customer=customer,
                title=values.get("title", ""),
                description=values.get("description", ""),
                category=values.get("category", "incident"),
                impact=values.get("impact", "medium"),
                urgency=values.get("urgency", "medium"),
                component=values.get("component"),
                version=values.get("version", ""),
                guidelines=guidelines,
                external_reference=reference,
            )
    except IntegrityError:  # the same reference created by a parallel call: that one counts
        return exchanged_case(actor, reference), False
