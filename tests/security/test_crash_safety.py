"""Crash safety with real processes: the web server (gunicorn) and the worker are killed with
SIGKILL in the middle of a load of creates and comments, several times, and restarted. Every
request answered 2xx must be in the database exactly once, every outbox event delivered (at
least once, one event per key) and no SLA breach raised twice. On SQLite (a WAL file) and, when
the suite runs on PostgreSQL, on a scratch PostgreSQL database."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.processes import Deployment, scratch_database

pytestmark = pytest.mark.e2e

ROUNDS = 3
WRITES_PER_ROUND = 24


@pytest.fixture
def database_url(tmp_path, migrated_template):
    with scratch_database(tmp_path, "crash", template=migrated_template) as url:
        yield url


SETUP = """
import json
from casebridge.parties.models import Organisation, Person
from casebridge.parties.tokens import api_token_create
agent = Person.objects.get(email="agent@bluewater.example")
_, raw = api_token_create(actor=agent, name="crash", scopes=["read", "write"])
customer = Organisation.objects.get(slug="rijnland-care-group")
print(json.dumps({"token": raw, "customer": customer.pk}))
"""

VERIFY = """
import json, time
from django.db.models import Count
from casebridge.cases.models import Case, CaseEvent, Comment
from casebridge.core.models import OutboxDelivery, OutboxEvent
deadline = time.monotonic() + 60  # the worker delivers what was left: wait here, in one process
while OutboxDelivery.objects.exclude(status="delivered").exists() and time.monotonic() < deadline:
    time.sleep(0.5)
titles = dict(Case.objects.filter(title__startswith="crash-").values("title")
    .annotate(n=Count("id")).values_list("title", "n"))
bodies = dict(Comment.objects.filter(body__startswith="crash-").values("body")
    .annotate(n=Count("id")).values_list("body", "n"))
breaches = list(CaseEvent.objects.filter(kind="sla_breached")
    .values("case_id", "engagement", "after__metric", "after__cycle")
    .annotate(n=Count("id")).filter(n__gt=1).values_list("case_id", flat=True))
undelivered = OutboxDelivery.objects.exclude(status="delivered").count()
keys = OutboxEvent.objects.values("dedup_key").annotate(n=Count("id")).filter(n__gt=1).count()
print(json.dumps({"titles": titles, "bodies": bodies, "breaches": breaches,
    "undelivered": undelivered, "duplicate_keys": keys, "events": OutboxEvent.objects.count()}))
"""


def test_killing_server_and_worker_loses_no_acknowledged_write(database_url, tmp_path):
    deployment = Deployment(
        database_url,
        tmp_path,
        CASEBRIDGE_API_RATE_PER_MINUTE="100000",
        CASEBRIDGE_OUTBOX_LEASE_SECONDS="2",
        CASEBRIDGE_WEBHOOK_TIMEOUT="1",  # the lease must outlast a webhook attempt twice over
        CASEBRIDGE_OUTBOX_BACKOFF_SECONDS="1",
    )
    deployment.run("demo")  # on a migrated copy (scratch_database)
    setup = deployment.python(SETUP)
    headers = {"Authorization": f"Bearer {setup['token']}"}
    acked_cases: dict[str, int] = {}
    acked_comments: set[str] = set()
    unacked: set[str] = set()
    lock = threading.Lock()

    def create(key: str) -> None:
        """Open a case; a client that got no answer sends the same Idempotency-Key again."""
        try:
            response = httpx.post(
                f"{deployment.base}/api/v1/cases",
                json={
                    "customer_id": setup["customer"],
                    "title": key,
                    "description": "Written while the server may die.",
                    "category": "incident",
                    "impact": "medium",
                    "urgency": "medium",
                },
                headers={**headers, "Idempotency-Key": key},
                timeout=10,
            )
        except httpx.HTTPError:
            response = None
        with lock:
            if response is not None and response.status_code == 201:
                acked_cases[key] = response.json()["id"]
                unacked.discard(key)
            else:
                unacked.add(key)

    def write(index: int, round_number: int) -> None:
        key = f"crash-{round_number}-{index}"
        if index % 3 != 2:
            create(key)
            return
        try:
            with lock:
                targets = list(acked_cases.values())
            if targets:
                response = httpx.post(
                    f"{deployment.base}/api/v1/cases/{targets[index % len(targets)]}/comments",
                    json={"audience": "public", "body": key},
                    headers=headers,
                    timeout=10,
                )
                if response.status_code == 201:
                    with lock:
                        acked_comments.add(key)
                return
        except httpx.HTTPError:
            pass  # the server died under the request: not acknowledged, may or may not exist

    for round_number in range(ROUNDS):
        deployment.start()
        for key in sorted(unacked):  # retried after the crash, with the same key
            create(key)
        threads = []
        for index in range(WRITES_PER_ROUND):
            thread = threading.Thread(target=write, args=(index, round_number))
            thread.start()
            threads.append(thread)
            if index == WRITES_PER_ROUND * 2 // 3:
                deployment.kill()  # mid-load: requests in flight die with the server
            time.sleep(0.05)
        for thread in threads:
            thread.join(timeout=30)
        deployment.kill()

    deployment.start()  # a last life: retry what is still unanswered, deliver what was left
    for key in sorted(unacked):
        create(key)
    result = deployment.python(VERIFY)
    deployment.kill()

    assert acked_cases, "no request was acknowledged"
    assert not unacked, unacked
    assert all(result["titles"].get(title) == 1 for title in acked_cases), result["titles"]
    assert all(n == 1 for n in result["titles"].values())  # retries never duplicate
    assert all(result["bodies"].get(body) == 1 for body in acked_comments)
    assert result["duplicate_keys"] == 0
    assert result["undelivered"] == 0
    assert result["breaches"] == []
