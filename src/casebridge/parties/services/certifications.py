"""Certifications and trainings the vendor records."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casebridge.core import clock
from casebridge.core.audit import audit_record, snapshot
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_choice, clean_single_line
from casebridge.parties import events, permissions
from casebridge.parties.choices import (
    OrganisationKind,
    SupportLevel,
)
from casebridge.parties.models import (
    Certification,
    Organisation,
    Person,
    Training,
)
from casebridge.parties.services._validation import require

#: How many of a partner's trainees are included in the partner fee.
TRAINEES_INCLUDED_IN_FEE = 2


@transaction.atomic
def certification_record(
    *,
    actor: Person | None,
    person: Person,
    level: str,
    issued_on: dt.date,
    expires_on: dt.date,
    reference: str = "",
) -> Certification:
    """Record that a person passed a certification at a support level."""
    if actor is not None:
        require(
            permissions.can_record_certifications(actor),
            "Only the vendor's administrators and managers record certifications.",
        )
    errors = Errors()
    clean_choice(level, SupportLevel, errors, "level")
    if issued_on and expires_on and expires_on <= issued_on:
        errors.add("expires_on", "The expiry date must come after the issue date.")
    if issued_on and issued_on > clock.today():
        errors.add("issued_on", "A certification cannot be issued in the future.")
    reference = clean_single_line(reference, errors, "reference", max_length=100, required=False)
    if Certification.objects.filter(person=person, level=level, issued_on=issued_on).exists():
        errors.add("issued_on", "This person already has this certification issued on that day.")
    errors.raise_if_any("The certification was not recorded.")
    certification = Certification.objects.create(
        person=person, level=level, issued_on=issued_on, expires_on=expires_on, reference=reference
    )
    audit_record(
        actor=actor,
        action="certification.recorded",
        target=certification,
        organisation_id=person.organisation_id,
        after=snapshot(
            certification, ["person_id", "level", "issued_on", "expires_on", "reference"]
        ),
    )
    outbox_record(
        kind=events.CERTIFICATION_RECORDED,
        payload={
            "certification_id": certification.pk,
            "person_id": person.pk,
            "organisation_id": person.organisation_id,
            "level": level,
            "expires_on": expires_on.isoformat(),
        },
    )
    return certification


@transaction.atomic
def training_record(
    *, actor: Person | None, person: Person, level: str, held_on: dt.date
) -> Training:
    """Record a training the vendor gave; flags whether it is one of the first two in the fee."""
    if actor is not None:
        require(
            permissions.can_record_certifications(actor),
            "Only the vendor's administrators and managers record trainings.",
        )
    errors = Errors()
    clean_choice(level, SupportLevel, errors, "level")
    partner = person.organisation
    if partner.kind != OrganisationKind.PARTNER:
        errors.add("person", "Trainings are recorded for partners' people.")
    if Training.objects.filter(person=person, level=level, held_on=held_on).exists():
        errors.add("held_on", "This training is already recorded.")
    errors.raise_if_any("The training was not recorded.")
    # Lock the partner row so two trainings recorded at once cannot both take the last free place.
    Organisation.objects.select_for_update().filter(pk=partner.pk).first()
    trainees_in_fee = set(
        Training.objects.filter(partner=partner, included_in_fee=True).values_list(
            "person_id", flat=True
        )
    )
    included = person.pk in trainees_in_fee or len(trainees_in_fee) < TRAINEES_INCLUDED_IN_FEE
    training = Training.objects.create(
        partner=partner, person=person, level=level, held_on=held_on, included_in_fee=included
    )
    audit_record(
        actor=actor,
        action="training.recorded",
        target=training,
        organisation_id=partner.pk,
        after=snapshot(training, ["person_id", "level", "held_on", "included_in_fee"]),
    )
    return training
