"""Outgoing HTTP to an address an organisation gave us (webhook receivers).

A URL is parsed strictly (:func:`parse_url`: every malformed URL is an :class:`UnsafeUrl` with a
reason, never another exception). Its name is resolved **once** per attempt and every address
is checked (:func:`address_refusal`); the connection then goes to a checked address, never to
whatever the name answers a second time (DNS rebinding), while the ``Host`` header, TLS SNI and
the certificate check still use the name. IPv4 carried inside IPv6 (mapped, compatible, 6to4,
NAT64, Teredo) is judged as that IPv4. Link-local and cloud-metadata addresses are refused under
every setting; loopback and private ones unless ``CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE``.

One attempt (:func:`post`) has a wall-clock deadline that covers the lookup, the connection,
TLS, sending and the answer: every socket operation waits at most for what is left of it, so a
receiver trickling a byte at a time is cut off at the deadline. At most ``max_answer_bytes`` of
the answer's body are read. No proxy is used and no redirect is followed."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpcore

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL we will not call, with the reason in words."""


class Unresolvable(UnsafeUrl):
    """The name has no address (now)."""


# --- URLs -----------------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII: the IDNA form of a name, or an IP address without brackets
    port: int
    path: str  # path and query, as sent in the request line
    host_header: str

    @property
    def literal(self) -> Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def parse_url(url: str) -> Target:
    """The parts of an http(s) URL we call, or UnsafeUrl saying what is wrong with it."""
    if not isinstance(url, str) or not url:
        raise UnsafeUrl("Enter a URL.")
    if any(ord(character) < 0x21 or ord(character) == 0x7F for character in url):
        raise UnsafeUrl("A URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port
    except ValueError as error:  # an unclosed [ or a port that is not a number in range
        raise UnsafeUrl(_port_or_shape(str(error))) from error
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not hostname:
        raise UnsafeUrl("Use an http:// or https:// URL with a host name.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("Put credentials in the secret, not in the URL.")
    if port == 0:
        raise UnsafeUrl("The port must be between 1 and 65535.")
    bracketed = parts.netloc.rpartition("@")[2].startswith("[")
    host = _ip_host(hostname) if bracketed else _name_host(hostname)
    port = port or DEFAULT_PORTS[scheme]
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    path = quote(path, safe="/?:@!$&'()*+,;=%~-._")
    return Target(scheme=scheme, host=host, port=port, path=path, host_header=host_header)


def _port_or_shape(message: str) -> str:
    if "Port" in message or "port" in message:
        return "The port must be a number between 1 and 65535."
    return "This is not a valid URL (check the brackets around an IPv6 address)."


def _ip_host(hostname: str) -> str:
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError as error:
        raise UnsafeUrl(f"{hostname} is not an IP address.") from error
    if isinstance(address, ipaddress.IPv4Address):
        raise UnsafeUrl("Only IPv6 addresses go in brackets.")
    if address.scope_id:
        raise UnsafeUrl("An address with a zone (%) is link-local: never allowed.")
    return str(address)


def _name_host(hostname: str) -> str:
    name = hostname.rstrip(".") if hostname.endswith(".") and hostname != "." else hostname
    try:
        address = ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return str(address)
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise UnsafeUrl(
            "A host name is made of labels of 1 to 63 letters, digits or hyphens."
        ) from error
    if len(ascii_name) > 253:
        raise UnsafeUrl("A host name has at most 253 characters.")
    labels = ascii_name.split(".")
    if any(
        not label
        or len(label) > 63
        or not set(label) <= _HOST_CHARACTERS
        or label.startswith("-")
        or label.endswith("-")
        for label in labels
    ):
        raise UnsafeUrl("A host name is made of labels of 1 to 63 letters, digits or hyphens.")
    if labels[-1].isdigit():
        raise UnsafeUrl(f"{hostname} is neither a host name nor an IPv4 address.")
    return ascii_name


# --- Addresses ------------------------------------------------------------------------------


def _networks(*cidrs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


#: Never a webhook receiver, whatever the settings: link-local (where clouds serve instance
#: metadata and credentials), the metadata services on other addresses, and addresses that are
#: not a single host (unspecified — 0.0.0.0 reaches this machine —, multicast, broadcast).
NEVER_ALLOWED = _networks(
    "0.0.0.0/8",
    "169.254.0.0/16",  # link-local: AWS, GCP, Azure, OpenStack, DigitalOcean metadata
    "100.100.100.200/32",  # Alibaba Cloud metadata
    "192.0.0.192/32",  # Oracle Cloud metadata (classic)
    "224.0.0.0/4",
    "240.0.0.0/4",  # reserved, and 255.255.255.255
    "::/128",
    "fe80::/10",  # link-local
    "fd00:ec2::254/128",  # AWS metadata over IPv6
    "ff00::/8",
)
#: Not globally routed though Python calls some of them global.
NOT_PUBLIC = _networks("64:ff9b:1::/48", "100.64.0.0/10")

#: Translation prefixes whose last 32 bits are an IPv4 address (NAT64, RFC 6052 and 8215; SIIT).
_NAT64 = _networks("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def ipv4_inside(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64, Teredo
    client), or None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: Address, *, allow_private: bool) -> str | None:
    """Why a receiver may not be at ``address`` (None: it may). An IPv6 address that carries an
    IPv4 one is judged as that IPv4 address, and the wrapper must not be a forbidden one."""
    inner = ipv4_inside(address)
    for meaning in (address, inner):
        if meaning is not None and any(meaning in network for network in NEVER_ALLOWED):
            return (
                f"{_spelled(address, inner)} is a link-local, metadata or non-host address: "
                "never allowed."
            )
    if allow_private:
        return None
    judged = inner if inner is not None else address
    if not judged.is_global or any(
        judged in network or address in network for network in NOT_PUBLIC
    ):
        return f"{_spelled(address, inner)} is a non-public address."
    return None


def _spelled(address: Address, inner: ipaddress.IPv4Address | None) -> str:
    return f"{address} (that is {inner})" if inner is not None else str(address)


def resolve(target: Target, *, allow_private: bool, timeout: float) -> list[Address]:
    """Every address of the target's host, each checked; UnsafeUrl if any is refused or the
    name does not resolve within ``timeout`` seconds."""
    literal = target.literal
    addresses = [literal] if literal is not None else _lookup(target.host, target.port, timeout)
    for address in addresses:
        refusal = address_refusal(address, allow_private=allow_private)
        if refusal is not None:
            named = "" if literal is not None else f"{target.host} points at "
            raise UnsafeUrl(f"{named}{refusal}")
    return addresses


def _lookup(host: str, port: int, timeout: float) -> list[Address]:
    """getaddrinfo has no timeout of its own: it runs in a helper thread we stop waiting for
    (the thread ends when the system resolver gives up)."""
    answer: dict[str, Any] = {}

    def run() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            answer["error"] = error

    worker = threading.Thread(target=run, name="casebridge-resolve", daemon=True)
    worker.start()
    worker.join(max(timeout, 0.0))
    if worker.is_alive():
        raise Unresolvable(f"{host} did not resolve within {timeout:g} s.")
    if "error" in answer or not answer.get("infos"):
        raise Unresolvable(f"{host} does not resolve.")
    addresses: list[Address] = []
    for info in answer["infos"]:
        text = str(info[4][0]).partition("%")[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolvable(f"{host} does not resolve.")
    return addresses


# --- One request under a deadline, to the checked addresses ---------------------------------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.seconds = seconds

    def left(self, timeout: float | None, failure: type[Exception]) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise failure(f"no answer within the {self.seconds:g} s deadline")
        return remaining if timeout is None else min(timeout, remaining)


class _Stream(httpcore.NetworkStream):
    """A socket whose every operation ends by the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            self._sock.settimeout(self._deadline.left(timeout, httpcore.ReadTimeout))
            return self._sock.recv(max_bytes)
        except TimeoutError as error:
            raise httpcore.ReadTimeout(self._late()) from error
        except OSError as error:
            raise httpcore.ReadError(str(error)) from error

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            while buffer:
                self._sock.settimeout(self._deadline.left(timeout, httpcore.WriteTimeout))
                sent = self._sock.send(buffer)
                buffer = buffer[sent:]
        except TimeoutError as error:
            raise httpcore.WriteTimeout(self._late()) from error
        except OSError as error:
            raise httpcore.WriteError(str(error)) from error

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            self._sock.settimeout(self._deadline.left(timeout, httpcore.ConnectTimeout))
            wrapped = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except TimeoutError as error:
            self.close()
            raise httpcore.ConnectTimeout(self._late()) from error
        except OSError as error:  # ssl.SSLError included: a certificate that does not match
            self.close()
            raise httpcore.ConnectError(str(error)) from error
        return _Stream(wrapped, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "socket":
            return self._sock
        return None

    def _late(self) -> str:
        return f"no answer within the {self._deadline.seconds:g} s deadline"


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the addresses that were checked, whatever host name it is asked for."""

    def __init__(self, addresses: list[Address], deadline: _Deadline) -> None:
        self.addresses = addresses
        self.deadline = deadline
        self.connected_to: Address | None = None

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: OSError | None = None
        for address in self.addresses:
            wait = self.deadline.left(timeout, httpcore.ConnectTimeout)
            try:
                sock = socket.create_connection((str(address), port), timeout=wait)
            except TimeoutError as error:
                raise httpcore.ConnectTimeout(
                    f"no connection within the {self.deadline.seconds:g} s deadline"
                ) from error
            except OSError as error:
                failure = error
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connected_to = address
            return _Stream(sock, self.deadline)
        raise httpcore.ConnectError(str(failure) if failure else "no address to connect to")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks never use local sockets")


def ssl_context() -> ssl.SSLContext:
    """Certificates are verified against the URL's host name (certifi's roots)."""
    return httpcore.default_ssl_context()


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes  # at most max_answer_bytes
    truncated: bool
    address: str


#: What a failed attempt raises: the lookup, the connection, TLS, the exchange, the deadline.
FAILURES: tuple[type[Exception], ...] = (
    UnsafeUrl,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool,
    deadline_seconds: float,
    max_answer_bytes: int,
) -> Answer:
    """POST ``body`` to ``url`` once, within ``deadline_seconds`` from start to last byte read.
    Raises one of FAILURES; an answer whose body is cut by the cap or the deadline after its
    status line arrived is still the receiver's answer."""
    deadline = _Deadline(deadline_seconds)
    target = parse_url(url)
    addresses = resolve(
        target,
        allow_private=allow_private,
        timeout=deadline.left(None, httpcore.ConnectTimeout),
    )
    backend = _PinnedBackend(addresses, deadline)
    request_headers = [("Host", target.host_header), *headers.items()]
    seconds = deadline.seconds
    with (
        httpcore.ConnectionPool(
            ssl_context=ssl_context(), network_backend=backend, max_connections=1, retries=0
        ) as pool,
        pool.stream(
            "POST",
            httpcore.URL(
                scheme=target.scheme.encode(),
                host=target.host.encode(),
                port=target.port,
                target=target.path.encode(),
            ),
            headers=request_headers,
            content=body,
            extensions={
                "timeout": {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}
            },
        ) as response,
    ):
        kept, truncated = _read_capped(response, max_answer_bytes)
    return Answer(
        status=response.status,
        body=kept,
        truncated=truncated,
        address=str(backend.connected_to or ""),
    )


def _read_capped(response: httpcore.Response, limit: int) -> tuple[bytes, bool]:
    kept = bytearray()
    try:
        for chunk in response.iter_stream():
            room = limit - len(kept)
            kept += chunk[:room]
            if len(chunk) > room:
                return bytes(kept), True
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError):
        return bytes(kept), True
    return bytes(kept), False
