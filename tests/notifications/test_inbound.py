"""E-mail in: real RFC 5322 messages through `mail ingest` and SMTP to `mail serve`.

The messages come as the trusted mail server hands them over: with its Authentication-Results
for the sender's domain (tests/notifications/test_mail_authenticity.py covers mail without)."""

import io
import smtplib
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from casebridge.cases.models import Attachment, Case, Comment
from casebridge.notifications.inbound import ingest
from casebridge.notifications.models import InboundMessage
from casebridge.parties.models import Organisation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MTA = "mx.casebridge.example"


@pytest.fixture(autouse=True)
def trusted_mta(settings):
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = [MTA]


def passed(sender):
    """What the trusted server says of a sender whose domain's DMARC passed."""
    return f"{MTA}; dmarc=pass (p=reject) header.from={sender.rpartition('@')[2]}"


@pytest.fixture
def helpdesk(desk):
    Organisation.objects.filter(pk=desk.partner_a.pk).update(helpdesk_email="help@a.example")
    return "help@a.example"


def message(sender, to, subject, text=None, *, html=None, message_id=None, **headers):
    mail = EmailMessage()
    mail["Authentication-Results"] = passed(sender)
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = message_id or f"<{abs(hash((sender, subject, text)))}@client.example>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    if text is not None:
        mail.set_content(text)
        if html:
            mail.add_alternative(html, subtype="html")
    elif html is not None:
        mail.set_content(html, subtype="html")
    return mail


def test_a_customer_writes_to_its_desk_and_gets_a_case_with_the_attachment(desk, helpdesk):
    mail = message(
        desk.customer_a_contact.email, helpdesk, "Wallboard frozen", "It shows yesterday."
    )
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png")

    record = ingest(mail.as_bytes())

    assert record.outcome == "case_opened"
    case = record.case
    assert (case.title, case.customer, case.reporter) == (
        "Wallboard frozen",
        desk.customer_a,
        desk.customer_a_contact,
    )
    assert "yesterday" in case.description
    assert Attachment.objects.get(case=case).original_name == "screen.png"


def test_a_message_delivered_twice_creates_one_comment(desk, helpdesk, open_case):
    case = open_case()
    reply = message(
        desk.customer_a_contact.email,
        f"support+{case.number}@casebridge.example",
        f"Re: [{case.number}] Callers hear silence",
        "Still broken this morning.\n\nOn Mon, 15 Jun 2026 someone wrote:\n> old text",
        message_id="<reply-1@client.example>",
    )

    first = ingest(reply.as_bytes())
    again = ingest(reply.as_bytes())

    assert first.pk == again.pk
    assert first.outcome == "commented"
    comments = Comment.objects.filter(case=case)
    assert comments.count() == 1
    assert comments.get().body == "Still broken this morning."


def test_replies_thread_by_references_and_html_is_reduced_to_text(
    desk, helpdesk, open_case, settings
):
    settings.CASEBRIDGE_MAIL_DOMAIN = "casebridge.example"
    case = open_case()
    reply = message(
        desk.customer_a_contact.email,
        helpdesk,
        "Re: your message",
        html="<p>Restarted <b>twice</b>.</p><script>alert(1)</script><style>p{}</style>",
        References=f"<case.{case.number}@casebridge.example>",
    )

    record = ingest(reply.as_bytes())

    assert record.outcome == "commented"
    body = Comment.objects.get(case=case).body
    assert "Restarted twice." in body
    assert "alert" not in body


def test_automatic_mail_never_creates_anything(desk, helpdesk):
    for extra in (
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"List_Id": "<news.example>"},
    ):
        mail = message(desk.customer_a_contact.email, helpdesk, "Out of office", "Away.", **extra)
        assert ingest(mail.as_bytes()).outcome == "ignored"
    bounce = message("MAILER-DAEMON@mx.example", helpdesk, "Undeliverable", "Bounced.")
    assert ingest(bounce.as_bytes()).outcome == "ignored"
    assert not Case.objects.exists()


