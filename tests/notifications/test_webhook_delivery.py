"""One webhook attempt is bounded (a wall-clock deadline, a capped answer), is never made twice at
once, and holds its receiver so one bad receiver takes one worker thread at most; the settings
refuse a lease that an attempt could outlast. Real receivers on loopback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from casebridge.core import clock
from casebridge.core.outbox import claim_lease, outbox_drain
from casebridge.notifications import deliveries, services, webhooks
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.notifications.conftest import free_port


class Misbehaving:
    """A receiver on loopback that answers with ``answer(connection)`` after reading a request."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", free_port()))
        self.server.listen(8)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.requests = 0
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            self.requests += 1
            with contextlib.suppress(OSError):  # the caller hung up: that is the point
                self.answer(self, connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


def trickle(receiver, connection, pause=0.1, size=80):
    """A status line and headers a byte at a time: 8 s for the whole answer."""
    for byte in b"HTTP/1.1 204 No Content\r\nX-Slow: " + b"a" * size + b"\r\n\r\n":
        connection.sendall(bytes([byte]))
        receiver.written += 1
        time.sleep(pause)


def flood(receiver, connection, total=64 * 1024 * 1024):
    """An accepted post with an answer of 64 MB."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % total)
    chunk = b"x" * 65536
    for _ in range(total // len(chunk)):
        connection.sendall(chunk)
        receiver.written += len(chunk)


@pytest.fixture
def misbehaving(settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    made = []

    def make(answer):
        receiver = Misbehaving(answer)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def test_a_trickling_receiver_is_cut_off_at_the_deadline(desk, open_case, misbehaving, settings):
    settings.CASEBRIDGE_WEBHOOK_TIMEOUT = 1
    receiver = misbehaving(trickle)
    services.subscription_create(actor=desk.partner_a_manager, url=receiver.url, kinds=[])
    open_case()

    started = time.monotonic()
    outbox_drain()
    took = time.monotonic() - started

    assert took < 2.0, f"the drain took {took:.1f} s for a 1 s deadline"
    assert receiver.requests == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "deadline" in attempt.error
    assert attempt.duration_ms < 1500
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)


def test_an_endless_answer_is_read_no_further_than_the_cap(desk, open_case, misbehaving, settings):
    settings.CASEBRIDGE_WEBHOOK_TIMEOUT = 5
    settings.CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES = 64 * 1024
    receiver = misbehaving(flood)
    services.subscription_create(actor=desk.partner_a_manager, url=receiver.url, kinds=[])
    open_case()

    started = time.monotonic()
    outbox_drain()
    took = time.monotonic() - started
    time.sleep(0.3)  # let the receiver notice the hang-up

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"  # a 2xx is an acceptance, whatever follows it
    assert took < 3
    assert receiver.written < 32 * 1024 * 1024, receiver.written  # we stopped reading early


def test_an_answer_body_names_the_refusal_in_the_log(desk, open_case, misbehaving):
    def refuse(receiver, connection):
        body = b"invalid signature\r\n\x00" + b"!" * 500
        connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: %d\r\n\r\n" % len(body))
        connection.sendall(body)

    receiver = misbehaving(refuse)
    services.subscription_create(actor=desk.partner_a_manager, url=receiver.url, kinds=[])
    open_case()
    outbox_drain()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 401
    assert attempt.error.startswith("HTTP 401: invalid signature")
    assert "\x00" not in attempt.error
    assert len(attempt.error) <= 220


def test_a_delivery_in_flight_is_not_posted_again_by_another_worker(
    desk, open_case, receiver, monkeypatch
):
    subscription = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url, kinds=["case.opened"]
    )
    receiver.secret = subscription.secret
    real_post = webhooks.post
    posts, nested = [], []

    def post(*args, **kwargs):
        posts.append(args[0])
        if len(posts) == 1:  # while this attempt is on the wire, two other workers try
            delivery_id = WebhookDelivery.objects.get().pk
            nested.append(deliveries.attempt_delivery(delivery_id))
            nested.append(deliveries.retry_due_deliveries())
        return real_post(*args, **kwargs)

    monkeypatch.setattr(webhooks, "post", post)
    open_case()
    outbox_drain()

    assert len(posts) == 1
    assert nested == [False, 0]
    assert receiver.calls == 1
    assert WebhookAttempt.objects.count() == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_receiver_held_by_one_worker_is_left_alone_by_the_others(desk, open_case, receiver):
    busy = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url, kinds=["case.opened"]
    )
    free = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url + "?other", kinds=["case.opened"]
    )
    receiver.secret = busy.secret
    WebhookSubscription.objects.filter(pk=busy.pk).update(busy_until=clock.now() + claim_lease())
    open_case()
    outbox_drain()

    assert WebhookDelivery.objects.get(subscription=busy).attempts == 0
    assert WebhookDelivery.objects.get(subscription=free).attempts == 1
    assert deliveries.dispatch_due_deliveries() == 0  # nothing to hand out while it is held

    WebhookSubscription.objects.filter(pk=busy.pk).update(busy_until=None)
    assert deliveries.dispatch_due_deliveries() == 1
    assert WebhookDelivery.objects.get(subscription=busy).status == "delivered"
    assert WebhookSubscription.objects.get(pk=busy.pk).busy_until is None  # released


def test_webhook_sending_is_a_task_queue_of_its_own():
    from casebridge.core.tasks import outbox_drain_task, periodic_job_task
    from casebridge.notifications.tasks import webhook_send_task

    assert webhook_send_task.queue_name == "webhooks"
    assert outbox_drain_task.queue_name == periodic_job_task.queue_name == "default"


def test_the_worker_gives_each_queue_its_threads(settings):
    from casebridge.core.management.commands.worker import queue_threads

    settings.CASEBRIDGE_WORKER_THREADS = {"default": 1, "webhooks": 3}
    assert queue_threads([]) == {"default": 1, "webhooks": 3}
    assert queue_threads(["webhooks=0"]) == {"default": 1, "webhooks": 0}
    from django.core.management.base import CommandError

    for bad in ("mail=2", "webhooks=two", "default=0"):
        with pytest.raises(CommandError):
            queue_threads([bad])


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CASEBRIDGE_")}
    return subprocess.run(
        [sys.executable, "-c", "import casebridge.config.settings"],
        env={**clean, "CASEBRIDGE_MODE": "test", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_refuse_a_lease_a_webhook_attempt_could_outlast():
    refused = _load_settings(CASEBRIDGE_OUTBOX_LEASE_SECONDS="15", CASEBRIDGE_WEBHOOK_TIMEOUT="10")
    assert refused.returncode != 0
    assert "CASEBRIDGE_OUTBOX_LEASE_SECONDS (15) must be at least twice" in refused.stderr
    accepted = _load_settings(CASEBRIDGE_OUTBOX_LEASE_SECONDS="20", CASEBRIDGE_WEBHOOK_TIMEOUT="10")
    assert accepted.returncode == 0, accepted.stderr


def test_casebridge_check_refuses_a_lease_changed_after_loading(settings):
    settings.CASEBRIDGE_OUTBOX_LEASE_SECONDS = 5
    settings.CASEBRIDGE_WEBHOOK_TIMEOUT = 10
    with pytest.raises(SystemCheckError, match=r"casebridge\.E107"):
        call_command("check")
    settings.CASEBRIDGE_OUTBOX_LEASE_SECONDS = 300
    call_command("check")
