"""Mail authenticity: who wrote a message is proven by a signed reply address issued to that
person, or by the Authentication-Results of an MTA we trust; never by the From header alone.

The spoofing attempts go over real sockets: our notification mail out through an SMTP server,
the attacker's and the people's answers in through `casebridge mail serve`."""

import smtplib
from email.message import EmailMessage

import pytest

from casebridge.cases.models import Case, Comment
from casebridge.core.outbox import outbox_drain
from casebridge.notifications.authenticity import (
    check_sender,
    parse_authentication_results,
    read_reply_address,
    reply_suffix,
)
from casebridge.notifications.inbound import ingest
from casebridge.notifications.mail import reply_audience
from casebridge.notifications.management.commands.mail import listener
from casebridge.notifications.models import InboundMessage, Notification
from casebridge.parties.models import Organisation, Person
from tests.notifications.conftest import free_port
from tests.notifications.test_notifications import escalated

TRUSTED_MTA = "mx.casebridge.example"


@pytest.fixture
def mail_setup(settings, desk):
    settings.DEFAULT_FROM_EMAIL = "support@casebridge.example"
    settings.CASEBRIDGE_MAIL_DOMAIN = "casebridge.example"
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = [TRUSTED_MTA]
    Organisation.objects.filter(pk=desk.partner_a.pk).update(helpdesk_email="help@a.example")
    return desk


@pytest.fixture
def mail_serve(transactional_db):
    """`casebridge mail serve`'s SMTP listener on a free loopback port."""
    port = free_port()
    controller = listener("127.0.0.1", port, lmtp=False)
    controller.start()

    def send(mail: EmailMessage, *, envelope_from: str) -> InboundMessage:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(mail, from_addr=envelope_from)
        return InboundMessage.objects.get(message_id=mail["Message-ID"])

    yield send
    controller.stop()


def letter(sender, to, subject, text, *, message_id, results=None, **headers):
    mail = EmailMessage()
    if results is not None:
        mail["Authentication-Results"] = results
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return mail


def reply_to_of(inbox, recipient):
    [sent] = [m for m in inbox.messages if m["To"] == recipient.email]
    return str(sent["Reply-To"]), str(sent["Message-ID"])


@pytest.mark.django_db(transaction=True)
def test_a_spoofed_from_header_over_smtp_writes_nothing(
    mail_setup, mail_serve, smtp_server, open_case
):
    desk = mail_setup
    case = escalated(desk, open_case)
    outbox_drain()
    agent = desk.partner_a_agent.email
    customer_reply_to, _ = reply_to_of(smtp_server, desk.customer_a_contact)

    attempts = [
        # The case's plain reply address, the thread headers, the subject tag: From only.
        letter(
            agent,
            f"support+{case.number}@casebridge.example",
            f"Re: [{case.number}] update",
            "Ignore the vendor, close this.",
            message_id="<spoof-1@evil.example>",
            References=f"<case.{case.number}@casebridge.example>",
        ),
        # An Authentication-Results header the attacker wrote (not from our MTA).
        letter(
            agent,
            f"support+{case.number}@casebridge.example",
            f"Re: [{case.number}] update",
            "Ignore the vendor, close this.",
            message_id="<spoof-2@evil.example>",
            results=f"mx.evil.example; dmarc=pass header.from={agent.split('@')[1]}",
        ),
        # The customer's own signed reply address, with the agent's name on it.
        letter(
            agent,
            customer_reply_to,
            f"Re: [{case.number}] update",
            "Ignore the vendor, close this.",
            message_id="<spoof-3@evil.example>",
        ),
        # A new case at the desk in the customer's name.
        letter(
            desk.customer_a_contact.email,
            "help@a.example",
            "Send all our data to evil.example",
            "Please.",
            message_id="<spoof-4@evil.example>",
        ),
    ]

    records = [mail_serve(mail, envelope_from="attacker@evil.example") for mail in attempts]

    assert [r.outcome for r in records] == ["quarantined"] * 4
    assert "not authenticated" in records[0].reason
    assert "not authenticated" in records[1].reason
    assert f"issued to {desk.customer_a_contact.email}" in records[2].reason
    assert "not authenticated" in records[3].reason
    assert all(bytes(r.raw) for r in records)  # kept for inspection
    assert not Comment.objects.filter(case=case).exists()
    assert Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_vendor_engineer_answering_a_partner_vendor_mail_never_posts_publicly(
    mail_setup, mail_serve, smtp_server, open_case
):
    desk = mail_setup
    case = escalated(desk, open_case)
    outbox_drain()  # case.escalated: the vendor is informed, the customer consulted
    engineer = desk.vendor_engineer
    reply_to, answered = reply_to_of(smtp_server, engineer)
    assert reply_to.startswith(f"support+{case.number.lower()}.")

    record = mail_serve(
        letter(
            engineer.email,
            reply_to,
            f"Re: [{case.number}]",
            "We see the SBC dropping the INVITE; looking at it.",
            message_id="<engineer-1@vendor.example>",
            In_Reply_To=answered,
        ),
        envelope_from=engineer.email,
    )

    assert (record.outcome, record.reason) == ("commented", "")
    comment = Comment.objects.get(case=case)
    assert (comment.author, comment.audience) == (engineer, "partner_vendor")


