"""Health of one node, for a load balancer, an orchestrator and `casebridge check`.

- **Liveness** (``GET /healthz``): the process answers. It depends on nothing else, so an
  orchestrator never restarts every node because PostgreSQL blinked, and it says nothing but
  ``{"status": "ok"}``.
- **Readiness** (``GET /readyz``): whether this node should get traffic, with each check.
  ``503`` when the node cannot serve — its database is unreachable, or it is being drained
  (the drain file exists, ``CASEBRIDGE_DRAIN_FILE``) — else ``200``, also when something
  elsewhere is wrong that this node cannot mend (the shared cache down, the outbox lagging, no
  worker alive): the body's ``status`` is then ``degraded``, and ``?strict=1`` answers ``503``
  for it too (for a monitor that only reads status codes).

Both answer before host validation and the HTTPS redirect (the first middleware), so a probe
that calls a node by its address is answered; the body holds states, ages and counts only —
never a host name, a version or an error message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, HttpResponse, JsonResponse

from casebridge.core import clock
from casebridge.core.caching import cache_is_shared, cache_ping
from casebridge.core.choices import DeliveryStatus
from casebridge.core.heartbeats import worker_state
from casebridge.core.models import OutboxDelivery

OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"


@dataclass
class Readiness:
    status: str = OK
    checks: dict[str, dict[str, object]] = field(default_factory=dict)

    def add(self, name: str, state: str, *, fatal: bool = False, **numbers: object) -> None:
        self.checks[name] = {"state": state, **numbers}
        if state in {"ok", "local"}:
            return
        if fatal:
            self.status = UNAVAILABLE
        elif self.status == OK:
            self.status = DEGRADED

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "checks": self.checks}


def draining() -> bool:
    name = settings.CASEBRIDGE_DRAIN_FILE
    return bool(name) and Path(name).exists()


def outbox_lag_seconds(*, now: dt.datetime) -> float:
    """How long the oldest due outbox delivery has waited (0 when none is due)."""
    oldest = OutboxDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    return 0.0 if oldest is None else round((now - oldest).total_seconds(), 1)


def node_readiness() -> Readiness:
    report = Readiness()
    if draining():
        report.add("drain", "draining", fatal=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        report.add("database", "unreachable", fatal=True)
        for name in ("outbox", "workers"):
            report.checks[name] = {"state": "unknown"}
    else:
        report.add("database", "ok")
        now = clock.now()
        try:
            lag = outbox_lag_seconds(now=now)
            workers = worker_state(now=now)
        except DatabaseError:  # tables missing: not migrated yet
            report.add("schema", "not_migrated", fatal=True)
        else:
            limit = settings.CASEBRIDGE_OUTBOX_LAG_SECONDS
            report.add("outbox", "ok" if lag <= limit else "lagging", lag_seconds=lag)
            if workers.alive == 0:
                worker = "none_alive"
            elif workers.scheduling == 0:
                worker = "no_schedule"
            else:
                worker = "ok"
            report.add(
                "workers",
                worker,
                alive=workers.alive,
                last_beat_seconds=(
                    None if workers.last_beat_age is None else round(workers.last_beat_age, 1)
                ),
            )
    if cache_is_shared():
        report.add("cache", "ok" if cache_ping() else "unreachable")
    else:
        report.add("cache", "local")
    return report


HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


def health_response(request: HttpRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        response = JsonResponse({"status": "method_not_allowed"}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    if request.path_info == "/healthz":
        response = JsonResponse({"status": OK})
    else:
        report = node_readiness()
        strict = request.GET.get("strict") in {"1", "true", "yes"}
        failing = report.status == UNAVAILABLE or (strict and report.status == DEGRADED)
        response = JsonResponse(report.as_dict(), status=503 if failing else 200)
        # An answer, not a failure of ours: Django would log every probe of a draining node
        # as a server error.
        response._has_been_logged = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answers /healthz and /readyz before anything else runs (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in HEALTH_PATHS:
            return health_response(request)
        return self.get_response(request)
