"""Where a request comes from. Behind a reverse proxy every request arrives from the proxy's
address; the client's is the one the proxy appended to ``X-Forwarded-For``. Only the entries
that our own proxies added can be believed — a client may send any ``X-Forwarded-For`` it
likes, and each proxy appends to what it received — so with ``CASEBRIDGE_TRUSTED_PROXIES`` = N
the client is the N-th address from the right (N = 0: the connection's own address)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def client_address(request: Any) -> str:
    """The client's IP address as our trusted proxies saw it ("" when unknown)."""
    meta = getattr(request, "META", None) or {}
    remote = _valid(str(meta.get("REMOTE_ADDR") or ""))
    proxies = settings.CASEBRIDGE_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote  # not through all of our proxies: only the connection is known
    return _valid(hops[-proxies]) or remote


def _valid(value: str) -> str:
    candidate = value.strip()
    if candidate.startswith("[") and "]" in candidate:  # [2001:db8::1]:443
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # 203.0.113.7:51234
        candidate = candidate.partition(":")[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


def address_key(address: str) -> str:
    """What a per-address limit counts on: the address, or for IPv6 its /64 (one subscriber's
    network hands out a new address per request if it likes)."""
    if not address:
        return ""
    parsed = ipaddress.ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
