"""One request under a wall-clock deadline, to the addresses that were checked.

Every socket operation waits at most for what is left of the deadline, so a receiver trickling a
byte at a time is cut off at it; the network backend connects to the checked addresses whatever
host name httpcore asks for, while the ``Host`` header, TLS SNI and the certificate check use
the name. At most ``max_answer_bytes`` of the answer's body are read. No proxy, no redirects."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

from casebridge.notifications.egress.addresses import resolve
from casebridge.notifications.egress.urls import Address, UnsafeUrl, parse_url


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
