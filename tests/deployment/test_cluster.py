"""casebridge as a cluster on loopback, under faults: two web nodes (gunicorn, two processes each)
and two workers on one PostgreSQL database and a Redis server of the test's own, behind a small
round-robin proxy that takes a node out of rotation while its /readyz does not answer 200.

A mixed load of creates (with Idempotency-Key), comments and workflow steps runs through the
proxy while webhooks go to two receivers on loopback; meanwhile one web node and one worker are
SIGKILLed and started again, and Redis is killed and started again (empty). Afterwards:

- every acknowledged write exists exactly once (a create retried after a lost answer too);
- every webhook event reached each receiver, and each receiver's delivery key was delivered
  once (a post repeated after a worker died mid-attempt is the only duplicate, at most one per
  webhook thread of the killed worker);
- every outbox delivery was delivered, no SLA breach was raised twice (and some were raised);
- the API rate limit held across both nodes: a token's budget is one, in Redis; sign-in
  failures spread over both nodes lock the account (a database row, untouched by Redis);
- no periodic job ran twice for the same slot, slots lie an interval apart, and both workers
  took their turn;
- no request answered 5xx (a Redis restart costs counts, not errors), a session signed in on
  one node is signed in on the other, and every node's readiness is ok at the end.

PostgreSQL only: several nodes on one SQLite file is not a deployment casebridge supports."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import re
import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from redis import Redis as RedisClient

from casebridge.demo.parties import DEMO_PASSWORD
from tests.processes import (
    Deployment,
    free_port,
    scratch_database,
    wait_until_answers,
)

pytestmark = pytest.mark.e2e

RATE = 40  # API requests a minute per token
WEBHOOK_THREADS = 2
HEARTBEAT = 1
INTERVALS = {"outbox.drain": 2, "webhooks.retry": 2, "sla.sweep": 3, "rca.open_missing": 5}
LOAD_SECONDS = 24
LOAD_THREADS = 6
PACE = 1.7  # seconds between two requests of one load thread: ~35 a minute, under RATE
KINDS = [
    "case.opened",
    "case.commented",
    "case.start",
    "case.propose_solution",
    "case.sla_breached",
]
PAST_CASES = 3  # opened a week ago: their first response is long overdue
LOGIN_FAILURES = 5  # CASEBRIDGE_LOGIN_MAX_FAILURES


@pytest.fixture(autouse=True)
def quiet_http_client():
    """httpx logs every request at INFO: thousands of lines in a failure's report."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def database_url(tmp_path, request):
    if not os.environ.get("CASEBRIDGE_TEST_DATABASE_URL"):
        pytest.skip(
            "the cluster test runs on PostgreSQL only (set CASEBRIDGE_TEST_DATABASE_URL): "
            "several nodes share one database server, which SQLite is not"
        )
    template = request.getfixturevalue("migrated_template")  # not made for a skipped test
    with scratch_database(tmp_path, "cluster", template=template) as url:
        yield url