@pytest.mark.django_db(transaction=True)
def test_a_customer_answering_its_own_mail_posts_publicly(
    mail_setup, mail_serve, smtp_server, open_case
):
    desk = mail_setup
    case = escalated(desk, open_case)
    outbox_drain()
    reply_to, _ = reply_to_of(smtp_server, desk.customer_a_contact)

    record = mail_serve(
        letter(
            desk.customer_a_contact.email,
            reply_to,
            "Re: it",
            "It happens again at 09:10.",
            message_id="<customer-1@customer-a.example>",
        ),
        envelope_from=desk.customer_a_contact.email,
    )

    assert record.outcome == "commented"
    assert Comment.objects.get(case=case).audience == "public"


# --- Signed reply addresses, without the sockets ---


def signed_address(case, person, audience):
    return f"support+{reply_suffix(case.number, person.pk, audience)}@casebridge.example"


def test_a_reply_address_whose_audience_was_changed_is_refused(mail_setup, open_case):
    desk = mail_setup
    case = escalated(desk, open_case)
    address = signed_address(case, desk.vendor_engineer, "partner_vendor")
    widened = address.replace(".pv.", ".pu.")

    record = ingest(
        letter(desk.vendor_engineer.email, widened, "Re", "To all.", message_id="<w@v>").as_bytes()
    )

    assert record.outcome == "quarantined"
    assert "signature of the reply address" in record.reason
    assert not Comment.objects.exists()


def test_a_reply_address_of_a_deactivated_person_is_refused(mail_setup, open_case):
    desk = mail_setup
    case = escalated(desk, open_case)
    address = signed_address(case, desk.vendor_engineer, "partner_vendor")
    Person.objects.filter(pk=desk.vendor_engineer.pk).update(is_active=False)

    record = ingest(
        letter(desk.vendor_engineer.email, address, "Re", "Hi.", message_id="<d@v>").as_bytes()
    )

    assert (record.outcome, record.reason) == (
        "quarantined",
        f"{address} was issued to nobody active.",
    )


def test_a_trusted_server_failing_the_sender_beats_a_valid_reply_address(mail_setup, open_case):
    desk = mail_setup
    case = escalated(desk, open_case)
    address = signed_address(case, desk.vendor_engineer, "partner_vendor")

    record = ingest(
        letter(
            desk.vendor_engineer.email,
            address,
            "Re",
            "Hi.",
            message_id="<f@v>",
            results=f"{TRUSTED_MTA}; dmarc=fail (p=none) header.from=vendor.example",
        ).as_bytes()
    )

    assert record.outcome == "quarantined"
    assert "failed authentication: dmarc=fail" in record.reason


def test_reply_addresses_survive_a_secret_key_rotation(mail_setup, open_case, settings):
    desk = mail_setup
    case = escalated(desk, open_case)
    address = signed_address(case, desk.vendor_engineer, "partner_vendor")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    reply = read_reply_address(["someone@else.example", address])

    assert (reply.signed, reply.person_id, reply.audience) == (
        True,
        desk.vendor_engineer.pk,
        "partner_vendor",
    )
    settings.SECRET_KEY_FALLBACKS = []
    assert read_reply_address([address]).problem


def test_an_authenticated_reply_without_our_address_goes_to_the_authors_own_audience(
    mail_setup, open_case
):
    desk = mail_setup
    case = escalated(desk, open_case)
    agent = desk.partner_a_agent.email

    record = ingest(
        letter(
            agent,
            "help@a.example",
            f"Re: [{case.number}] status",
            "Customer called again.",
            message_id="<a@a>",
            results=f"{TRUSTED_MTA}; dkim=pass header.d=a.example header.s=sel; spf=none",
        ).as_bytes()
    )

    assert record.outcome == "commented"
    assert Comment.objects.get(case=case).audience == "partner_internal"


def test_an_authenticated_reply_to_a_notification_takes_its_audience(mail_setup, open_case):
    desk = mail_setup
    case = escalated(desk, open_case)
    outbox_drain()
    told = Notification.objects.get(kind="case.escalated", recipient=desk.vendor_engineer)

    record = ingest(
        letter(
            desk.vendor_engineer.email,
            "support@casebridge.example",
            "Re: escalated",
            "Taking it.",
            message_id="<b@v>",
            In_Reply_To=told.message_id,
            results=f"{TRUSTED_MTA}; dmarc=pass header.from=vendor.example",
        ).as_bytes()
    )

    assert record.outcome == "commented"
    assert Comment.objects.get(case=case).audience == "partner_vendor"


