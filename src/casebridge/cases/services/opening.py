"""Opening a case: priority, number, idempotency."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from casebridge.cases import events, search
from casebridge.cases.choices import (
    Category,
    EngagementKind,
    Level,
    Priority,
)
from casebridge.cases.models import Case, IdempotencyRecord, SeverityRule
from casebridge.cases.services._common import _clean_guidelines
from casebridge.cases.services.assignment import auto_assign
from casebridge.cases.services.writing import case_write_new
from casebridge.core import clock
from casebridge.core.caching import VersionedCache
from casebridge.core.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.installed_base.models import Component, Installation
from casebridge.parties.models import Organisation, Person
from casebridge.rasci import policy
from casebridge.rasci.selectors import CustomerMatrix, matrix_for, vendor_organisation

#: The severity matrix of this process, reloaded when a rule changes.
severity_rules = VersionedCache("cases.severity-rules")
severity_rules.watch(SeverityRule)


def priority_for(impact: str, urgency: str) -> str:
    matrix = severity_rules.get(
        "matrix",
        lambda: {(rule.impact, rule.urgency): rule.priority for rule in SeverityRule.objects.all()},
    )
    rule = matrix.get((impact, urgency))
    if rule is None:
        raise ValidationFailed(
            "The severity matrix has no cell for this impact and urgency.",
            fields={"impact": f"No rule for {impact} x {urgency}."},
        )
    return rule


def _may_open_for(actor: Person, customer: Organisation, matrix: CustomerMatrix | None) -> bool:
    """The customer's own people report; the desk that runs its Level 1 logs calls for it."""
    if actor.organisation_id == customer.pk:
        return True
    version = matrix.version if matrix is not None else None
    return policy.decide(actor, "support.l1", customer, version=version).allowed


class IdempotencyKeyReused(ValidationFailed):
    """An Idempotency-Key sent again with a payload other than the first one's."""

    code = "idempotency_key_reused"


def _clean_key(key: str) -> str:
    errors = Errors()
    key = clean_single_line(key, errors, "idempotency_key", max_length=200)
    errors.raise_if_any("The Idempotency-Key is not valid.")
    return key


def _fingerprint(**request: Any) -> str:
    """What a request to open a case asks for, as a digest: the same for a retry of it."""
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def case_open(
    *,
    actor: Person,
    customer: Organisation,
    title: str,
    description: str,
    category: str,
    impact: str,
    urgency: str,
    component: str | None = None,
    version: str = "",
    installation_id: int | None = None,
    priority_override: str | None = None,
    priority_override_reason: str = "",
    idempotency_key: str | None = None,
    guidelines: Mapping[str, Any] | None = None,
    external_reference: str = "",
    follow_up_of: Case | None = None,
) -> tuple[Case, bool]:
    """Open a case; returns (case, created). A repeated Idempotency-Key with the same payload
    returns the first case; with another payload it is refused.

    ``follow_up_of`` links the case to the closed one it follows up (the customer wrote to it
    after its reopen window)."""
    if idempotency_key is not None:
        fingerprint = _fingerprint(
            customer=customer.pk,
            title=title,
            description=description,
            category=category,
            impact=impact,
            urgency=urgency,
            component=component,
            version=version,
            installation_id=installation_id,
            priority_override=priority_override,
            priority_override_reason=priority_override_reason,
            guidelines=dict(guidelines or {}),
            external_reference=external_reference,
        )
        idempotency_key = _clean_key(idempotency_key)
        record = (
            IdempotencyRecord.objects.filter(actor=actor, key=idempotency_key)
            .select_related("case")
            .first()
        )
        if record is not None:
            if record.payload_sha256 and record.payload_sha256 != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used for another request.",
                    fields={
                        "idempotency_key": f"Already used for {record.case.number} with another "
                        "payload; use a new key."
                    },
                )
            return record.case, False
    try:
        matrix: CustomerMatrix | None = matrix_for(customer)
        matrix_problems: dict[str, list[str]] = {}
    except ValidationFailed as error:
        matrix, matrix_problems = None, dict(error.fields)
    if not actor.is_active or not _may_open_for(actor, customer, matrix):
        raise PermissionDenied("You may not open cases for this customer.")
    errors = Errors()
    title = clean_single_line(
        title, errors, "title", max_length=200, required_message="Say in a line what is wrong."
    )
    description = clean_multiline(
        description,
        errors,
        "description",
        max_length=50_000,
        required=True,
        required_message="Describe the problem.",
    )
    clean_choice(category, Category, errors, "category")
    clean_choice(impact, Level, errors, "impact")
    clean_choice(urgency, Level, errors, "urgency")
    priority = ""
    if "impact" not in errors and "urgency" not in errors:
        priority = priority_for(impact, urgency)
    priority_override_reason = clean_single_line(
        priority_override_reason,
        errors,
        "priority_override_reason",
        max_length=300,
        required=False,
    )
    if priority_override:
        clean_choice(priority_override, Priority, errors, "priority_override")
        if not priority_override_reason:
            errors.add("priority_override_reason", "Say why the priority differs from the matrix.")
        elif "priority_override" not in errors:
            priority = priority_override
    version = clean_single_line(version, errors, "version", max_length=40, required=False)
    component_row = None
    if component:
        component_row = Component.objects.filter(code=component).first()
        if component_row is None:
            errors.add("component", f"Unknown component {component!r}.")
    installation = None
    if installation_id is not None:
        installation = Installation.objects.filter(pk=installation_id, customer=customer).first()
        if installation is None:
            errors.add("installation_id", "No such installation at this customer.")
        else:
            component_row = installation.component
            version = version or installation.version
    extra = _clean_guidelines(guidelines or {}, errors)
    errors.extend(matrix_problems)
    if errors or matrix is None:
        raise ValidationFailed("The case was not opened.", fields=errors.fields)
    fields = {
        "customer": customer,
        "partner": matrix.relationship.partner,
        "reporter": actor,
        "title": title,
        "description": description,
        "category": category,
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "priority_override_reason": priority_override_reason if priority_override else "",
        "component": component_row,
        "installation": installation,
        "version": version,
        "matrix_version": matrix.version,
        "external_reference": external_reference,
        "external_owner": actor.organisation if external_reference else None,
        "follow_up_of": follow_up_of,
        **extra,
    }
    with case_write_new(actor=actor, **fields) as write:
        case = write.case
        search.index_new_case(case)
        customer_side = write.open_engagement(EngagementKind.CUSTOMER, tier="l1_basic")
        write.record(
            "opened",
            engagement=EngagementKind.CUSTOMER,
            after={
                "number": case.number,
                "priority": priority,
                "matrix_version": matrix.version.label,
                **({"follow_up_of": follow_up_of.number} if follow_up_of else {}),
            },
        )
        if idempotency_key is not None:
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        actor=actor,
                        key=idempotency_key,
                        case=case,
                        payload_sha256=fingerprint,
                        created_at=clock.now(),
                    )
            except IntegrityError as error:  # a concurrent retry won; this attempt is discarded
                raise Conflict(
                    "A request with this Idempotency-Key is being processed; retry.",
                    fields={"idempotency_key": "In use."},
                ) from error
        # A case the desk's own person files stays theirs to give; one from outside arrives.
        desk = matrix.relationship.partner or vendor_organisation()
        if desk is not None and actor.organisation_id != desk.pk:
            auto_assign(write, customer_side, desk)
        write.emit(  # the case is new in this transaction: no key can repeat it
            events.OPENED,
            {
                "case_id": case.pk,
                "number": case.number,
                "priority": priority,
                "actor_id": actor.pk,
            },
        )
    return case, True
