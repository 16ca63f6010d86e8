"""End-of-life notices: recorded 90, 30 and 0 days before, for the party responsible for
``software.update`` at each customer, and handed to the outbox for delivery."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casebridge.core import clock
from casebridge.core.errors import ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.schedule import register_job
from casebridge.installed_base import events
from casebridge.installed_base.models import EndOfLifeNotice, Installation, Release
from casebridge.installed_base.selectors import Catalogue
from casebridge.rasci import policy

NOTICE_DAYS = (90, 30, 0)
UPDATE_ACTIVITY = "software.update"


def due_threshold(end_of_life: dt.date, day: dt.date) -> int | None:
    """The notice due on ``day``: the smallest of 90, 30, 0 days whose moment has come."""
    passed = [days for days in NOTICE_DAYS if day >= end_of_life - dt.timedelta(days=days)]
    return min(passed) if passed else None


@register_job(
    "installed_base.end_of_life_notices",
    every=dt.timedelta(hours=6),
    description="Record end-of-life notices (90, 30, 0 days before) for the party R/A for "
    "software.update, and put them in the outbox.",
)
def record_end_of_life_notices() -> int:
    today = clock.today()
    catalogue = Catalogue.load()
    horizon = today + dt.timedelta(days=max(NOTICE_DAYS))
    pairs = [
        (component, version)
        for (component, version), release in catalogue.release_of.items()
        if (end := catalogue.end_of_life(release)) is not None and end <= horizon
    ]
    recorded = 0
    for component, version in pairs:
        release = catalogue.release_of[(component, version)]
        end_of_life = catalogue.end_of_life(release)
        assert end_of_life is not None
        threshold = due_threshold(end_of_life, today)
        if threshold is None:
            continue
        installations = Installation.objects.filter(
            component_id=component, version=version
        ).select_related("customer")
        for installation in installations.iterator():
            recorded += _notify(installation, catalogue.releases[release], end_of_life, threshold)
    return recorded


def _notify(installation: Installation, release: Release, end_of_life: dt.date, days: int) -> int:
    if EndOfLifeNotice.objects.filter(
        installation=installation, release=release, days_before=days
    ).exists():
        return 0
    try:
        holders = policy.responsible_for(UPDATE_ACTIVITY, installation.customer)
    except ValidationFailed:
        holders = []
    accountable = holders[0] if holders else None
    with transaction.atomic():
        notice = EndOfLifeNotice.objects.create(
            installation=installation,
            release=release,
            days_before=days,
            end_of_life_on=end_of_life,
            recorded_at=clock.now(),
            party=accountable.party if accountable else "",
            organisation=accountable.organisation if accountable else None,
        )
        outbox_record(
            kind=events.END_OF_LIFE_NOTICE,
            dedup_key=f"eol-notice:{installation.pk}:{notice.release_id}:{days}",
            payload={
                "installation_id": installation.pk,
                "customer_id": installation.customer_id,
                "component": installation.component_id,
                "version": installation.version,
                "end_of_life_on": end_of_life.isoformat(),
                "days_before": days,
                "party": notice.party,
                "organisation_id": notice.organisation_id,
                "people": [p.pk for p in accountable.people] if accountable else [],
            },
        )
    return 1
