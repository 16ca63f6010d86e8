"""Background tasks of the core: thin wrappers that call the mechanism by name."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from casebridge.core import outbox, schedule


@task()
def outbox_drain_task() -> dict[str, int]:
    result = outbox.outbox_drain()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}


@task()
def periodic_job_task(name: str, slot: str | None = None) -> None:
    """``slot``: the due time the schedule claimed (ISO 8601), kept with the task's row."""
    schedule.job_run(name, slot=slot)


def periodic_job_enqueue(name: str, slot: dt.datetime) -> None:
    periodic_job_task.enqueue(name, slot.isoformat())