def test_unknown_senders_and_addresses_are_quarantined_with_the_reason(desk, helpdesk):
    stranger = ingest(message("who@nowhere.example", helpdesk, "Hi", "Help").as_bytes())
    assert (stranger.outcome, stranger.reason) == (
        "quarantined",
        "Unknown sender who@nowhere.example.",
    )
    assert b"\nFrom: who@nowhere.example\n" in bytes(stranger.raw)
    wrong_desk = ingest(message(desk.customer_b_contact.email, helpdesk, "Hi", "Help").as_bytes())
    assert wrong_desk.outcome == "quarantined"
    assert "is not the desk of" in wrong_desk.reason
    nowhere = ingest(
        message(desk.customer_a_contact.email, "random@a.example", "Hi", "Help").as_bytes()
    )
    assert "Not a help desk address" in nowhere.reason
    assert not Case.objects.exists()


def test_a_non_utf8_message_and_an_oversized_one(desk, helpdesk, settings):
    raw = (
        f"Authentication-Results: {passed(desk.customer_a_contact.email)}\r\n"
        f"From: {desk.customer_a_contact.email}\r\nTo: {helpdesk}\r\n"
        "Subject: =?iso-8859-1?q?Caf=E9_line_down?=\r\nMessage-ID: <latin@client.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode() + "Le caf\xe9 ne r\xe9pond plus.".encode("latin-1")
    record = ingest(raw)
    assert record.outcome == "case_opened"
    assert record.case.title == "Café line down"
    assert "café ne répond plus" in record.case.description

    settings.CASEBRIDGE_MAIL_MAX_BYTES = 100
    big = ingest(message(desk.customer_a_contact.email, helpdesk, "Big", "x" * 500).as_bytes())
    assert big.outcome == "quarantined"
    assert "more than 100" in big.reason


def test_mail_ingest_reads_a_message_from_standard_input(desk, helpdesk, monkeypatch):
    raw = message(desk.customer_a_contact.email, helpdesk, "Piped in", "Via the MTA.").as_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()

    call_command("mail", "ingest", stdout=out)

    assert "case_opened" in out.getvalue()
    assert Case.objects.get().title == "Piped in"


def test_a_reply_to_one_of_our_messages_threads_by_in_reply_to(desk, helpdesk, open_case, settings):
    settings.CASEBRIDGE_MAIL_DOMAIN = "casebridge.example"
    case = open_case()
    reply = message(
        desk.customer_a_contact.email,
        helpdesk,
        "Re: something",
        "Thanks, that helped.",
        In_Reply_To=f"<{case.number}.n17@casebridge.example>",
    )

    assert ingest(reply.as_bytes()).case == case


@pytest.mark.django_db(transaction=True)
def test_mail_serve_takes_real_smtp(desk, helpdesk):
    from casebridge.notifications.management.commands.mail import listener
    from tests.notifications.conftest import free_port

    port = free_port()
    controller = listener("127.0.0.1", port, lmtp=False)
    controller.start()
    try:
        mail = message(desk.customer_a_contact.email, helpdesk, "Over SMTP", "Hello desk.")
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(mail)
            client.send_message(mail)  # a retrying MTA
    finally:
        controller.stop()

    assert InboundMessage.objects.count() == 1
    assert Case.objects.get().title == "Over SMTP"

    lmtp_port = free_port()
    controller = listener("127.0.0.1", lmtp_port, lmtp=True)
    controller.start()
    try:
        second = message(desk.customer_a_contact.email, helpdesk, "Over LMTP", "Hello again.")
        with smtplib.LMTP("127.0.0.1", lmtp_port) as client:
            client.send_message(second)
    finally:
        controller.stop()
    assert Case.objects.filter(title="Over LMTP").exists()


def test_check_reports_quarantined_mail_and_failed_deliveries(desk, helpdesk):
    from django.core.management import call_command as run

    ingest(message("who@nowhere.example", helpdesk, "Hi", "Help").as_bytes())
    out = io.StringIO()
    run("check", "--database", "default", stdout=out, stderr=out)

    text = out.getvalue()
    assert "1 inbound messages are in quarantine" in text
    assert "Last inbound e-mail" in text
    assert "casebridge.W106" not in text


def test_check_warns_when_mail_arrives_and_no_server_is_trusted(desk, helpdesk, settings):
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = []
    ingest(message(desk.customer_a_contact.email, helpdesk, "Hi", "Help").as_bytes())
    out = io.StringIO()

    call_command("check", "--database", "default", stdout=out, stderr=out)

    assert "casebridge.W106" in out.getvalue()


def test_malformed_mime_is_kept_in_quarantine_or_read_as_far_as_it_goes(desk, helpdesk):
    garbage = b"\x00\xff\xfe not a message at all \r\n\r\n\x00"
    record = ingest(garbage)
    assert record.outcome == "quarantined"
    assert InboundMessage.objects.filter(pk=record.pk).exists()
    broken = (
        f"Authentication-Results: {passed(desk.customer_a_contact.email)}\r\n"
        f"From: {desk.customer_a_contact.email}\r\nTo: {helpdesk}\r\nSubject: Broken\r\n"
        "Message-ID: <broken@client.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        "--never-closed\r\nContent-Type: text/plain\r\n\r\nThe body survives.\r\n"
    ).encode()
    survived = ingest(broken)
    assert survived.outcome == "case_opened"
    assert "The body survives." in survived.case.description


def raw_mail(sender, to, *, subject="Line down", charset="utf-8", body=b"It is down.", **headers):
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: <{abs(hash((sender, subject, charset, body)))}@client.example>",
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
        *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items()),
    ]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def test_a_subject_with_encoded_line_breaks_becomes_a_one_line_title(desk, helpdesk):
    subject = "=?utf-8?q?Line_down=0D=0ABcc:_attacker@evil.example=09now?="

    sender = desk.customer_a_contact.email
    record = ingest(
        raw_mail(sender, helpdesk, subject=subject, Authentication_Results=passed(sender))
    )

    assert record.outcome == "case_opened"
    assert record.case.title == "Line down Bcc: attacker@evil.example now"
    assert record.subject == "Line down Bcc: attacker@evil.example now"


