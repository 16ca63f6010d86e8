"""The core's periodic jobs."""

from __future__ import annotations

import datetime as dt

from casebridge.core import outbox
from casebridge.core.schedule import register_job


@register_job(
    "outbox.drain",
    every=dt.timedelta(seconds=15),
    description="Deliver due outbox events (the safety net behind the after-commit drain).",
)
def drain_outbox() -> dict[str, int]:
    result = outbox.outbox_drain()
    return {"delivered": result.delivered, "retried": result.retried, "failed": result.failed}
