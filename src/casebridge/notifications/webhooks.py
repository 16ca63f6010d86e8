"""Signed webhooks: which subscriptions see an event, the signature, the URL rules, one attempt.

Every request carries ``X-Casebridge-Event`` (the kind), ``X-Casebridge-Delivery`` (the event's
key: receivers deduplicate on it) and ``X-Casebridge-Signature: t=<unix time>,v1=<hex>``, the
HMAC-SHA256 of ``"<t>.<body>"`` under the subscription's secret. :func:`verify` is what a
receiver does: it refuses a wrong signature and a timestamp outside the tolerance (a replay)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from casebridge.cases.audiences import case_summary
from casebridge.cases.models import Case
from casebridge.cases.querysets import AUDIENCES_BY_PARTY
from casebridge.core.models import OutboxEvent
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Organisation

#: What a customer's systems may hear of: its cases' public life.
CUSTOMER_KINDS = frozenset(
    {
        "case.opened",
        "case.commented",
        "case.propose_solution",
        "case.resolve",
        "case.close",
        "case.reopen",
        "rca.signed",
    }
)
TOLERANCE = dt.timedelta(minutes=5)


class UnsafeUrl(ValueError):
    pass


def check_url(url: str, *, resolve: bool = True) -> None:
    """http(s) only, and (unless CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE) never loopback, private,
    link-local or reserved addresses — checked again at every send (DNS may change)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Use an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise UnsafeUrl("Put credentials in the secret, not in the URL.")
    if settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE or not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise UnsafeUrl(f"{parts.hostname} does not resolve.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeUrl(f"{parts.hostname} points at a non-public address ({address}).")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """A receiver's check: the signature matches and the timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE.total_seconds():
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def may_receive(organisation: Organisation, event: OutboxEvent, case: Case | None) -> bool:
    """An organisation hears only of cases it is a party to, and only what it may read."""
    if case is None:
        return False
    kind = organisation.kind
    if kind == OrganisationKind.CUSTOMER:
        if case.customer_id != organisation.pk or event.kind not in CUSTOMER_KINDS:
            return False
    elif kind == OrganisationKind.PARTNER:
        if case.partner_id != organisation.pk:
            return False
    elif case.partner_id is not None and case.escalated_at is None:
        return False  # model 1: the vendor sees a case once escalated
    audience = event.payload.get("audience")
    if audience:
        readable = AUDIENCES_BY_PARTY[kind]
        if kind == OrganisationKind.CUSTOMER and case.partner_id is None:
            readable = readable | {"partner_vendor"}
        return audience in readable
    return True


def body_of(event: OutboxEvent, case: Case | None) -> bytes:
    document: dict[str, Any] = {
        "id": event.dedup_key,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }
    if case is not None:
        # The public part of the case: every subscriber that may hear of it reads it.
        document["case"] = case_summary(case)
    return json.dumps(document, sort_keys=True, default=str).encode()


def post(url: str, secret: str, event: OutboxEvent, body: bytes) -> tuple[int | None, str, int]:
    """One attempt: (status code or None, error, duration in ms). Never raises."""
    started = time.perf_counter()
    try:
        check_url(url)
        timestamp = int(time.time())
        response = httpx.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "casebridge-webhooks",
                "X-Casebridge-Event": event.kind,
                "X-Casebridge-Delivery": event.dedup_key,
                "X-Casebridge-Signature": sign(secret, body, timestamp),
            },
            timeout=settings.CASEBRIDGE_WEBHOOK_TIMEOUT,
            follow_redirects=False,
        )
    except (httpx.HTTPError, UnsafeUrl) as failure:
        return None, str(failure)[:500] or type(failure).__name__, _ms(started)
    problem = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return response.status_code, problem, _ms(started)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
