"""Liveness and readiness of a node (/healthz, /readyz) and `casebridge check`, which reports
the same; worker heartbeats."""

from __future__ import annotations

import datetime as dt
import socket
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client, override_settings

from casebridge.config.settings import cache_config
from casebridge.core import clock, health
from casebridge.core.heartbeats import heartbeat_beat, heartbeat_stop, worker_state
from casebridge.core.models import OutboxDelivery, OutboxEvent, WorkerHeartbeat
from tests.processes import free_port


def beat(worker_id: str = "w1", *, schedule: bool = True, ago: float = 0) -> None:
    heartbeat_beat(
        worker_id=worker_id, queues="default: 1", runs_schedule=schedule, started_at=clock.now()
    )
    if ago:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
            beat_at=clock.now() - dt.timedelta(seconds=ago)
        )


def ready(**params: str):
    return Client().get("/readyz", params)


def test_liveness_answers_without_touching_anything():
    # No database access is allowed in this test: a query would fail it. The host is not in
    # ALLOWED_HOSTS: a probe that calls the node by its address is answered all the same.
    response = Client().get("/healthz", headers={"host": "10.1.2.3:8000"})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_over_plain_http_is_answered_not_redirected(db, settings, path):
    settings.SECURE_SSL_REDIRECT = True  # production behind a TLS proxy
    beat()

    response = Client().get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_takes_no_writes(db, path):
    response = Client().post(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_node_with_its_database_and_a_worker_is_ready(db):
    with time_machine.travel(clock.now(), tick=False):  # no tenth of a second between the two
        beat()
        response = ready()

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"state": "ok"},
            "outbox": {"state": "ok", "lag_seconds": 0.0},
            "workers": {"state": "ok", "alive": 1, "last_beat_seconds": 0.0},
            "cache": {"state": "local"},
        },
    }


def test_readiness_names_no_host_version_or_error(db):
    beat()

    text = ready().content.decode()

    assert socket.gethostname() not in text
    assert "postgresql" not in text
    assert "sqlite" not in text


def test_without_a_live_worker_the_node_serves_but_says_degraded(db):
    # The clock stands still: on a loaded machine a tenth of a second passed between the beat
    # and the probe, and the reading said 31.1 (CI failed once on it).
    with time_machine.travel(clock.now(), tick=False):
        beat(ago=31)  # three heartbeats of 10 s missed
        lenient, strict = ready(), ready(strict="1")

    assert lenient.status_code == 200
    assert lenient.json()["status"] == "degraded"
    assert lenient.json()["checks"]["workers"] == {
        "state": "none_alive",
        "alive": 0,
        "last_beat_seconds": 31.0,
    }
    assert strict.status_code == 503


def test_workers_that_all_skip_the_schedule_are_a_problem(db):
    beat(schedule=False)

    assert ready().json()["checks"]["workers"]["state"] == "no_schedule"


def test_an_outbox_delivery_waiting_too_long_is_lag(db, settings):
    settings.CASEBRIDGE_OUTBOX_LAG_SECONDS = 300
    beat()
    event = OutboxEvent.objects.create(kind="test.lag", occurred_at=clock.now())
    OutboxDelivery.objects.create(
        event=event, handler="test", next_attempt_at=clock.now() - dt.timedelta(minutes=10)
    )
    OutboxDelivery.objects.create(  # claimed by a worker: not waiting
        event=event, handler="claimed", next_attempt_at=clock.now() + dt.timedelta(minutes=5)
    )

    body = ready().json()

    assert body["status"] == "degraded"
    assert body["checks"]["outbox"]["state"] == "lagging"
    assert 599 < body["checks"]["outbox"]["lag_seconds"] < 610


def test_a_draining_node_is_taken_out_of_rotation(db, settings, tmp_path):
    beat()
    settings.CASEBRIDGE_DRAIN_FILE = str(tmp_path / "draining")
    before = ready().status_code
    (tmp_path / "draining").touch()

    response = ready()

    assert before == 200
    assert response.status_code == 503
    assert response.json()["checks"]["drain"] == {"state": "draining"}


def test_a_node_without_its_database_is_unavailable(db, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(health.connection, "cursor", unreachable)
        response = ready()

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == {"state": "unreachable"}
    assert "refused" not in response.content.decode()


def test_a_shared_cache_that_does_not_answer_degrades_the_node(db):
    beat()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(
        CACHES=cache_config(dead, timeout_ms=100, prefix="casebridge"), CASEBRIDGE_CACHE_URL=dead
    ):
        response = ready()

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == {"state": "unreachable"}


def test_a_shared_cache_that_answers_is_ok(db, redis_server):
    beat()
    with override_settings(
        CACHES=cache_config(redis_server.url, timeout_ms=250, prefix="casebridge"),
        CASEBRIDGE_CACHE_URL=redis_server.url,
    ):
        response = ready()

    assert response.json()["checks"]["cache"] == {"state": "ok"}


def check_output() -> str:
    out = StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    return out.getvalue()


def test_check_reports_readiness_and_a_missing_worker(db):
    text = check_output()

    assert "casebridge.I109" in text
    assert "database ok" in text
    assert "casebridge.W113" in text


def test_check_is_quiet_about_workers_that_beat(db):
    beat()

    text = check_output()

    assert "workers ok (alive 1" in text
    assert "casebridge.W113" not in text


def test_a_heartbeat_is_one_row_per_worker_kept_fresh_and_removed_on_stop(db):
    beat("w1", ago=5)
    beat("w1")
    beat("w2")
    both = worker_state()
    heartbeat_stop(worker_id="w2")

    assert both.alive == 2
    assert WorkerHeartbeat.objects.count() == 1
    assert WorkerHeartbeat.objects.get().beat_at > clock.now() - dt.timedelta(seconds=1)


def test_a_beat_forgets_workers_gone_for_a_day(db):
    beat("gone", ago=25 * 3600)
    beat("stale", ago=60)

    beat("w1")

    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"stale", "w1"}
    assert worker_state().alive == 1
