"""Real servers for the notification tests: an SMTP server that keeps what it receives and an
HTTP receiver that checks webhook signatures and fails on request."""

from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


class Receiver:
    """Accepts webhook posts; fails the first ``failures`` with 500."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.failures = 0
        self.calls = 0
        self.accepted: list[dict] = []
        self.headers: list[dict] = []


@pytest.fixture
def receiver(settings):
    from casebridge.notifications.webhooks import verify

    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.calls += 1
            state.headers.append(dict(self.headers))
            if state.calls <= state.failures:
                self.send_response(500)
            elif not verify(state.secret, self.headers["X-Casebridge-Signature"], body):
                self.send_response(401)
            else:
                state.accepted.append(json.loads(body))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()