@pytest.mark.parametrize(
    ("what", "mail"),
    [
        ("body", {"charset": "x-no-such-charset", "body": b"caf\xe9"}),
        ("subject", {"subject": "=?x-no-such-charset?q?caf=E9?="}),
        ("nul", {"subject": "=?utf-8?q?nul=00here?=", "body": b"nul\x00here"}),
    ],
)
def test_mail_in_an_unknown_charset_or_with_nul_is_recorded_not_an_error(
    desk, helpdesk, what, mail
):
    record = ingest(raw_mail(desk.customer_a_contact.email, helpdesk, **mail))

    assert InboundMessage.objects.filter(pk=record.pk).exists()
    assert record.outcome in {"quarantined", "case_opened"}
    assert "\x00" not in record.subject
    if record.outcome == "quarantined":
        assert record.reason
        assert bytes(record.raw)


def test_mail_in_an_unknown_charset_is_quarantined_with_the_reason(desk, helpdesk):
    record = ingest(
        raw_mail(
            desk.customer_a_contact.email, helpdesk, charset="x-no-such-charset", body=b"caf\xe9"
        )
    )

    assert record.outcome == "quarantined"
    assert "x-no-such-charset" in record.reason
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_smtp_accepts_and_records_mail_in_an_unknown_charset(desk, helpdesk):
    from casebridge.notifications.management.commands.mail import listener
    from tests.notifications.conftest import free_port

    port = free_port()
    controller = listener("127.0.0.1", port, lmtp=False)
    controller.start()
    raw = raw_mail(
        desk.customer_a_contact.email, helpdesk, charset="x-no-such-charset", body=b"caf\xe9"
    )
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            refused = client.sendmail(desk.customer_a_contact.email, [helpdesk], raw)
    finally:
        controller.stop()

    assert refused == {}
    assert InboundMessage.objects.get().outcome == "quarantined"
