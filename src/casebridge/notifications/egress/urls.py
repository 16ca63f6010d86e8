"""Webhook URLs, parsed strictly: every malformed URL is an :class:`UnsafeUrl` with a reason in
words, never another exception (so no interface answers 500 for one)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL we will not call, with the reason in words."""


class Unresolvable(UnsafeUrl):
    """The name has no address (now)."""


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
