"""Worker heartbeats: each `casebridge worker` process keeps one row up to date, so a web node's
readiness and `casebridge check` can tell whether anything is working the queues. A row whose
beat is older than three intervals belongs to a worker that stopped (or was killed); rows a day
old are removed by the beating workers themselves."""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from casebridge.core import clock
from casebridge.core.models import WorkerHeartbeat

FORGET_AFTER = dt.timedelta(days=1)


def heartbeat_interval() -> dt.timedelta:
    return dt.timedelta(seconds=max(1, settings.CASEBRIDGE_WORKER_HEARTBEAT_SECONDS))


def heartbeat_stale_after() -> dt.timedelta:
    """A worker silent for this long counts as gone."""
    return 3 * heartbeat_interval()


@transaction.atomic
def heartbeat_beat(
    *, worker_id: str, queues: str, runs_schedule: bool, started_at: dt.datetime
) -> None:
    """Record that this worker process is alive now (and forget the long-gone ones)."""
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "queues": queues[:200],
            "runs_schedule": runs_schedule,
            "started_at": started_at,
            "beat_at": now,
        },
    )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


def heartbeat_stop(*, worker_id: str) -> None:
    """A worker that stops in good order says so (a killed one goes stale instead)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@dataclass(frozen=True)
class WorkerState:
    alive: int  # workers that beat within the stale limit
    scheduling: int  # of them, those that run the periodic schedule
    last_beat_age: float | None  # seconds since the most recent beat of any worker


def worker_state(*, now: dt.datetime | None = None) -> WorkerState:
    moment = now or clock.now()
    fresh = WorkerHeartbeat.objects.filter(beat_at__gte=moment - heartbeat_stale_after())
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return WorkerState(
        alive=fresh.count(),
        scheduling=fresh.filter(runs_schedule=True).count(),
        last_beat_age=None if last is None else max(0.0, (moment - last).total_seconds()),
    )
