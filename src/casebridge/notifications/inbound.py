"""E-mail in: a customer writes to its desk and gets a case, or replies and adds to one.

One function, :func:`ingest`, takes the raw RFC 5322 bytes (from an MTA pipe or the SMTP/LMTP
listener) and records every message exactly once by its Message-ID, with what became of it:

* automatic mail (auto-replies, bounces, lists, bulk) never creates anything — loop protection;
* the author is proven, never taken from the From header alone
  (:mod:`casebridge.notifications.authenticity`): an answer to a signed reply address is the
  person it was issued to (whose address the From header must be), into the audience of the
  mail it answers; anything else needs a DMARC/DKIM/SPF pass for the sender's domain reported
  by a trusted mail server;
* a reply (a signed ``+cb-…`` reply address; from an authenticated sender also an unsigned one,
  a References header of ours, ``[CB-…]`` in the subject) becomes a message on that case, if
  the author may write to it; a customer's reply to a closed case reopens it within the reopen
  window, and after it opens a follow-up case;
* a new message to a desk's help address from one of its customers' people, authenticated,
  opens a case;
* anything else — unknown or unauthenticated sender, a forged or someone else's reply address,
  not a desk address, malformed, too large — is quarantined with the reason, its raw bytes kept
  for inspection.

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
from casebridge.notifications import authenticity, mail
from casebridge.notifications.choices import InboundOutcome
from casebridge.notifications.models import InboundMessage, Notification
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


@dataclass(frozen=True)
class Author:
    """Who proved to have written a message, the case it answers and into which audience."""

    person: Person
    number: str | None
    audience: str


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


NOTIFICATION_ID = re.compile(r"<CB-\d{4}-\d{6}\.n(\d{1,12})@", re.IGNORECASE)


def _answered_audience(message: EmailMessage, person: Person, number: str | None) -> str:
    """The audience of the notification of ours a message answers (by In-Reply-To or
    References), if it was sent to this person about this case; else the person's own."""
    threading = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    ids = [int(found) for found in NOTIFICATION_ID.findall(threading)]
    answered = (
        Notification.objects.select_related("event", "case__customer", "case__matrix_version")
        .filter(pk__in=ids, recipient=person, case__number=number)
        .first()
        if ids and number
        else None
    )
    if answered is None or answered.case is None:
        return mail.own_audience(person)
    return mail.reply_audience(answered.kind, answered.event.payload, answered.case, person)


def _identify(message: EmailMessage, sender: str, recipients: list[str]) -> Author | Verdict:
    """Prove who wrote the message (see the module's docstring) or say why it cannot be."""
    check = authenticity.check_sender(message, sender)
    reply = authenticity.read_reply_address(recipients)
    if reply is not None and reply.problem:
        return Verdict(InboundOutcome.QUARANTINED, reply.problem)
    if reply is not None and reply.signed:
        person = (
            Person.objects.select_related("organisation")
            .filter(pk=reply.person_id, is_active=True)
            .first()
        )
        if person is None:
            return Verdict(
                InboundOutcome.QUARANTINED, f"{reply.address} was issued to nobody active."
            )
        if person.email != sender:
            return Verdict(
                InboundOutcome.QUARANTINED,
                f"{reply.address} was issued to {person.email}; the message is from {sender}.",
            )
        if check.failed:
            return Verdict(
                InboundOutcome.QUARANTINED, f"{sender} failed authentication: {check.detail}."
            )
        return Author(person, reply.number, reply.audience)
    person = (
        Person.objects.select_related("organisation")
        .filter(email__iexact=sender, is_active=True)
        .first()
    )
    if person is None:
        return Verdict(InboundOutcome.QUARANTINED, f"Unknown sender {sender}.")
    if not check.passed:
        return Verdict(
            InboundOutcome.QUARANTINED, f"{sender} is not authenticated: {check.detail}."
        )
    number = _referenced_case(message, recipients)
    return Author(person, number, _answered_audience(message, person, number))


def _attach(sender: Person, case: Case, message: EmailMessage, audience: str) -> list[str]:
    refused = []
    for part in message.iter_attachments():
        name = part.get_filename() or "attachment"
        content = part.get_content()
        data = content.encode() if isinstance(content, str) else bytes(content)
        upload = SimpleUploadedFile(name, data, content_type=part.get_content_type())
        try:
            with transaction.atomic():
                case_services.case_attach(actor=sender, case=case, upload=upload, audience=audience)
        except DomainError as error:
            refused.append(f"{name}: {error.detail}")
    return refused


def _act(message: EmailMessage, author: Author, recipients: list[str]) -> Verdict:
    sender, number = author.person, author.number
    body = _text_of(message)
    if number is not None:
        case = Case.objects.visible_to(sender).filter(number=number).first()
        if case is None:
            return Verdict(InboundOutcome.QUARANTINED, f"{sender.email} may not write to {number}.")
        if not body and not list(message.iter_attachments()):
            return Verdict(InboundOutcome.QUARANTINED, "The reply is empty.")
        comment = case_services.case_comment(
            actor=sender, case=case, audience=author.audience, body=body or "(attachments)"
        )
        # A reply to a closed case reopens it, or (after the reopen window) lands on a new
        # follow-up case: the files go where the message went, the record says which.
        landing = comment.case
        refused = _attach(sender, landing, message, author.audience)
        outcome = getattr(comment, "outcome", "added")
        if outcome == "follow_up":
            note = f"{number} is closed: opened the follow-up {landing.number}."
            return Verdict(InboundOutcome.CASE_OPENED, "; ".join([note, *refused])[:500], landing)
        if outcome == "reopened":
            refused.insert(0, f"Reopened {number}.")
        return Verdict(InboundOutcome.COMMENTED, "; ".join(refused)[:500], landing)
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
    refused = _attach(sender, case, message, "public")
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
    addresses = [a.lower() for a in addresses]
    author = _identify(message, sender, addresses)
    if isinstance(author, Verdict):
        return _record(message_id, raw, size, received, author, **meta)
    try:
        with transaction.atomic():
            verdict = _act(message, author, addresses)
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
