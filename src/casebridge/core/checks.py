"""``casebridge check``: the schedule's settings, and this node's readiness as /readyz sees it
(database checks: `casebridge check` runs them against the default database)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Info, Tags, Warning, register
from django.db import DatabaseError

from casebridge.core.schedule import unknown_interval_names


@register()
def job_interval_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            f"CASEBRIDGE_JOB_INTERVALS names {name!r}, which is no periodic job.",
            hint="casebridge jobs list",
            id="casebridge.E108",
        )
        for name in unknown_interval_names()
    ]


READINESS_PROBLEMS = {
    ("drain", "draining"): (
        "This node is draining: its readiness answers 503 while the drain file exists.",
        "Remove CASEBRIDGE_DRAIN_FILE to take traffic again.",
        "casebridge.W110",
    ),
    ("cache", "unreachable"): (
        "The shared cache (CASEBRIDGE_CACHE_URL) does not answer: the API rate limit counts "
        "per process and cached sessions are read from the database until it is back.",
        "Is Redis running and reachable from this node?",
        "casebridge.W111",
    ),
    ("outbox", "lagging"): (
        "Outbox deliveries are waiting longer than CASEBRIDGE_OUTBOX_LAG_SECONDS.",
        "casebridge outbox status; are the workers keeping up?",
        "casebridge.W112",
    ),
    ("workers", "none_alive"): (
        "No worker has reported in the last three heartbeats: no mail, webhooks or periodic "
        "jobs are running.",
        "Start casebridge worker (or casebridge serve --with-worker).",
        "casebridge.W113",
    ),
    ("workers", "no_schedule"): (
        "Workers are running, but none runs the periodic schedule (all have --no-schedule).",
        "Run at least one casebridge worker without --no-schedule.",
        "casebridge.W114",
    ),
}


def _summary(checks: dict[str, dict[str, object]]) -> str:
    parts = []
    for name, check in checks.items():
        numbers = ", ".join(f"{key} {value}" for key, value in check.items() if key != "state")
        parts.append(f"{name} {check['state']}" + (f" ({numbers})" if numbers else ""))
    return "; ".join(parts)


@register(Tags.database)
def node_health(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    if not databases:
        return []
    from casebridge.core.health import node_readiness
    from casebridge.core.models import WorkerHeartbeat

    try:
        WorkerHeartbeat.objects.exists()
    except DatabaseError:  # not migrated yet: nothing to report
        return []
    report = node_readiness()
    found: list[CheckMessage] = [
        Info(f"Readiness: {report.status} — {_summary(report.checks)}.", id="casebridge.I109")
    ]
    for name, check in report.checks.items():
        problem = READINESS_PROBLEMS.get((name, str(check["state"])))
        if problem is not None:
            message, hint, code = problem
            found.append(Warning(message, hint=hint, id=code))
    return found
