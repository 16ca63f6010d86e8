"""Where a receiver may be: the address rules and the one lookup per attempt.

IPv4 carried inside IPv6 (mapped, compatible, 6to4, NAT64, Teredo) is judged as that IPv4.
Link-local and cloud-metadata addresses are refused under every setting; loopback and private
ones unless the caller allows them (``CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE``)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

from casebridge.notifications.egress.urls import Address, Target, Unresolvable, UnsafeUrl


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
