"""Signed webhooks: which subscriptions see an event, the signature, the URL rules, one attempt.

Every request carries ``X-Casebridge-Event`` (the kind), ``X-Casebridge-Delivery`` (the event's
key: receivers deduplicate on it) and ``X-Casebridge-Signature: t=<unix time>,v1=<hex>``, the
HMAC-SHA256 of ``"<t>.<body>"`` under the subscription's secret. :func:`verify` is what a
receiver does: it refuses a wrong signature and a timestamp outside the tolerance (a replay)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings

from casebridge.cases import events as case_events
from casebridge.cases import workflow
from casebridge.cases.audiences import case_summary
from casebridge.cases.models import Case
from casebridge.cases.querysets import AUDIENCES_BY_PARTY
from casebridge.core.events import declared_kinds
from casebridge.core.models import OutboxEvent
from casebridge.notifications import egress
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Organisation
from casebridge.rca import events as rca_events

#: What a customer's systems may hear of: its cases' public life.
CUSTOMER_KINDS = frozenset(
    {
        case_events.OPENED,
        case_events.COMMENTED,
        case_events.PROPOSE_SOLUTION,
        case_events.RESOLVE,
        case_events.CLOSE,
        case_events.REOPEN,
        case_events.REPLY_ON_CLOSED,
        rca_events.SIGNED,
    }
)
TOLERANCE = dt.timedelta(minutes=5)


def _webhook_kinds() -> dict[str, str]:
    """The declared kinds about a case or an RCA, in words: the case's own first, then the
    workflow's steps by name (escalating is among the case's own), then the RCA's."""
    declared = [kind for kind in declared_kinds().values() if kind.startswith(("case.", "rca."))]
    steps = {t.event for t in workflow.TRANSITIONS if t.opens is None}
    ordered = [
        *(k for k in declared if k.startswith("case.") and k not in steps),
        *sorted(k for k in declared if k in steps),
        *(k for k in declared if k.startswith("rca.")),
    ]
    return {str(kind): kind.meaning for kind in ordered}


#: Every event kind a webhook can hear of (the events about a case), in words. Subscribing to
#: anything else is refused: a misspelt kind would never fire.
WEBHOOK_KINDS: dict[str, str] = _webhook_kinds()


def kinds_for(organisation_kind: str) -> dict[str, str]:
    """The event kinds an organisation of this kind can receive (a customer: its cases' public
    life only)."""
    if organisation_kind == OrganisationKind.CUSTOMER:
        return {kind: label for kind, label in WEBHOOK_KINDS.items() if kind in CUSTOMER_KINDS}
    return dict(WEBHOOK_KINDS)


UnsafeUrl = egress.UnsafeUrl


def check_url(url: str, *, resolve: bool = True) -> None:
    """A URL we may call: http(s), well formed, no credentials, and an address allowed by
    :func:`egress.address_refusal` (link-local and metadata never; loopback and private only
    with CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE). Checked again at every send, where the connection
    goes to the very address checked. On a closed network a name that does not resolve yet is
    accepted (the send checks it)."""
    target = egress.parse_url(url)
    allow_private = settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE
    if target.literal is None and not resolve:
        return
    try:
        egress.resolve(
            target, allow_private=allow_private, timeout=settings.CASEBRIDGE_WEBHOOK_TIMEOUT
        )
    except egress.Unresolvable:
        if not allow_private:
            raise


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
    """One attempt: (status code or None, error, duration in ms). Never raises. The whole
    attempt ends within CASEBRIDGE_WEBHOOK_TIMEOUT seconds; at most
    CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES of the answer are read."""
    started = time.perf_counter()
    timestamp = int(time.time())
    try:
        answer = egress.post(
            url,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "casebridge-webhooks",
                "X-Casebridge-Event": event.kind,
                "X-Casebridge-Delivery": event.dedup_key,
                "X-Casebridge-Signature": sign(secret, body, timestamp),
            },
            allow_private=settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE,
            deadline_seconds=settings.CASEBRIDGE_WEBHOOK_TIMEOUT,
            max_answer_bytes=settings.CASEBRIDGE_WEBHOOK_MAX_ANSWER_BYTES,
        )
    except egress.FAILURES as failure:
        return None, (str(failure) or type(failure).__name__)[:500], _ms(started)
    if 200 <= answer.status < 300:
        return answer.status, "", _ms(started)
    said = "".join(
        c if c.isprintable() else " " for c in answer.body[:200].decode(errors="replace")
    )
    problem = f"HTTP {answer.status}" + (f": {said.strip()}" if said.strip() else "")
    return answer.status, problem[:500], _ms(started)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
