"""Background tasks of the core: thin wrappers that call the mechanism by name."""

from __future__ import annotations

from django_tasks import task

from casebridge.core import outbox, schedule


@task()
def outbox_drain_task() -> dict[str, int]:
    result = outbox.outbox_drain()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}


@task()
def periodic_job_task(name: str) -> None:
    schedule.job_run(name)
