"""Where a webhook may point: the address rules (IPv4 embedded in IPv6 counts as that IPv4;
link-local and cloud-metadata addresses never), URLs that cannot be parsed, and the name that
answers a public address to the check and a loopback one to the connection (DNS rebinding),
tried with real sockets on loopback."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casebridge.core.errors import ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_drain
from casebridge.notifications import deliveries, egress, services, webhooks
from casebridge.notifications.models import WebhookAttempt, WebhookDelivery
from tests.notifications.conftest import free_port

# 127.0.0.1 and 169.254.169.254 as an attacker would spell them in IPv6.
LOOPBACK_IN_IPV6 = {
    "nat64": "http://[64:ff9b::7f00:1]/hook",
    "nat64 local use": "http://[64:ff9b:1::7f00:1]/hook",
    "6to4": "http://[2002:7f00:1::]/hook",
    "ipv4-compatible": "http://[::7f00:1]/hook",
    "ipv4-mapped": "http://[::ffff:127.0.0.1]/hook",
    "teredo": "http://[2001:0:4136:e378:8000:0:80ff:fffe]/hook",
}
NEVER = {
    "aws, gcp, azure metadata": "http://169.254.169.254/latest/meta-data/",
    "link-local ipv4": "http://169.254.10.1/",
    "link-local ipv6": "http://[fe80::1]/",
    "aws ipv6 metadata": "http://[fd00:ec2::254]/",
    "alibaba metadata": "http://100.100.100.200/",
    "oracle metadata": "http://192.0.0.192/",
    "metadata, ipv4-mapped": "http://[::ffff:169.254.169.254]/",
    "metadata, nat64": "http://[64:ff9b::a9fe:a9fe]/",
    "metadata, 6to4": "http://[2002:a9fe:a9fe::1]/",
    "metadata, ipv4-compatible": "http://[::a9fe:a9fe]/",
    "unspecified": "http://0.0.0.0:8000/",
    "unspecified ipv6": "http://[::]:8000/",
    "multicast": "http://224.0.0.1/",
    "broadcast": "http://255.255.255.255/",
}


def refused(url: str) -> list[str]:
    with pytest.raises(webhooks.UnsafeUrl) as error:
        webhooks.check_url(url)
    return [str(error.value)]


@pytest.mark.parametrize("url", LOOPBACK_IN_IPV6.values(), ids=LOOPBACK_IN_IPV6.keys())
def test_an_ipv4_address_inside_ipv6_counts_as_that_ipv4(url, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    assert "127.0.0.1" in refused(url)[0]


@pytest.mark.parametrize("url", NEVER.values(), ids=NEVER.keys())
def test_link_local_and_metadata_addresses_are_refused_even_on_a_closed_network(url, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    assert "never" in refused(url)[0]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://10.1.2.3/hook", "http://[fd12::1]/hook"]
)
def test_a_closed_network_may_use_loopback_and_private_addresses(url, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    webhooks.check_url(url)
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    assert "non-public" in refused(url)[0]


def test_a_public_address_inside_ipv6_is_public(settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    webhooks.check_url("https://[2002:101:101::1]/hook")  # 6to4 of 1.1.1.1
    webhooks.check_url("https://[64:ff9b::101:101]/hook")  # NAT64 of 1.1.1.1


MALFORMED = {
    "port too high": "https://hooks.example.com:99999/x",
    "port not a number": "https://hooks.example.com:80a/x",
    "port zero": "https://hooks.example.com:0/x",
    "unclosed ipv6": "http://[::1/",
    "bad ipv6": "http://[::g]/",
    "label of 300": "https://" + "a" * 300 + ".example.com/",
    "label of 64": "https://" + "a" * 64 + ".example.com/",
    "name of 260": "https://" + ".".join(["abcdefghi"] * 26) + ".com/",
    "empty label": "https://hooks..example.com/",
    "space in host": "https://hooks example.com/",
    "control character": "https://hooks.example.com/\r\nX: y",
}


@pytest.mark.parametrize("url", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_url_that_cannot_be_parsed_is_a_field_error(url, desk, api_as):
    with pytest.raises(ValidationFailed) as error:
        services.subscription_create(actor=desk.partner_a_manager, url=url, kinds=[])
    assert error.value.fields["url"]
    assert "resolve" not in " ".join(error.value.fields["url"])  # refused for what it is

    answer = api_as(desk.partner_a_manager).post("/api/v1/webhooks", {"url": url})
    assert answer.status_code == 422, answer.content
    assert answer.json()["fields"]["url"]


@pytest.mark.parametrize("url", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_portal_shows_a_url_that_cannot_be_parsed_as_a_form_error(url, desk):
    from django.test import Client

    client = Client()
    client.force_login(desk.partner_a_manager)
    answer = client.post("/integrations/webhooks/", {"url": url})
    assert answer.status_code == 422
    assert 'data-field="url"' in answer.content.decode()


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
            st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
            st.text(alphabet="ab:[]%.-1f0@\u00e9\u0000 ", max_size=40),
            st.sampled_from(["", ":", ":0", ":80", ":65536", ":-1", ":+1", ": 1", ":1e3"]),
            st.text(max_size=10),
        ),
    )
)
def test_any_text_is_a_url_or_a_reason(text):
    """Parsing never fails with anything but UnsafeUrl (so the API never answers 500)."""
    try:
        webhooks.check_url(text, resolve=False)
    except webhooks.UnsafeUrl as error:
        reason = str(error)
    else:
        reason = "accepted"
    assert reason


# --- the name that changes its answer -------------------------------------------------------


class Listener:
    """A real TCP listener on loopback that counts every connection it accepts."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", free_port()))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


