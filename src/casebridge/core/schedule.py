"""The one registry of periodic jobs.

Each app registers its jobs here (in ``AppConfig.ready``). ``casebridge worker`` ticks the
schedule and enqueues due jobs as tasks; ``casebridge jobs run NAME`` runs one by hand. The due
times live in the database, claimed under a row lock, so several workers never enqueue one job
twice for the same slot: the claimed due time is the slot, handed to the task, and the task row
is written in the claiming transaction (the database task queue), so a worker killed between
the two leaves either both or neither. ``CASEBRIDGE_JOB_INTERVALS`` runs a job at another
interval than the one it registered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from casebridge.core import clock
from casebridge.core.errors import NotFound
from casebridge.core.models import PeriodicJobState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    function: Callable[[], object]
    description: str


_jobs: dict[str, PeriodicJob] = {}


def register_job(
    name: str, *, every: dt.timedelta, description: str
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register ``function`` as a periodic job run every ``every``."""
    if every <= dt.timedelta(0):
        raise ValueError("a periodic job's interval must be positive")

    def decorator(function: Callable[[], object]) -> Callable[[], object]:
        _jobs[name] = PeriodicJob(
            name=name, every=every, function=function, description=description
        )
        return function

    return decorator


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def job_get(name: str) -> PeriodicJob:
    try:
        return _jobs[name]
    except KeyError:
        known = ", ".join(job.name for job in registered_jobs())
        raise NotFound(f"no periodic job named {name!r}; known jobs: {known}") from None


def job_interval(job: PeriodicJob) -> dt.timedelta:
    """How often ``job`` runs: as registered, or as CASEBRIDGE_JOB_INTERVALS says."""
    seconds = settings.CASEBRIDGE_JOB_INTERVALS.get(job.name)
    return job.every if seconds is None else dt.timedelta(seconds=seconds)


def unknown_interval_names() -> list[str]:
    """Names in CASEBRIDGE_JOB_INTERVALS that no job is registered under."""
    return sorted(set(settings.CASEBRIDGE_JOB_INTERVALS) - set(_jobs))


def job_run(name: str, *, slot: str | None = None) -> object:
    """Run one job now, in this process (``slot``: the due time it was claimed for)."""
    job = job_get(name)
    logger.info("schedule.job_run", extra={"job": name, "slot": slot})
    return job.function()


Enqueue = Callable[[str, dt.datetime], object]


def schedule_due_jobs(
    *, now: dt.datetime | None = None, enqueue: Enqueue | None = None
) -> list[str]:
    """Claim every job whose time has come and move its next run on; return their names.

    ``enqueue(name, slot)`` is called inside the claiming transaction, ``slot`` being the due
    time claimed. A job is claimed at most once per interval, however many workers tick at the
    same moment, and every slot is claimed once.
    """
    moment = now or clock.now()
    due: list[str] = []
    for job in registered_jobs():
        with transaction.atomic():
            state, _ = PeriodicJobState.objects.select_for_update().get_or_create(
                name=job.name, defaults={"next_run_at": moment}
            )
            if state.next_run_at > moment:
                continue
            slot = state.next_run_at
            state.next_run_at = moment + job_interval(job)
            state.last_enqueued_at = moment
            state.save(update_fields=["next_run_at", "last_enqueued_at"])
            if enqueue is not None:
                enqueue(job.name, slot)
        due.append(job.name)
    return due
