"""E-mail in: a customer writes to its desk and gets a case, or replies and adds to one.

One function, :func:`ingest`, takes the raw RFC 5322 bytes (from an MTA pipe or the SMTP/LMTP
listener) and records every message exactly once by its Message-ID, with what became of it:

* automatic mail (auto-replies, bounces, lists, bulk) never creates anything — loop protection;
* a reply (a ``+CB-…`` reply address, a References header of ours, ``[CB-…]`` in the subject)
  becomes a public message on that case, if the sender may write to it;
* a new message to a desk's help address from one of its customers' people opens a case;
* anything else — unknown sender, not a desk address, malformed, too large — is quarantined with
  the reason, its raw bytes kept for inspection.

HTML-only mail is reduced to text before it reaches the (sanitising) Markdown of the case;
attachments become case files through the same checks as uploads."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import html
import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from casebridge.cases import services as case_services
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.errors import DomainError
from casebridge.core.validation import one_line
from casebridge.notifications.choices import InboundOutcome
from casebridge.notifications.models import InboundMessage
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import CustomerRelationship, Organisation, Person

logger = logging.getLogger(__name__)

CASE_NUMBER = re.compile(r"CB-\d{4}-\d{6}", re.IGNORECASE)
AUTOMATIC_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.I)
QUOTE_HEADER = re.compile(r"^On .{5,200} wrote:\s*$")


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reason: str = ""
    case: Case | None = None


def _automatic(message: EmailMessage, sender: str) -> str:
    """Why the message was sent by a machine, or "" for a person's mail."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if message.get(header):
            return f"{header} header"
    if (message.get("Return-Path") or "").strip() == "<>":
        return "empty return path (a bounce)"
    if AUTOMATIC_SENDERS.match(sender):
        return f"automatic sender {sender}"
    return ""


def _unknown_charset(message: EmailMessage) -> str:
    """The first charset of a part that Python cannot decode (its text would not be read)."""
    for part in message.walk():
        charset = part.get_content_charset()
        if charset:
            try:
                codecs.lookup(charset)
            except LookupError:
                return one_line(charset)[:100]
    return ""


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        text = part.get_content()
    else:
        part = message.get_body(preferencelist=("html",))
        text = _html_to_text(part.get_content()) if part is not None else ""
    return _without_quote(text).strip()


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", markup)
    return html.unescape(re.sub(r"(?s)<[^>]+>", "", markup))


