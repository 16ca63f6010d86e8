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

from casebridge.notifications.egress.addresses import (
    NEVER_ALLOWED,
    NOT_PUBLIC,
    address_refusal,
    ipv4_inside,
    resolve,
)
from casebridge.notifications.egress.connection import FAILURES, Answer, post, ssl_context
from casebridge.notifications.egress.urls import Target, Unresolvable, UnsafeUrl, parse_url

__all__ = [
    "FAILURES",
    "NEVER_ALLOWED",
    "NOT_PUBLIC",
    "Answer",
    "Target",
    "Unresolvable",
    "UnsafeUrl",
    "address_refusal",
    "ipv4_inside",
    "parse_url",
    "post",
    "resolve",
    "ssl_context",
]