class RoundRobinProxy:
    """Hands each connection to the next node in rotation: a node is in rotation while its
    /readyz answers 200 (polled), and one that refuses a connection is skipped at once."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.ready = dict.fromkeys(ports, False)
        self.lock = threading.Lock()
        self.log: list[tuple[float, int]] = []  # (when, node port) per connection
        self.turn = itertools.count()
        self.stop = threading.Event()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", free_port()))
        self.server.listen(128)
        self.server.settimeout(0.2)
        self.base = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.threads = [
            threading.Thread(target=self._accept, daemon=True),
            threading.Thread(target=self._probe, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _probe(self) -> None:
        """Like a load balancer's health check: in after one good answer, out after two bad
        ones in a row (a node that refuses connections is out at once, see _serve)."""
        misses = dict.fromkeys(self.ports, 0)
        while not self.stop.is_set():
            for port in self.ports:
                try:
                    up = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3).status_code == 200
                except httpx.HTTPError:
                    up = False
                misses[port] = 0 if up else misses[port] + 1
                with self.lock:
                    if up:
                        self.ready[port] = True
                    elif misses[port] >= 2:
                        self.ready[port] = False
            self.stop.wait(0.25)

    def wait_until_all_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                if all(self.ready.values()):
                    return
            time.sleep(0.1)
        raise AssertionError(f"not every node became ready: {self.ready}")

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self.lock:
            start = next(self.turn)
            order = [self.ports[(start + n) % len(self.ports)] for n in range(len(self.ports))]
            candidates = [port for port in order if self.ready[port]]
        upstream = None
        for port in candidates:
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                with self.lock:
                    self.ready[port] = False
                continue
            with self.lock:
                self.log.append((time.monotonic(), port))
            break
        if upstream is None:
            client.close()  # no node: the client sees its connection closed, unanswered
            return
        upstream.settimeout(None)
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 30)
                if not readable:
                    return
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is client else client).sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.server.close()


class Receiver:
    """A webhook receiver: notes every post's delivery key, event kind and data."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with state.lock:
                    state.posts.append(
                        {"key": self.headers["X-Casebridge-Delivery"], "kind": body["kind"]}
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def keys(self) -> Counter:
        with self.lock:
            return Counter(post["key"] for post in self.posts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Load:
    """Creates, comments and workflow steps through the proxy, each thread on its own cases."""

    def __init__(self, base: str, tokens: list[str], customer: int) -> None:
        self.base = base
        self.tokens = tokens
        self.customer = customer
        self.lock = threading.Lock()
        self.acked_cases: dict[str, int] = {}
        self.unacked: set[str] = set()
        self.acked_comments: dict[str, int] = {}
        self.acked_steps: list[tuple[int, str]] = []
        self.server_errors: list[tuple[str, int]] = []
        self.stop = threading.Event()

    def _send(self, method: str, path: str, token: str, **kwargs) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            response = httpx.request(
                method, f"{self.base}{path}", headers=headers, timeout=10, **kwargs
            )
        except httpx.HTTPError:
            return None  # the node died under the request: not acknowledged
        if response.status_code >= 500:
            with self.lock:
                self.server_errors.append((path, response.status_code))
        return response

    def create(self, key: str, token: str) -> None:
        response = self._send(
            "POST",
            "/api/v1/cases",
            token,
            json={
                "customer_id": self.customer,
                "title": key,
                "description": "Written while nodes come and go.",
                "category": "incident",
                "impact": "medium",
                "urgency": "medium",
            },
            headers={"Idempotency-Key": key},
        )
        with self.lock:
            if response is not None and response.status_code == 201:
                self.acked_cases[key] = response.json()["id"]
                self.unacked.discard(key)
            else:
                self.unacked.add(key)
        if response is not None and response.status_code == 429:
            time.sleep(min(5, int(response.headers.get("Retry-After", "1"))))

    def run(self, number: int) -> None:
        token = self.tokens[number]
        mine: dict[int, str] = {}  # case id -> the step it is at ("new", "started", "unknown")
        for step in itertools.count():
            if self.stop.is_set():
                return
            started = time.monotonic()
            operation = step % 4
            if operation in (0, 2) or not mine:
                key = f"cluster-{number}-{step}"
                self.create(key, token)
                with self.lock:
                    if key in self.acked_cases:
                        mine[self.acked_cases[key]] = "new"
            elif operation == 1:
                case_id = sorted(mine)[step % len(mine)]
                body = f"cluster-comment-{number}-{step}"
                response = self._send(
                    "POST",
                    f"/api/v1/cases/{case_id}/comments",
                    token,
                    json={"audience": "public", "body": body},
                )
                if response is not None and response.status_code == 201:
                    with self.lock:
                        self.acked_comments[body] = response.json()["id"]
            else:
                movable = [case for case, at in sorted(mine.items()) if at in {"new", "started"}]
                if movable:
                    case_id = movable[0]
                    action = "start" if mine[case_id] == "new" else "propose_solution"
                    response = self._send(
                        "POST", f"/api/v1/cases/{case_id}/actions/{action}", token, json={}
                    )
                    if response is not None and response.status_code == 200:
                        with self.lock:
                            self.acked_steps.append((case_id, f"case.{action}"))
                        mine[case_id] = "started" if action == "start" else "proposed"
                    elif response is None or response.status_code >= 500:
                        mine[case_id] = "unknown"  # it may or may not have happened
            self.stop.wait(max(0.0, PACE - (time.monotonic() - started)))


SETUP = """
import json, datetime as dt
import time_machine
from django.core.management import call_command
from casebridge.core.outbox import outbox_drain
call_command("demo")
while outbox_drain().attempted:  # the demo's own events, before anyone subscribes
    pass
from casebridge.cases import services as cases
from casebridge.notifications import services
from casebridge.parties.models import Organisation, Person
from casebridge.parties.tokens import api_token_create
agent = Person.objects.get(email="agent@bluewater.example")
tokens = [api_token_create(actor=agent, name=f"load {n}", scopes=["read", "write"])[1]
    for n in range(%(threads)d)]
probes = [api_token_create(actor=agent, name=f"probe {n}", scopes=["read"])[1] for n in range(2)]
manager = Person.objects.get(email="manager@bluewater.example")
subscriptions = [services.subscription_create(actor=manager, url=url, kinds=%(kinds)r).pk
    for url in %(urls)r]
contact = Person.objects.get(email="it@rijnland-care.example")
customer = Organisation.objects.get(slug="rijnland-care-group")
with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=7), tick=True):
    for n in range(%(past)d):
        cases.case_open(actor=contact, customer=customer, title=f"overdue-{n}",
            description="Nobody answered this for a week.", category="incident",
            impact="high", urgency="high")
print(json.dumps({"tokens": tokens, "probes": probes, "subscriptions": subscriptions,
    "customer": customer.pk}))
"""

VERIFY = """
import json, time
from collections import Counter
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from casebridge.cases.models import Case, CaseEvent, Comment
from casebridge.core.models import OutboxDelivery, OutboxEvent
from casebridge.core.schedule import job_interval, registered_jobs
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery

def waiting():
    return (OutboxDelivery.objects.exclude(status="delivered").count()
        + WebhookDelivery.objects.exclude(status="delivered").count())

deadline = time.monotonic() + 45  # the workers deliver what was left: wait here, in one process
while waiting() and time.monotonic() < deadline:
    time.sleep(0.3)
titles = dict(Case.objects.filter(title__startswith="cluster-").values("title")
    .annotate(n=Count("id")).values_list("title", "n"))
bodies = dict(Comment.objects.filter(body__startswith="cluster-").values("body")
    .annotate(n=Count("id")).values_list("body", "n"))
breaches = list(CaseEvent.objects.filter(kind="sla_breached")
    .values("case_id", "engagement", "after__metric", "after__cycle").annotate(n=Count("id"))
    .values_list("case_id", "n"))
events = list(OutboxEvent.objects.filter(kind__in=%(kinds)r).values_list(
    "kind", "dedup_key", "payload__case_id", "payload__comment_id"))
deliveries = {}
for subscription in %(subscriptions)r:
    rows = WebhookDelivery.objects.filter(subscription_id=subscription)
    deliveries[subscription] = {
        "keys": sorted(rows.values_list("event__dedup_key", flat=True)),
        "statuses": dict(rows.values("status").annotate(n=Count("id")).values_list("status", "n")),
        "successes": sorted(set(WebhookAttempt.objects.filter(delivery__in=rows, error="")
            .values("delivery_id").annotate(n=Count("id")).values_list("n", flat=True))),
        # Shown when a delivery was recorded as a success twice: when each attempt ran.
        "doubled": [
            [a.delivery_id, a.at.isoformat(), a.duration_ms, a.status_code]
            for a in WebhookAttempt.objects.filter(delivery__in=rows).filter(
                delivery_id__in=WebhookAttempt.objects.filter(delivery__in=rows, error="")
                .values("delivery_id").annotate(n=Count("id")).filter(n__gt=1)
                .values("delivery_id")).order_by("delivery_id", "at")],
    }
runs = [(r.args_kwargs["args"][0], r.args_kwargs["args"][1] if len(r.args_kwargs["args"]) > 1
    else None, r.status, r.worker_ids) for r in DBTaskResult.objects.filter(
    task_path__endswith="periodic_job_task")]
print(json.dumps({
    "titles": titles, "bodies": bodies, "breaches": breaches, "events": events,
    "deliveries": deliveries, "runs": runs,
    "intervals": {job.name: job_interval(job).total_seconds() for job in registered_jobs()},
    "outbox_undelivered": OutboxDelivery.objects.exclude(status="delivered").count(),
    "duplicate_keys": OutboxEvent.objects.values("dedup_key").annotate(n=Count("id"))
        .filter(n__gt=1).count(),
}))
"""


class Phases:
    def __init__(self) -> None:
        self.last = time.monotonic()
        self.took: list[tuple[str, float]] = []

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.took.append((name, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return "; ".join(f"{name} {seconds:.1f} s" for name, seconds in self.took)


def sign_in(base: str, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    answer = client.post(
        "/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token.group(1)},
    )
    assert answer.status_code == 302, answer.text[:500]
    return client


def sign_in_attempts(base: str, email: str, passwords: list[str]) -> list[int]:
    """One fresh client (a new connection, so the next node in turn) per attempt."""
    codes = []
    for password in passwords:
        with httpx.Client(base_url=base, timeout=10) as client:
            page = client.get("/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            assert token, page.text[:500]
            codes.append(
                client.post(
                    "/login/",
                    data={
                        "username": email,
                        "password": password,
                        "csrfmiddlewaretoken": token.group(1),
                    },
                ).status_code
            )
    return codes


def signed_in_as(client: httpx.Client, times: int) -> list[str | None]:
    """Who the session is, asked ``times`` over (None: signed out)."""
    answers = [client.get("/api/v1/me") for _ in range(times)]
    return [a.json()["email"] if a.status_code == 200 else None for a in answers]


def probe_rate_limit(proxy: RoundRobinProxy, tokens: list[str]) -> tuple[Counter, set[int]]:
    """2.5 budgets' worth of requests at once with one token, inside one minute's window (the
    window is the clock's minute): a probe that ran across the turn of a minute is repeated
    with the next token, which then starts at the beginning of a minute."""
    for token in tokens:
        began, minute = time.monotonic(), dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
        statuses = fire(proxy, token, int(RATE * 2.5))
        if dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) != minute:
            continue
        with proxy.lock:
            nodes = {port for at, port in proxy.log if at >= began}
        return statuses, nodes
    raise AssertionError("every rate probe ran across the turn of a minute")


def fire(proxy: RoundRobinProxy, token: str, count: int) -> Counter:
    statuses: Counter = Counter()
    lock = threading.Lock()
    requests = iter(range(count))

    def one_thread() -> None:
        for _ in requests:
            try:
                status = httpx.get(
                    f"{proxy.base}/api/v1/me",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                ).status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=one_thread) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_a_cluster_under_faults_keeps_every_promise(database_url, redis_server, tmp_path: Path):
    redis = redis_server
    deployment = Deployment(
        database_url,
        tmp_path,
        CASEBRIDGE_DEBUG="false",
        CASEBRIDGE_CACHE_URL=redis.url,
        CASEBRIDGE_SESSION_STORE="cached_db",
        CASEBRIDGE_API_RATE_PER_MINUTE=str(RATE),
        CASEBRIDGE_LOGIN_MAX_FAILURES=str(LOGIN_FAILURES),
        # Four times a webhook attempt (settings ask for twice): on a starved machine an attempt
        # that runs long is still not taken over by the other worker and posted twice.
        CASEBRIDGE_OUTBOX_LEASE_SECONDS="4",
        CASEBRIDGE_WEBHOOK_TIMEOUT="1",
        CASEBRIDGE_OUTBOX_BACKOFF_SECONDS="1",
        CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE="true",
        CASEBRIDGE_WEBHOOK_CONCURRENCY=str(WEBHOOK_THREADS),
        CASEBRIDGE_WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT),
        CASEBRIDGE_JOB_INTERVALS=",".join(f"{k}={v}" for k, v in INTERVALS.items()),
    )
    receivers = [Receiver(), Receiver()]
    phases = Phases()
    setup = deployment.python(  # on a migrated copy (scratch_database)
        SETUP
        % {
            "threads": LOAD_THREADS,
            "kinds": KINDS,
            "urls": [receiver.url for receiver in receivers],
            "past": PAST_CASES,
        }
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    web_ports = [free_port()]
    while len(web_ports) < 2:
        web_ports = list(dict.fromkeys([*web_ports, free_port()]))

    def start_web(index: int):
        return deployment.spawn(
            "serve",
            "--bind",
            f"127.0.0.1:{web_ports[index]}",
            "--workers",
            "2",
            log=logs / f"web-{index}.log",
        )

    def start_worker(index: int):
        command = ("worker", "--tick", "0.5", "--interval", "0.2")
        return deployment.spawn(*command, log=logs / f"worker-{index}.log")

    phases.mark("migrate, demo, setup")
    webs = [start_web(0), start_web(1)]
    workers = [start_worker(0), start_worker(1)]
    proxy = RoundRobinProxy(web_ports)
    try:
        for port in web_ports:
            wait_until_answers(f"http://127.0.0.1:{port}/healthz")
        proxy.wait_until_all_ready()
        phases.mark("nodes up")
        browser = sign_in(proxy.base, "agent@bluewater.example", DEMO_PASSWORD)
        load = Load(proxy.base, setup["tokens"], setup["customer"])
        threads = [
            threading.Thread(target=load.run, args=(number,)) for number in range(LOAD_THREADS)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()

        def at(second: float) -> None:
            time.sleep(max(0.0, began + second - time.monotonic()))

        at(6)  # a web node dies mid-load, requests in flight with it, and comes back
        deployment.kill_one(webs[0])
        webs[0] = start_web(0)
        at(12)  # a worker dies mid-delivery and comes back
        deployment.kill_one(workers[0])
        workers[0] = start_worker(0)
        at(17)  # Redis dies and comes back empty
        redis.restart()
        at(LOAD_SECONDS)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)

        phases.mark("load under faults")
        statuses, probed_nodes = probe_rate_limit(proxy, setup["probes"])
        phases.mark("rate probe")
        pages = signed_in_as(browser, 4)
        locking_began = time.monotonic()
        # Five failures from one address lock the account there, on every node, whatever
        # Redis went through: the count is a database row.
        attempts = sign_in_attempts(
            proxy.base, "lotte@bluewater.example", ["wrong"] * LOGIN_FAILURES + [DEMO_PASSWORD]
        )
        with proxy.lock:
            locking_nodes = {port for at, port in proxy.log if at >= locking_began}
        stored = RedisClient.from_url(redis.url)
        in_redis = {
            "sessions": len(stored.keys("*sessions.cached_db*")),
            "rate": len(stored.keys("*throttle:api:*")),
        }
        stored.close()
        for _ in range(5):  # clients retry what got no answer, with the same key
            for key in sorted(load.unacked):
                load.create(key, setup["tokens"][0])
        result = deployment.python(
            VERIFY % {"kinds": KINDS, "subscriptions": setup["subscriptions"]}
        )
        phases.mark("retries, deliveries, verification")
        time.sleep(3 * HEARTBEAT)  # the killed worker's heartbeat goes stale
        readiness = [
            httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json() for port in web_ports
        ]
    finally:
        proxy.close()
        deployment.kill()
        print(phases)  # shown with a failure: where the time went
        for receiver in receivers:
            receiver.close()

    # Every acknowledged write exactly once, a create retried after a lost answer too.
    assert load.acked_cases, "no request was acknowledged"
    assert not load.unacked, load.unacked
    assert all(result["titles"].get(title) == 1 for title in load.acked_cases), result["titles"]
    assert set(result["titles"].values()) == {1}
    assert all(result["bodies"].get(body) == 1 for body in load.acked_comments)
    steps = Counter((case_id, kind) for kind, _, case_id, _ in result["events"])
    assert load.acked_steps, "no workflow step was acknowledged"
    assert all(steps[step] == 1 for step in load.acked_steps), load.acked_steps
    assert load.server_errors == []

    # Every outbox delivery done, one event per key; every breach raised once, and some were.
    assert result["outbox_undelivered"] == 0
    assert result["duplicate_keys"] == 0
    assert len(result["breaches"]) >= PAST_CASES
    assert all(n == 1 for _, n in result["breaches"]), result["breaches"]

    # Each receiver got every event it subscribed to, each delivery key delivered once.
    keys_of = {
        "case.opened": {
            case_id: key for kind, key, case_id, _ in result["events"] if kind == "case.opened"
        },
        "case.commented": {
            c: key for kind, key, _, c in result["events"] if kind == "case.commented"
        },
    }
    wanted = (
        {keys_of["case.opened"][case_id] for case_id in load.acked_cases.values()}
        | {keys_of["case.commented"][c] for c in load.acked_comments.values()}
        | {
            key
            for kind, key, case_id, _ in result["events"]
            if (case_id, kind) in set(load.acked_steps)
        }
    )
    for receiver, subscription in zip(receivers, setup["subscriptions"], strict=True):
        delivered = result["deliveries"][str(subscription)]
        received = receiver.keys()
        assert delivered["statuses"] == {"delivered": len(delivered["keys"])}, delivered["statuses"]
        # one recorded success per delivery
        assert delivered["successes"] == [1], delivered["doubled"]
        assert set(received) == set(delivered["keys"])
        assert wanted <= set(received)
        assert sum(n - 1 for n in received.values()) <= WEBHOOK_THREADS, received.most_common(5)

    # The rate limit held across both nodes and all four web processes: one budget per token.
    assert statuses == Counter({200: RATE, 429: int(RATE * 1.5)}), statuses
    assert probed_nodes == set(web_ports)

    # No periodic job ran twice for a slot; slots lie an interval apart; both workers took turns.
    slots = Counter((name, slot) for name, slot, _, _ in result["runs"])
    assert all(slot is not None for _, slot in slots), "a job was enqueued without its slot"
    assert max(slots.values()) == 1, slots.most_common(3)
    for name in {name for name, _ in slots}:
        times = sorted(dt.datetime.fromisoformat(slot) for job, slot in slots if job == name)
        gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
        assert all(gap >= result["intervals"][name] - 0.001 for gap in gaps), (name, gaps)
    assert sum(1 for name, _ in slots if name == "sla.sweep") >= 3
    runners = {ids[0][:32] for _, _, status, ids in result["runs"] if ids}
    assert len(runners) >= 2
    assert [run for run in result["runs"] if run[2] == "FAILED"] == []

    # Sessions live in the shared cache and the database: signed in on every node, throughout.
    assert pages == ["agent@bluewater.example"] * 4
    assert attempts == [200] * LOGIN_FAILURES + [429]
    assert locking_nodes == set(web_ports)
    assert in_redis["sessions"] >= 1
    assert in_redis["rate"] >= 1
    # Every node ready at the end, both workers alive (the killed one's heartbeat gone stale).
    for report in readiness:
        assert report["status"] == "ok", report
        assert report["checks"]["workers"]["alive"] == 2, report
        assert report["checks"]["cache"]["state"] == "ok"
