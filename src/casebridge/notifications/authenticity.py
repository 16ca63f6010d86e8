"""Who really wrote an inbound message. The From header is whatever the sender typed, so it
proves nothing on its own; two things do:

* a **signed reply address**: every notification carries a Reply-To of its own,
  ``support+<case>.<person>.<audience>.<signature>@…``, an HMAC (keyed by ``SECRET_KEY``) over
  the case, the person it was sent to and the audience of what it told. Only that person's
  mailbox received it; an answer to it is that person's, into that audience — provided the
  From header names the same person;
* the **Authentication-Results** header (RFC 8601) of a mail server we trust
  (``CASEBRIDGE_MAIL_TRUSTED_MTAS``, matched against the header's authserv-id, normally the
  server's host name): DMARC, or DKIM/SPF aligned with the From domain, passed there.
  The same header from anyone else is ignored — a sender can write any header it likes.

Pure functions over the message and the settings; no database."""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from django.conf import settings
from django.utils.crypto import salted_hmac

from casebridge.cases.choices import Audience

#: Short, case-insensitive codes of the audiences inside a reply address.
AUDIENCE_CODES: dict[str, str] = {
    Audience.PUBLIC: "pu",
    Audience.PARTNER_VENDOR: "pv",
    Audience.PARTNER_INTERNAL: "pi",
    Audience.VENDOR_INTERNAL: "vi",
}
AUDIENCE_OF_CODE = {code: audience for audience, code in AUDIENCE_CODES.items()}
SIGNATURE_CHARACTERS = 20  # base32: 100 bits of the HMAC-SHA256
_SALT = "casebridge.notifications.reply-address"
_CASE = r"CB-\d{4}-\d{6}"
#: What follows the ``+`` of one of our reply addresses: the case alone (older mail, unsigned),
#: or the case, the person, the audience and the signature.
REPLY_SUFFIX = re.compile(rf"(?P<number>{_CASE})(?:\.(?P<rest>.*))?", re.IGNORECASE)
SIGNED_REST = re.compile(r"(?P<person>\d{1,12})\.(?P<audience>[a-z]{2})\.(?P<signature>[a-z2-7]+)")


# --- Signed reply addresses ---


def _signature(number: str, person_id: int, audience: str, secret: str) -> str:
    value = f"{number.upper()}|{person_id}|{audience}"
    digest = salted_hmac(_SALT, value, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_CHARACTERS]


def reply_suffix(number: str, person_id: int, audience: str) -> str:
    """The part after ``+`` of the reply address issued to one person for one case."""
    signature = _signature(number, person_id, audience, settings.SECRET_KEY)
    return f"{number}.{person_id}.{AUDIENCE_CODES[audience]}.{signature}".lower()


@dataclass(frozen=True)
class ReplyAddress:
    """One of our reply addresses among a message's recipients."""

    address: str
    number: str
    person_id: int | None = None
    audience: str = ""
    signed: bool = False
    problem: str = ""


def _verify(number: str, person_id: int, audience: str, signature: str) -> bool:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        hmac.compare_digest(_signature(number, person_id, audience, secret), signature.lower())
        for secret in secrets
    )


def read_reply_address(recipients: list[str]) -> ReplyAddress | None:
    """The first recipient that is one of our case reply addresses, checked; None if none is.

    A signed address answers with its person and audience, an unsigned (older) one with just
    the case; one that looks signed but does not verify names the problem."""
    for address in recipients:
        local = address.partition("@")[0]
        if "+" not in local:
            continue
        found = REPLY_SUFFIX.fullmatch(local.rpartition("+")[2])
        if found is None:
            continue
        number = found.group("number").upper()
        rest = found.group("rest")
        if rest is None:
            return ReplyAddress(address=address, number=number)
        signed = SIGNED_REST.fullmatch(rest.lower())
        audience = AUDIENCE_OF_CODE.get(signed.group("audience"), "") if signed else ""
        if signed is None or not audience:
            return ReplyAddress(address, number, problem=f"{address} is not a reply address.")
        person_id = int(signed.group("person"))
        if not _verify(number, person_id, audience, signed.group("signature")):
            return ReplyAddress(
                address, number, problem=f"The signature of the reply address {address} is wrong."
            )
        return ReplyAddress(address, number, person_id, audience, signed=True)
    return None


