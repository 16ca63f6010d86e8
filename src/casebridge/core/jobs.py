"""The core's periodic jobs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from casebridge.core import clock, outbox
from casebridge.core.schedule import register_job

PRUNE_BATCH = 1000


@register_job(
    "outbox.drain",
    every=dt.timedelta(seconds=15),
    description="Deliver due outbox events (the safety net behind the after-commit drain).",
)
def drain_outbox() -> dict[str, int]:
    result = outbox.outbox_drain()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}


@register_job(
    "tasks.prune",
    every=dt.timedelta(hours=1),
    description="Delete the results of tasks that finished more than "
    "CASEBRIDGE_TASK_RESULT_DAYS ago (the task queue's table stays small).",
)
def prune_task_results() -> int:
    """Returns how many finished task results were deleted (in batches, so no long lock)."""
    from django_tasks_db.models import DBTaskResult

    cutoff = clock.now() - dt.timedelta(days=settings.CASEBRIDGE_TASK_RESULT_DAYS)
    deleted = 0
    while True:
        batch = list(
            DBTaskResult.objects.finished()
            .filter(finished_at__lt=cutoff)
            .values_list("id", flat=True)[:PRUNE_BATCH]
        )
        if not batch:
            return deleted
        deleted += DBTaskResult.objects.filter(pk__in=batch).delete()[0]