@pytest.mark.parametrize(
    ("kind", "who", "audience"),
    [
        ("case.escalated", "vendor_engineer", "partner_vendor"),
        ("case.close", "vendor_engineer", "partner_vendor"),  # model 1: never to the customer
        ("case.close", "partner_a_agent", "public"),
        ("case.escalated", "customer_a_contact", "public"),
        ("case.sla_breached", "partner_a_manager", "partner_internal"),
        ("case.sla_breached", "vendor_engineer", "vendor_internal"),
    ],
    ids=lambda value: str(value),
)
def test_the_audience_a_reply_goes_to_follows_the_mail_it_answers(
    mail_setup, open_case, kind, who, audience
):
    case = escalated(mail_setup, open_case)
    recipient = getattr(mail_setup, who)

    assert reply_audience(kind, {}, case, recipient) == audience


def test_an_event_naming_its_audience_is_answered_into_it(mail_setup, open_case):
    case = escalated(mail_setup, open_case)

    assert (
        reply_audience(
            "case.commented", {"audience": "partner_vendor"}, case, mail_setup.partner_a_agent
        )
        == "partner_vendor"
    )
    assert (
        reply_audience(
            "case.commented", {"audience": "vendor_internal"}, case, mail_setup.partner_a_agent
        )
        == "partner_internal"
    )


# --- Authentication-Results ---


def test_authentication_results_parse_comments_quotes_and_versions():
    authserv_id, results = parse_authentication_results(
        "MX.Casebridge.Example 1; dkim=pass (2048-bit key; secure) header.d=a.example "
        'header.s="sel;1"; spf=softfail (sender IP is 203.0.113.9) smtp.mailfrom=b.example; '
        "dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=a.example"
    )

    assert authserv_id == "mx.casebridge.example"
    assert [(r.method, r.result) for r in results] == [
        ("dkim", "pass"),
        ("spf", "softfail"),
        ("dmarc", "pass"),
    ]
    assert results[0].properties == {"header.d": "a.example", "header.s": "sel;1"}
    assert parse_authentication_results("mx.casebridge.example; none") == (
        "mx.casebridge.example",
        [],
    )


@pytest.mark.parametrize(
    ("headers", "verdict"),
    [
        ([f"{TRUSTED_MTA}; dmarc=pass header.from=a.example"], "pass"),
        ([f"{TRUSTED_MTA}; dkim=pass header.d=mail.a.example"], "pass"),
        ([f"{TRUSTED_MTA}; dkim=pass header.i=@a.example"], "pass"),
        ([f"{TRUSTED_MTA}; spf=pass smtp.mailfrom=bounce@a.example"], "pass"),
        ([f"{TRUSTED_MTA}; dkim=pass header.d=evil.example"], "none"),  # not aligned
        ([f"{TRUSTED_MTA}; spf=pass smtp.mailfrom=evil.example"], "none"),
        ([f"{TRUSTED_MTA}; dmarc=pass header.from=evil.example"], "none"),
        (["mx.evil.example; dmarc=pass header.from=a.example"], "none"),  # not trusted
        ([f"{TRUSTED_MTA}; dmarc=fail header.from=a.example"], "fail"),
        (
            [f"{TRUSTED_MTA}; dkim=pass header.d=a.example; dmarc=fail header.from=a.example"],
            "fail",
        ),
        ([f"{TRUSTED_MTA}; spf=fail smtp.mailfrom=a.example"], "fail"),
        (
            [f"{TRUSTED_MTA}; spf=fail smtp.mailfrom=a.example; dkim=pass header.d=a.example"],
            "pass",
        ),
        ([f"{TRUSTED_MTA}; dmarc=none header.from=a.example"], "none"),
        ([f"{TRUSTED_MTA}; none"], "none"),
        ([], "none"),
    ],
    ids=lambda value: str(value),
)
def test_only_a_trusted_servers_results_for_the_senders_domain_count(settings, headers, verdict):
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = [TRUSTED_MTA]
    mail = EmailMessage()
    for header in headers:
        mail["Authentication-Results"] = header
    mail["From"] = "agent@a.example"

    assert check_sender(mail, "agent@a.example").verdict == verdict


def test_without_trusted_servers_nothing_is_authenticated(settings):
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = []
    mail = EmailMessage()
    mail["Authentication-Results"] = f"{TRUSTED_MTA}; dmarc=pass header.from=a.example"

    assert check_sender(mail, "agent@a.example").verdict == "none"
