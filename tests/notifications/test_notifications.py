"""Notifications from the RASCI policy, e-mail through a real SMTP server, signed webhooks."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from casebridge.cases import services as case_services
from casebridge.core.errors import ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_drain
from casebridge.notifications import deliveries, services
from casebridge.notifications.authenticity import read_reply_address
from casebridge.notifications.models import Notification, WebhookAttempt, WebhookDelivery
from casebridge.notifications.webhooks import sign, verify
from casebridge.rca.models import Rca
from tests.cases.helpers import COMPLETE, act


def escalated(desk, open_case):
    from casebridge.cases.models import Case

    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    return case_services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )


def consulted(kind):
    return {
        n.recipient.organisation_id
        for n in Notification.objects.filter(kind=kind, purpose="consult").select_related(
            "recipient"
        )
    }


def test_model_1_consults_exactly_the_c_parties(desk, open_case):
    case = escalated(desk, open_case)
    act(case, desk.vendor_engineer, "accept")
    act(case, desk.vendor_engineer, "request_information")
    act(case, desk.partner_a_manager, "answer")  # case.assist: vendor C
    outbox_drain()

    assert consulted("case.answer") == set()  # the vendor must act next: alerted, not asked
    assert consulted("case.escalated") == {desk.customer_a.pk}  # case.submit: customer C
    alerted = Notification.objects.filter(kind="case.escalated", purpose="alert")
    assert {n.recipient_id for n in alerted} == {desk.vendor_engineer.pk}
    consult = Notification.objects.filter(kind="case.escalated", purpose="consult").first()
    assert consult.respond_by is not None
    asked = Notification.objects.filter(kind="case.request_information", purpose="alert")
    # case.assist names engineers and agents: the partner's agent must answer.
    assert {n.recipient_id for n in asked} == {desk.partner_a_agent.pk}


def test_model_2_consults_exactly_the_c_parties(desk, open_case):
    from casebridge.parties.models import Person

    Person.objects.filter(pk=desk.customer_direct_admin.pk).update(support_level="l1_basic")
    desk.customer_direct_admin.refresh_from_db()
    admin = desk.customer_direct_admin
    case = open_case(impact="high", urgency="high", actor=admin, customer=desk.customer_direct)
    for action in ("start", "propose_solution"):
        act(case, admin, action)
    act(case, admin, "resolve", attribution="vendor_component")
    outbox_drain()  # opens the RCA (rca.vendor_cause: vendor A/R, customer C)
    outbox_drain()  # tells about it

    assert Rca.objects.get(case=case).owner == desk.vendor
    assert consulted("rca.opened") == {desk.customer_direct.pk}
    escalation = Notification.objects.filter(kind="rca.opened", purpose="escalate")
    assert {n.recipient_id for n in escalation} == {desk.vendor_admin.pk}


def test_email_goes_through_a_real_smtp_server_threaded_on_the_case(
    desk, open_case, smtp_server, settings
):
    settings.DEFAULT_FROM_EMAIL = "support@casebridge.example"
    settings.CASEBRIDGE_MAIL_DOMAIN = "casebridge.example"
    case = escalated(desk, open_case)
    outbox_drain()

    to_customer = [m for m in smtp_server.messages if m["To"] == desk.customer_a_contact.email]
    assert len(to_customer) == 1
    message = to_customer[0]
    assert message["Subject"].startswith(f"[{case.number}] The case was escalated to the vendor")
    assert message["References"] == f"<case.{case.number}@casebridge.example>"
    reply = read_reply_address([str(message["Reply-To"])])
    assert message["Reply-To"].endswith("@casebridge.example")
    assert (reply.signed, reply.number, reply.person_id, reply.audience) == (
        True,
        case.number,
        desk.customer_a_contact.pk,
        "public",
    )
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "You are consulted on this" in text
    assert case.title in html
    sent = Notification.objects.get(kind="case.escalated", recipient=desk.customer_a_contact)
    assert (sent.status, sent.message_id) == ("sent", message["Message-ID"])

    outbox_drain()  # nothing new; the delivered event is not sent again
    assert len([m for m in smtp_server.messages if m["To"] == desk.customer_a_contact.email]) == 1


def test_a_refused_message_is_retried_by_the_outbox_and_others_are_not_resent(
    desk, open_case, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    escalated(desk, open_case)

    result = outbox_drain()

    assert result.retried >= 1
    pending = Notification.objects.filter(kind="case.escalated", status="pending")
    assert pending.exists()
    assert all(n.error for n in pending)


def test_nothing_is_sent_for_a_write_that_rolled_back(desk, open_case):
    def failing_request():
        with transaction.atomic():
            escalated(desk, open_case)
            raise RuntimeError("the request failed after the write")

    with pytest.raises(RuntimeError):
        failing_request()

    outbox_drain()
    assert not OutboxEvent.objects.filter(kind="case.escalated").exists()
    assert mail.outbox == []


def test_preferences_silence_what_one_is_told_not_what_one_answers_for(desk, open_case):
    services.preference_set(actor=desk.customer_a_contact, kind="case.escalated", email=False)
    with pytest.raises(ValidationFailed):
        services.preference_set(actor=desk.customer_a_contact, kind="nonsense", email=False)
    escalated(desk, open_case)
    outbox_drain()

    skipped = Notification.objects.get(kind="case.escalated", recipient=desk.customer_a_contact)
    assert skipped.status == "skipped"
    assert all(m.to != [desk.customer_a_contact.email] for m in mail.outbox)


def test_a_webhook_that_fails_twice_gets_the_event_once_with_a_valid_signature(
    desk, open_case, receiver
):
    subscription = services.subscription_create(
        actor=desk.partner_a_manager, url=receiver.url, kinds=["case.escalated"]
    )
    receiver.secret = subscription.secret
    receiver.failures = 2
    case = escalated(desk, open_case)

    start = dt.datetime.now(dt.UTC)
    outbox_drain()  # first attempt: 500
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        deliveries.retry_due_deliveries()  # second: 500
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        deliveries.retry_due_deliveries()  # third: accepted
    with time_machine.travel(start + dt.timedelta(hours=5), tick=False):
        assert deliveries.retry_due_deliveries() == 0

    assert receiver.calls == 3
    assert len(receiver.accepted) == 1
    document = receiver.accepted[0]
    assert document["kind"] == "case.escalated"
    assert document["case"]["number"] == case.number
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [500, 500, 204]
    assert receiver.headers[-1]["X-Casebridge-Delivery"] == document["id"]


def test_webhooks_only_reach_parties_that_may_read_the_event(desk, open_case, receiver):
    other = services.subscription_create(actor=desk.partner_b_manager, url=receiver.url, kinds=[])
    receiver.secret = other.secret
    case = open_case()
    case_services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Internal."
    )
    outbox_drain()
    assert receiver.calls == 0

    customer_admin = desk.customer_a_contact
    customer_admin.roles.create(role="admin")
    customer_hook = services.subscription_create(actor=customer_admin, url=receiver.url, kinds=[])
    receiver.secret = customer_hook.secret
    case_services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Still internal."
    )
    case_services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="public", body="Public reply."
    )
    outbox_drain()
    kinds = [(d["kind"], d["data"].get("audience")) for d in receiver.accepted]
    assert kinds == [("case.commented", "public")]


def test_webhook_urls_and_signatures_are_checked(desk, settings):
    settings.CASEBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    for url in (
        "ftp://example.com/hook",
        "http://127.0.0.1:8000/hook",
        "http://user:pw@x.example/",
    ):
        with pytest.raises(ValidationFailed) as error:
            services.subscription_create(actor=desk.partner_a_manager, url=url, kinds=[])
        assert "url" in error.value.fields

    body = b'{"kind": "case.opened"}'
    header = sign("s" * 20, body, 1_700_000_000)
    assert verify("s" * 20, header, body, now=1_700_000_010)
    assert not verify("s" * 20, header, body + b" ", now=1_700_000_010)
    assert not verify("s" * 20, header, body, now=1_700_000_000 + 3600)  # replayed later
    assert not verify("x" * 20, header, body, now=1_700_000_010)


def test_an_expiring_certification_tells_the_person_and_the_managers(desk):
    from casebridge.core.outbox import outbox_record

    outbox_record(
        kind="certification.expiring",
        payload={
            "certification_id": 1,
            "person_id": desk.partner_a_agent.pk,
            "organisation_id": desk.partner_a.pk,
            "level": "l1_basic",
            "expires_on": "2026-07-01",
        },
    )
    outbox_drain()

    told = {m.to[0]: m for m in mail.outbox}
    assert set(told) == {desk.partner_a_agent.email, desk.partner_a_manager.email}
    assert "expires on 2026-07-01" in told[desk.partner_a_agent.email].body


def test_an_end_of_life_notice_reaches_the_responsible_people(desk):
    from casebridge.core.outbox import outbox_record

    outbox_record(
        kind="installed_base.end_of_life_notice",
        payload={
            "customer_id": desk.customer_a.pk,
            "component": "server_core",
            "version": "2024.10.1",
            "end_of_life_on": "2026-09-01",
            "days_before": 90,
            "people": [desk.partner_a_manager.pk],
        },
    )
    outbox_drain()

    manager = Notification.objects.get(recipient=desk.partner_a_manager)
    assert manager.purpose == "escalate"
    assert any("2024.10.1 reaches its end of life on 2026-09-01" in m.body for m in mail.outbox)


@pytest.mark.parametrize("change", ["deactivated", "moved"])
def test_a_recipient_who_can_no_longer_see_the_case_is_dropped_with_a_reason(
    desk, open_case, settings, caplog, change
):
    from casebridge.parties.models import Person

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    case = escalated(desk, open_case)
    outbox_drain()  # the mail server refuses: the notifications wait, recorded
    waiting = Notification.objects.get(kind="case.escalated", recipient=desk.vendor_engineer)
    assert waiting.status == "pending"
    if change == "deactivated":
        Person.objects.filter(pk=desk.vendor_engineer.pk).update(is_active=False)
    else:  # moved to a partner that is not this case's
        Person.objects.filter(pk=desk.vendor_engineer.pk).update(organisation=desk.partner_b)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # the outbox's retry is due
    with (
        caplog.at_level("WARNING", logger="casebridge.notifications.services"),
        time_machine.travel(later, tick=False),
    ):
        outbox_drain()

    waiting.refresh_from_db()
    assert waiting.status == "dropped"
    assert waiting.error  # the reason, e.g. "Partner B cannot see CB-…"
    assert all(m.to != [desk.vendor_engineer.email] for m in mail.outbox)
    assert any(
        r.message == "notification.dropped" and r.person_id == desk.vendor_engineer.pk
        for r in caplog.records
    )
    told = Notification.objects.filter(case=case, status="sent")
    assert told.filter(recipient=desk.customer_a_contact).exists()  # the others are sent


def test_a_title_with_a_line_break_stored_before_the_check_still_mails_as_one_line(
    desk, open_case, smtp_server
):
    from casebridge.cases.models import Case

    case = escalated(desk, open_case)
    Case.objects.filter(pk=case.pk).update(title="Broken\r\nBcc: attacker@evil.example")
    act(case, desk.vendor_engineer, "accept")
    act(case, desk.vendor_engineer, "request_information")

    outbox_drain()

    asked = Notification.objects.filter(kind="case.request_information")
    assert {n.status for n in asked} == {"sent"}
    mails = [m for m in smtp_server.messages if "asks for information" in m["Subject"]]
    assert mails
    for message in mails:
        assert message["Subject"].endswith(": Broken Bcc: attacker@evil.example")
        assert message["Bcc"] is None
    assert all(m["To"] != "attacker@evil.example" for m in smtp_server.messages)


def _rca_opened(desk, resolved_p1, attribution):
    case = resolved_p1(attribution)
    outbox_drain()
    outbox_drain()
    told = list(Notification.objects.filter(kind="rca.opened").select_related("recipient"))
    return Rca.objects.get(case=case), told


def test_a_model_1_partner_caused_rca_escalates_to_the_partner_only(desk, resolved_p1):
    rca, told = _rca_opened(desk, resolved_p1, "partner_infrastructure")

    assert rca.owner == desk.partner_a
    assert {n.recipient.organisation_id for n in told if n.purpose == "escalate"} == {
        desk.partner_a.pk
    }
    assert {n.recipient.organisation_id for n in told} <= {
        desk.partner_a.pk,
        desk.customer_a.pk,
        desk.vendor.pk,  # consulted (C), below
    }
    assert desk.partner_b.pk not in {n.recipient.organisation_id for n in told}


def test_a_model_1_vendor_caused_rca_escalates_to_the_vendor(desk, resolved_p1):
    rca, told = _rca_opened(desk, resolved_p1, "vendor_component")

    assert rca.owner == desk.vendor
    assert {n.recipient.organisation_id for n in told if n.purpose == "escalate"} == {
        desk.vendor.pk
    }


def test_a_model_1_partner_caused_rca_consults_the_vendor(desk, resolved_p1):
    _rca_opened(desk, resolved_p1, "partner_infrastructure")

    assert consulted("rca.opened") == {desk.vendor.pk}


@pytest.mark.parametrize(
    ("attribution", "purpose"),
    [("vendor_component", "escalate"), ("partner_infrastructure", "consult")],
)
def test_the_vendor_told_of_an_rca_on_a_case_it_cannot_see_reads_nothing_of_the_case(
    desk, resolved_p1, attribution, purpose
):
    from casebridge.cases.models import Case

    case = resolved_p1(attribution, drain=False)
    secret = "Partner only: the customer's firewall was left open by our night shift."
    case_services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body=secret
    )
    outbox_drain()  # opens the RCA
    outbox_drain()  # tells about it

    rca = Rca.objects.get(case=case)
    assert not Case.objects.visible_to(desk.vendor_engineer).filter(pk=case.pk).exists()
    told = list(Notification.objects.filter(kind="rca.opened", recipient__organisation=desk.vendor))
    assert told
    assert {(n.purpose, n.status) for n in told} == {(purpose, "sent")}
    addresses = {n.recipient.email for n in told}
    to_vendor = [m for m in mail.outbox if m.to[0] in addresses and "root-cause" in m.subject]
    assert len(to_vendor) == len(told)
    case_text = (secret, case.title, case.description, desk.customer_a.name, f"/cases/{case.pk}/")
    for message in to_vendor:
        text = "\n".join(
            [
                message.subject,
                message.body,
                str(message.alternatives[0][0]),
                str(message.extra_headers),
            ]
        )
        assert [value for value in case_text if value in text] == []
        assert f"/rcas/{rca.pk}/" in text  # what they may open
        assert message.subject.startswith(f"[{case.number}] ")
        assert message.reply_to == []  # an answer would land on a case they cannot see
        assert "Reply to this message" not in text

    to_partner = [
        m
        for m in mail.outbox
        if m.to == [desk.partner_a_manager.email] and "root-cause" in m.subject
    ]
    assert to_partner
    assert to_partner[0].subject.endswith(case.title)  # who sees the case still reads of it
    assert to_partner[0].reply_to