# --- Authentication-Results of trusted mail servers ---


@dataclass(frozen=True)
class Result:
    """One ``method=result`` of an Authentication-Results header, with its properties."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


def _statements(value: str) -> list[str]:
    """Split a header value at ``;``, dropping RFC 5322 comments (nested parentheses) and
    keeping quoted strings (which may hold either) intact."""
    parts: list[str] = []
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif depth == 0 and char == '"':
            quoted = True
        elif char == "(":
            depth += 1
            continue
        elif char == ")" and depth:
            depth -= 1
            continue
        elif depth == 0 and char == ";":
            parts.append("".join(out).strip())
            out = []
            continue
        if depth == 0:
            out.append(char)
    parts.append("".join(out).strip())
    return parts


_PAIR = re.compile(r'([A-Za-z0-9_.\-/]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)')


def parse_authentication_results(value: str) -> tuple[str, list[Result]]:
    """``(authserv-id, results)`` of one header value; ``("", [])`` when it does not parse."""
    parts = _statements(value)
    if not parts[0]:
        return "", []
    authserv_id = parts[0].split()[0].lower()
    results = []
    for part in parts[1:]:
        pairs = [(key.lower(), raw.strip('"')) for key, raw in _PAIR.findall(part)]
        if not pairs:
            continue  # "none": no results
        (method, result), properties = pairs[0], dict(pairs[1:])
        results.append(Result(method.split("/")[0], result.lower(), properties))
    return authserv_id, results


def trusted_results(message: EmailMessage) -> list[Result]:
    """The results reported by the mail servers named in ``CASEBRIDGE_MAIL_TRUSTED_MTAS``."""
    trusted = {name.strip().lower() for name in settings.CASEBRIDGE_MAIL_TRUSTED_MTAS if name}
    found: list[Result] = []
    for value in message.get_all("Authentication-Results") or []:
        authserv_id, results = parse_authentication_results(str(value))
        if authserv_id in trusted:
            found.extend(results)
    return found


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2].strip().strip(".").lower()


def _aligned(domain: str, other: str) -> bool:
    """Relaxed alignment (RFC 7489): the same domain, or one is a subdomain of the other."""
    if not domain or not other:
        return False
    return domain == other or domain.endswith(f".{other}") or other.endswith(f".{domain}")


@dataclass(frozen=True)
class SenderCheck:
    """What trusted servers say about the From address: ``pass``, ``fail`` or ``none``."""

    verdict: str
    detail: str

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"


def check_sender(message: EmailMessage, sender: str) -> SenderCheck:
    """Whether a trusted server authenticated ``sender``'s domain: DMARC for it passed, or a
    DKIM signature of an aligned domain, or SPF for an aligned envelope sender. A DMARC
    failure for the domain, or an aligned DKIM/SPF failure without any pass, is ``fail``."""
    domain = _domain_of(sender)
    passes, failures = [], []
    for result in trusted_results(message):
        if result.method == "dmarc":
            concerned = _domain_of(result.properties.get("header.from", domain)) == domain
        elif result.method == "dkim":
            signer = result.properties.get("header.d") or _domain_of(
                result.properties.get("header.i", "")
            )
            concerned = _aligned(domain, signer.lower())
        elif result.method == "spf":
            envelope = result.properties.get("smtp.mailfrom", "")
            concerned = _aligned(domain, _domain_of(envelope))
        else:
            continue
        if not concerned:
            continue
        label = f"{result.method}={result.result}"
        if result.result == "pass":
            passes.append(label)
        elif result.result == "fail":
            failures.append(label)
    if any(label.startswith("dmarc=") for label in failures):
        return SenderCheck("fail", ", ".join(failures))
    if passes:
        return SenderCheck("pass", ", ".join(passes))
    if failures:
        return SenderCheck("fail", ", ".join(failures))
    return SenderCheck("none", f"no DMARC, DKIM or SPF pass for {domain} from a trusted server")
