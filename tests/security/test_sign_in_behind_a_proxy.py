"""Sign-in limits behind the TLS proxy the README recommends, over real sockets.

A live server sits behind a small forwarding proxy (a thread on loopback) that appends the
address of whoever connects to it to X-Forwarded-For, as nginx's
``proxy_add_x_forwarded_for`` does. Each person connects from an address of their own
(127.0.0.x: Linux answers on the whole 127/8), so the server sees only the proxy's address
unless it reads the forwarded one."""

from __future__ import annotations

import http.client
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import pytest

from casebridge.core import clock
from tests.factories import PASSWORD
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxy(live_server):
    """A forwarding proxy in front of the live server; yields its port."""
    upstream = urlsplit(live_server.url)

    class Forward(BaseHTTPRequestHandler):
        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            forwarded = [self.headers.get("X-Forwarded-For"), self.client_address[0]]
            headers["X-Forwarded-For"] = ", ".join(part for part in forwarded if part)
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            connection.close()

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


class Browser:
    """A person at one client address, signing in through the proxy."""

    def __init__(self, port: int, address: str, **extra_headers: str) -> None:
        self.port, self.address, self.extra = port, address, extra_headers

    def _request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(self.address, 0)
        )
        connection.request(method, path, body=body, headers={**self.extra, **(headers or {})})
        answer = connection.getresponse()
        content = answer.read().decode()
        connection.close()
        return answer, content

    def sign_in(self, email: str, password: str):
        form, page = self._request("GET", "/login/")
        cookie = re.search(r"csrftoken=([^;]+)", form.getheader("Set-Cookie") or "").group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        answer, content = self._request(
            "POST",
            "/login/",
            body=urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
            },
        )
        return answer.status, answer.getheader("Retry-After"), content


def test_failures_from_one_client_behind_the_proxy_lock_out_nobody_else(
    proxy, world, settings, monkeypatch
):
    # The slow-down is a wait of seconds: with the clock running, a loaded machine can let the
    # attacker's wait end before its last try. Stopped, the wait lasts through the test.
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    settings.CASEBRIDGE_TRUSTED_PROXIES = 1
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 5
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = 10
    # The attacker also writes an X-Forwarded-For of its own, to pin the failures on the
    # admin's address: the proxy appends the real one, and only that one counts.
    attacker = Browser(proxy, "127.0.0.66", **{"X-Forwarded-For": "127.0.0.7"})
    admin = Browser(proxy, "127.0.0.7")
    colleague = Browser(proxy, "127.0.0.8")

    for _ in range(12):
        attacker.sign_in(f"{uuid.uuid4().hex}@vendor.example", "guess")
    for _ in range(6):
        attacker.sign_in(world.vendor_admin.email, "guess")

    assert admin.sign_in(world.vendor_admin.email, PASSWORD)[0] == 302
    assert colleague.sign_in(world.partner_a_agent.email, PASSWORD)[0] == 302
    status, retry_after, _ = attacker.sign_in(world.partner_a_agent.email, PASSWORD)
    assert status == 429  # the attacker's address is slowed down, not the others'
    assert int(retry_after) >= 1


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(proxy, world, settings):
    settings.CASEBRIDGE_TRUSTED_PROXIES = 0
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 3
    for forged in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        Browser(proxy, "127.0.0.66", **{"X-Forwarded-For": forged}).sign_in(
            world.partner_a_agent.email, "guess"
        )

    status, _, content = Browser(proxy, "127.0.0.66").sign_in(world.partner_a_agent.email, PASSWORD)

    assert status == 429  # all three counted against the one address the server saw
    assert "Too many failed sign-ins" in content
