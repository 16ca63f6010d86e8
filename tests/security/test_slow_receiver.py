"""A webhook receiver that trickles its answer a byte at a time, against the real worker process:
e-mail, the periodic jobs and another receiver go on as if it were not there; each attempt ends
at the deadline; nothing is posted twice although the attempts would outlast the lease. On
SQLite and, when the suite runs on PostgreSQL, on a scratch PostgreSQL database."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from tests.processes import Deployment, free_port, scratch_database

pytestmark = pytest.mark.e2e

DEADLINE = 2
LEASE = 2 * DEADLINE
PAUSE = 0.5  # between two bytes of the trickled answer
TRICKLE_BYTES = 60  # 30 s of answer: far beyond the deadline and the lease


class Trickler:
    """Takes a POST, then answers one byte every PAUSE seconds until the caller hangs up."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", free_port()))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.lock = threading.Lock()
        self.posts: list[dict] = []  # delivery key, when it came, how long we were held
        self.open_now = 0
        self.most_open = 0
        self.stop = threading.Event()
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        started = time.monotonic()
        with self.lock:
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            head = request.split(b"\r\n\r\n", 1)[0].decode()
            headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
            post = {"key": headers.get("X-Casebridge-Delivery"), "at": started, "held": None}
            with self.lock:
                self.posts.append(post)
            body = request.split(b"\r\n\r\n", 1)[1]
            while len(body) < int(headers.get("Content-Length", "0")):
                chunk = connection.recv(65536)
                if not chunk:
                    return
                body += chunk
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * TRICKLE_BYTES:
                if self._hung_up(connection, PAUSE):
                    break
                try:
                    connection.send(bytes([byte]))
                except OSError:
                    break
            post["held"] = time.monotonic() - started
        finally:
            connection.close()
            with self.lock:
                self.open_now -= 1

    @staticmethod
    def _hung_up(connection: socket.socket, pause: float) -> bool:
        """Wait ``pause`` seconds; True as soon as the caller closes its end."""
        until = time.monotonic() + pause
        while (left := until - time.monotonic()) > 0:
            readable, _, _ = select.select([connection], [], [], left)
            try:
                if readable and not connection.recv(65536):
                    return True
            except OSError:  # reset rather than closed
                return True
        return False

    def close(self) -> None:
        self.stop.set()
        self.accepting.join()
        self.server.close()


class Quick:
    """A receiver that answers at once and notes when each event came."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, dict]] = []
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                state.seen.append((time.monotonic(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[float, str]] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((time.monotonic(), str(message["Subject"])))
        return "250 OK"


@pytest.fixture
def receivers():
    trickler, quick = Trickler(), Quick()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield trickler, quick, inbox, smtp.port
    smtp.stop()
    quick.close()
    trickler.close()


SETUP = """
import json
from casebridge.cases import services as cases
from casebridge.notifications import services
from casebridge.parties.models import Organisation, Person
manager = Person.objects.get(email="manager@bluewater.example")
slow = services.subscription_create(actor=manager, url=%(slow)r, kinds=["case.opened"])
quick = services.subscription_create(actor=manager, url=%(quick)r, kinds=["case.opened"])
contact = Person.objects.get(email="it@rijnland-care.example")
customer = Organisation.objects.get(slug="rijnland-care-group")
numbers = []
for n in range(3):
    case, _ = cases.case_open(actor=contact, customer=customer, title=f"slow-{n}",
        description="Calls drop after ten seconds.", category="incident", impact="medium",
        urgency="medium")
    numbers.append(case.number)
print(json.dumps({"numbers": numbers, "slow": slow.pk, "quick": quick.pk}))
"""

VERIFY = """
import json
from django_tasks_db.models import DBTaskResult
from casebridge.core.schedule import registered_jobs
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery
ran = {r.args_kwargs["args"][0] for r in DBTaskResult.objects.filter(
    task_path__endswith="periodic_job_task", status="SUCCESSFUL")}
slow = list(WebhookDelivery.objects.filter(subscription_id=%(slow)d).values_list(
    "attempts", flat=True))
errors = list(WebhookAttempt.objects.filter(delivery__subscription_id=%(slow)d).values_list(
    "error", flat=True))
quick = list(WebhookDelivery.objects.filter(subscription_id=%(quick)d).values_list(
    "status", flat=True))
print(json.dumps({"jobs": sorted(j.name for j in registered_jobs()), "ran": sorted(ran),
    "slow_attempts": slow, "slow_errors": errors, "quick": quick}))
"""


def test_a_trickling_receiver_delays_nothing_else_and_is_never_posted_twice(
    tmp_path, receivers, migrated_template
):
    trickler, quick, inbox, smtp_port = receivers
    with scratch_database(tmp_path, "slowhook", template=migrated_template) as database_url:
        deployment = Deployment(
            database_url,
            tmp_path,
            CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE="true",
            CASEBRIDGE_WEBHOOK_TIMEOUT=str(DEADLINE),
            CASEBRIDGE_OUTBOX_LEASE_SECONDS=str(LEASE),  # far shorter than one trickle
            CASEBRIDGE_OUTBOX_BACKOFF_SECONDS="600",  # no retry inside the test's window
            CASEBRIDGE_WEBHOOK_CONCURRENCY="2",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
        )
        deployment.run("demo")  # on a migrated copy (scratch_database)
        deployment.run("outbox", "drain")  # the demo's own mail, before the test's events
        trickler_url = f"http://127.0.0.1:{trickler.port}/hook"
        setup = deployment.python(SETUP % {"slow": trickler_url, "quick": quick.url})
        inbox.messages.clear()

        deployment.spawn("worker", "--tick", "1", "--interval", "0.2")
        try:
            window = time.monotonic() + 60
            while time.monotonic() < window and (
                not trickler.posts or any(p["held"] is None for p in trickler.posts)
            ):
                time.sleep(0.2)
            time.sleep(3 * LEASE)  # time enough for a second post of the same event, were there one
            result = deployment.python(VERIFY % setup)
        finally:
            deployment.kill()

    assert trickler.posts, "the trickler was never called"
    first_slow_post = min(p["at"] for p in trickler.posts)
    # Every attempt on the trickler ended at the deadline, one at a time, no event twice (a
    # failing receiver gets one attempt per round; the others wait for the next retry run).
    keys = [p["key"] for p in trickler.posts]
    assert len(keys) == len(set(keys)), keys
    assert all(p["held"] < DEADLINE + 1.5 for p in trickler.posts), trickler.posts
    assert trickler.most_open == 1
    assert sorted(result["slow_attempts"], reverse=True)[: len(keys)] == [1] * len(keys)
    assert sum(result["slow_attempts"]) == len(keys)
    assert all("deadline" in error for error in result["slow_errors"]), result["slow_errors"]

    # The quick receiver had all three events before the trickler's first attempt ended.
    numbers = set(setup["numbers"])
    quick_events = [(at, d["case"]["number"]) for at, d in quick.seen if d["kind"] == "case.opened"]
    assert {number for _, number in quick_events} == numbers
    assert max(at for at, _ in quick_events) < first_slow_post + DEADLINE
    assert result["quick"] == ["delivered"] * 3

    # The mail of the three cases went out meanwhile.
    mailed = {
        number: min(at for at, subject in inbox.messages if f"[{number}]" in subject)
        for number in numbers
    }
    assert max(mailed.values()) < first_slow_post + DEADLINE, mailed

    # Every periodic job ran.
    assert result["ran"] == result["jobs"]
