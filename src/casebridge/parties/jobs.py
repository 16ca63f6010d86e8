"""The parties' periodic jobs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from casebridge.core import clock
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_record
from casebridge.core.schedule import register_job
from casebridge.parties import events
from casebridge.parties.models import Certification


@register_job(
    "parties.certifications_expiring",
    every=dt.timedelta(hours=6),
    description="Record one 'certification.expiring' event per certification entering the warning "
    "window (CASEBRIDGE_CERTIFICATION_WARNING_DAYS).",
)
def announce_expiring_certifications() -> int:
    """Record an outbox event for each certification newly within the warning window."""
    today = clock.today()
    expiring = list(
        Certification.objects.expiring(
            on=today, within_days=settings.CASEBRIDGE_CERTIFICATION_WARNING_DAYS
        ).select_related("person")
    )
    keys = {
        certification.pk: f"certification.expiring:{certification.pk}:{certification.expires_on}"
        for certification in expiring
    }
    announced = set(
        OutboxEvent.objects.filter(dedup_key__in=keys.values()).values_list("dedup_key", flat=True)
    )
    recorded = 0
    with transaction.atomic():
        for certification in expiring:
            if keys[certification.pk] in announced:
                continue
            outbox_record(
                kind=events.CERTIFICATION_EXPIRING,
                dedup_key=keys[certification.pk],
                payload={
                    "certification_id": certification.pk,
                    "person_id": certification.person_id,
                    "organisation_id": certification.person.organisation_id,
                    "level": certification.level,
                    "expires_on": certification.expires_on.isoformat(),
                },
            )
            recorded += 1
    return recorded