PUBLIC = "1.2.3.4"


@pytest.fixture
def rebinding(monkeypatch):
    """``hooks.rebind.example`` answers a public address, then loopback ever after. Connections
    to the public address are refused here (the test never leaves the machine); every other
    connection is a real one."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.create_connection
    state = {"lookups": 0, "connected": []}

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        state["lookups"] += 1
        address = PUBLIC if state["lookups"] == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 80)))]

    def create_connection(address, *args, **kwargs):
        state["connected"].append(address[0])
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "Connection refused (test: no way out)")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return state


def test_a_name_that_rebinds_to_loopback_never_reaches_it(
    desk, open_case, listener, rebinding, settings
):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    url = f"http://hooks.rebind.example:{listener.port}/hook"
    subscription = services.subscription_create(actor=desk.partner_a_manager, url=url, kinds=[])
    rebinding["lookups"] = 0  # the subscription's own check looked once; the send starts afresh

    open_case()
    outbox_drain()

    assert listener.connections == 0
    assert rebinding["lookups"] == 1
    assert PUBLIC in rebinding["connected"]
    assert "127.0.0.1" not in rebinding["connected"]
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "refused" in WebhookAttempt.objects.get(delivery=delivery).error.lower()

    # The retry resolves afresh, sees loopback and refuses before connecting.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        deliveries.retry_due_deliveries()
    assert listener.connections == 0
    assert "127.0.0.1" not in rebinding["connected"]
    last = WebhookAttempt.objects.filter(delivery=delivery).order_by("-id").first()
    assert "non-public" in last.error


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    listener, monkeypatch, settings
):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.mixed.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(webhooks.UnsafeUrl, match=r"127\.0\.0\.1"):
        webhooks.check_url(f"http://hooks.mixed.example:{listener.port}/")
    assert listener.connections == 0


# --- TLS: connected to the checked address, verified for the name ---------------------------


def _certificate(folder, name: str):
    """A self-signed certificate for ``name`` (openssl, as on any server)."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            shutil.which("openssl"),
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, settings):
    """An HTTPS receiver on loopback with a certificate for ``hooks.partner.example``, which
    resolves to 127.0.0.1 here and is trusted by our TLS context; it notes SNI and Host."""
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    seen = {"sni": [], "host": []}

    def serve(certificate_name: str):
        cert, key = _certificate(tmp_path, certificate_name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                seen["host"].append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setattr(
            egress.connection, "ssl_context", lambda: ssl.create_default_context(cafile=str(cert))
        )
        return f"https://hooks.partner.example:{server.server_port}/hook"

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.partner.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    servers: list[ThreadingHTTPServer] = []
    yield serve, seen
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_goes_to_the_checked_address_with_the_name_for_sni_and_the_certificate(
    tls_receiver, db
):
    serve, seen = tls_receiver
    url = serve("hooks.partner.example")
    event = OutboxEvent(kind="case.opened", dedup_key="k1", occurred_at=dt.datetime.now(dt.UTC))

    status, error, _ = webhooks.post(url, "s" * 20, event, b"{}")

    assert (status, error) == (204, "")
    port = url.split(":")[2].split("/")[0]
    assert seen == {"sni": ["hooks.partner.example"], "host": [f"hooks.partner.example:{port}"]}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_a_certificate_for_another_name_is_refused(tls_receiver, db):
    serve, seen = tls_receiver
    url = serve("other.example")
    event = OutboxEvent(kind="case.opened", dedup_key="k2", occurred_at=dt.datetime.now(dt.UTC))

    status, error, _ = webhooks.post(url, "s" * 20, event, b"{}")

    assert status is None
    assert "certificate" in error.lower()
    assert seen["host"] == []