def _without_quote(text: str) -> str:
    """The new part of a reply: stop at "On … wrote:" or a trailing block of quoted lines."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if QUOTE_HEADER.match(line.strip()):
            lines = lines[:index]
            break
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def _referenced_case(message: EmailMessage, recipients: list[str]) -> str | None:
    for address in recipients:
        local = address.partition("@")[0]
        if "+" in local and CASE_NUMBER.fullmatch(local.rpartition("+")[2]):
            return local.rpartition("+")[2].upper()
    threading = f"{message.get('References', '')} {message.get('In-Reply-To', '')}"
    domain = re.escape(settings.CASEBRIDGE_MAIL_DOMAIN)
    found = re.search(
        rf"<(?:case\.)?(CB-\d{{4}}-\d{{6}})(?:\.n\d+)?@{domain}>", threading, re.IGNORECASE
    )
    if found:
        return found.group(1).upper()
    subject = re.search(r"\[(CB-\d{4}-\d{6})\]", message.get("Subject", ""), re.IGNORECASE)
    return subject.group(1).upper() if subject else None


def _desk_of(address: str) -> Organisation | None:
    return Organisation.objects.filter(helpdesk_email__iexact=address, is_active=True).first()


def _serves(desk: Organisation, customer_id: int) -> bool:
    relationship = CustomerRelationship.objects.filter(customer_id=customer_id).first()
    if relationship is None:
        return False
    if relationship.partner_id is not None:
        return relationship.partner_id == desk.pk
    return desk.kind == OrganisationKind.VENDOR


def _attach(sender: Person, case: Case, message: EmailMessage) -> list[str]:
    refused = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        content = part.get_content()
        data = content.encode() if isinstance(content, str) else bytes(content)
        upload = SimpleUploadedFile(name, data, content_type=part.get_content_type())
        try:
            with transaction.atomic():
                case_services.case_attach(actor=sender, case=case, upload=upload, audience="public")
        except DomainError as error:
            refused.append(f"{name}: {error.detail}")
    return refused


def _act(message: EmailMessage, sender: Person, recipients: list[str]) -> Verdict:
    number = _referenced_case(message, recipients)
    body = _text_of(message)
    if number is not None:
        case = Case.objects.visible_to(sender).filter(number=number).first()
        if case is None:
            return Verdict(InboundOutcome.QUARANTINED, f"{sender.email} may not write to {number}.")
        if not body and not list(message.iter_attachments()):
            return Verdict(InboundOutcome.QUARANTINED, "The reply is empty.")
        case_services.case_comment(
            actor=sender, case=case, audience="public", body=body or "(attachments)"
        )
        refused = _attach(sender, case, message)
        return Verdict(InboundOutcome.COMMENTED, "; ".join(refused)[:500], case)
    desk = next((d for a in recipients if (d := _desk_of(a)) is not None), None)
    if desk is None:
        return Verdict(
            InboundOutcome.QUARANTINED, f"Not a help desk address: {', '.join(recipients)[:200]}."
        )
    if sender.organisation.kind != OrganisationKind.CUSTOMER:
        return Verdict(InboundOutcome.QUARANTINED, "Only customers open cases by e-mail.")
    if not _serves(desk, sender.organisation_id):
        return Verdict(
            InboundOutcome.QUARANTINED,
            f"{desk.name} is not the desk of {sender.organisation.name}.",
        )
    case, _ = case_services.case_open(
        actor=sender,
        customer=sender.organisation,
        title=one_line(message.get("Subject"))[:200] or "(no subject)",
        description=body or "(no text; see the attached files)",
        category="incident",
        impact="medium",
        urgency="medium",
    )
    refused = _attach(sender, case, message)
    return Verdict(InboundOutcome.CASE_OPENED, "; ".join(refused)[:500], case)


def ingest(raw: bytes, *, recipients: list[str] | None = None) -> InboundMessage:
    """Take one message; returns its record (the existing one if it was seen before)."""
    size = len(raw)
    received = clock.now()
    if size > settings.CASEBRIDGE_MAIL_MAX_BYTES:
        digest = hashlib.sha256(raw).hexdigest()
        return _record(
            f"<oversized.{digest}@casebridge>",
            raw[:0],
            size,
            received,
            Verdict(
                InboundOutcome.QUARANTINED,
                f"{size} bytes is more than {settings.CASEBRIDGE_MAIL_MAX_BYTES}.",
            ),
        )
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message_id = one_line(message.get("Message-ID"))[:250]
        sender = one_line(parseaddr(message.get("From", ""))[1]).lower()
        subject = one_line(str(message.get("Subject", "")))[:300]
        addresses = recipients or [
            address
            for _, address in getaddresses(
                [str(message.get(name, "")) for name in ("Delivered-To", "To", "Cc")]
            )
            if address
        ]
    except Exception as error:  # a header the parser chokes on: keep it, say why
        digest = hashlib.sha256(raw).hexdigest()
        return _record(
            f"<unparseable.{digest}@casebridge>",
            raw,
            size,
            received,
            Verdict(InboundOutcome.QUARANTINED, f"Unparseable message: {error}"[:500]),
        )
    message_id = message_id or f"<sha256.{hashlib.sha256(raw).hexdigest()}@casebridge>"
    existing = InboundMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    meta = {"sender": sender[:254], "recipient": ", ".join(addresses)[:254], "subject": subject}
    if not sender:
        verdict = Verdict(InboundOutcome.QUARANTINED, "No sender address.")
        return _record(message_id, raw, size, received, verdict, **meta)
    if reason := _automatic(message, sender):
        verdict = Verdict(InboundOutcome.IGNORED, reason)
        return _record(message_id, b"", size, received, verdict, **meta)
    if charset := _unknown_charset(message):
        verdict = Verdict(InboundOutcome.QUARANTINED, f"Unknown character set {charset!r}.")
        return _record(message_id, raw, size, received, verdict, **meta)
    person = (
        Person.objects.select_related("organisation")
        .filter(email__iexact=sender, is_active=True)
        .first()
    )
    if person is None:
        verdict = Verdict(InboundOutcome.QUARANTINED, f"Unknown sender {sender}.")
        return _record(message_id, raw, size, received, verdict, **meta)
    try:
        with transaction.atomic():
            verdict = _act(message, person, [a.lower() for a in addresses])
            if verdict.outcome != InboundOutcome.QUARANTINED:
                return _record(message_id, b"", size, received, verdict, **meta)
    except DomainError as error:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items())
        verdict = Verdict(InboundOutcome.QUARANTINED, f"{error.detail} {problems}".strip()[:500])
    return _record(message_id, raw, size, received, verdict, **meta)


def _record(
    message_id: str,
    raw: bytes,
    size: int,
    received: dt.datetime,
    verdict: Verdict,
    **meta: str,
) -> InboundMessage:
    if verdict.outcome == InboundOutcome.QUARANTINED:
        logger.warning(
            "mail.quarantined", extra={"message_id": message_id, "reason": verdict.reason}
        )
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                message_id=message_id,
                received_at=received,
                size=size,
                outcome=verdict.outcome,
                reason=one_line(verdict.reason)[:500],
                case=verdict.case,
                raw=raw if verdict.outcome == InboundOutcome.QUARANTINED else b"",
                **meta,
            )
    except IntegrityError:  # delivered twice at the same moment: the first one counts
        return InboundMessage.objects.get(message_id=message_id)
