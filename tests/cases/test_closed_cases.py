"""Closed means closed: read-only details, and a customer's reply reopens the case within the
reopen window or opens a linked follow-up case after it — in the API, the portal and by e-mail,
and the customer is told which happened."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from casebridge.cases import services
from casebridge.cases.models import Case, CaseEvent, Comment
from casebridge.core.outbox import outbox_drain
from casebridge.notifications.inbound import ingest
from casebridge.notifications.models import Notification
from casebridge.parties.models import Organisation
from tests.cases.helpers import act
from tests.notifications.test_inbound import MTA, message

START = dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC)


@pytest.fixture
def travel():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def closed(desk, open_case, travel):
    case = open_case()
    for action in ("start", "propose_solution", "resolve", "close"):
        act(case, desk.partner_a_agent, action)
    case.refresh_from_db()
    outbox_drain()
    mail.outbox.clear()
    return case


def days_later(travel, settings, days):
    travel.move_to(START + dt.timedelta(days=settings.CASEBRIDGE_REOPEN_WINDOW_DAYS + days))


def test_nobody_edits_the_details_of_a_closed_case(desk, closed, api_as):
    for person in (desk.customer_a_contact, desk.partner_a_agent, desk.partner_a_manager):
        with pytest.raises(services.CaseClosed):
            services.case_update_details(
                actor=person, case=closed, expected_revision=None, changes={"title": "New"}
            )
        assert not services.can_edit_details(person, closed)

    response = api_as(desk.partner_a_manager).put(
        "/api/v1/exchange/cases/INC-1",
        {"customer_id": desk.customer_a.pk, "title": "t", "description": "d"},
    )
    assert response.status_code == 201  # a new case is fine; the closed one stays as it was
    closed.refresh_from_db()
    assert closed.title == "Callers hear silence"


def test_the_closed_case_page_shows_the_submission_read_only(desk, closed):
    client = Client()
    client.force_login(desk.customer_a_contact)

    page = client.get(f"/cases/{closed.pk}/").content.decode()

    assert 'id="details-form"' not in page
    assert 'data-testid="submission"' in page
    assert "the details are read-only" in page


def test_a_reply_within_the_window_reopens_the_case_and_alerts_the_desk(desk, closed, travel):
    travel.shift(dt.timedelta(days=1))

    comment = services.case_comment(
        actor=desk.customer_a_contact, case=closed, audience="public", body="It is back."
    )

    closed.refresh_from_db()
    assert (comment.case, comment.outcome) == (closed, "reopened")
    assert (closed.customer_status, closed.closed_at) == ("in_progress", None)
    assert CaseEvent.objects.filter(case=closed, kind="reopen").exists()
    outbox_drain()
    alerted = Notification.objects.filter(kind="case.reopen", purpose="alert")
    assert {n.recipient_id for n in alerted} == {desk.partner_a_agent.pk, desk.partner_a_manager.pk}
    told = Notification.objects.get(kind="case.reply_on_closed")
    assert told.recipient == desk.customer_a_contact
    to_customer = [m for m in mail.outbox if m.to == [desk.customer_a_contact.email]]
    assert any(f"Your message reopened {closed.number}" in m.body for m in to_customer)


def test_a_reply_after_the_window_opens_a_linked_follow_up(desk, closed, travel, settings):
    days_later(travel, settings, 1)

    comment = services.case_comment(
        actor=desk.customer_a_contact, case=closed, audience="public", body="It is back."
    )

    follow_up = comment.case
    closed.refresh_from_db()
    assert comment.outcome == "follow_up"
    assert follow_up.follow_up_of == closed
    assert follow_up.title == f"Follow-up to {closed.number}: Callers hear silence"
    assert (closed.customer_status, closed.closed_at is not None) == ("closed", True)
    assert not Comment.objects.filter(case=closed, body="It is back.").exists()
    assert CaseEvent.objects.get(case=closed, kind="follow_up_opened").after["number"] == (
        follow_up.number
    )
    outbox_drain()
    opened = Notification.objects.filter(kind="case.opened", case=follow_up, purpose="alert")
    assert {n.recipient_id for n in opened} == {desk.partner_a_agent.pk, desk.partner_a_manager.pk}
    to_customer = [m for m in mail.outbox if m.to == [desk.customer_a_contact.email]]
    assert any(f"opened a new case, {follow_up.number}" in m.body for m in to_customer)


def test_the_partner_adds_a_note_to_a_closed_case_without_reopening_it(desk, closed):
    comment = services.case_comment(
        actor=desk.partner_a_agent, case=closed, audience="partner_internal", body="For the RCA."
    )

    closed.refresh_from_db()
    assert comment.case == closed
    assert not hasattr(comment, "outcome")
    assert closed.customer_status == "closed"


def test_the_api_says_what_the_reply_did(desk, closed, api_as, travel, settings):
    client = api_as(desk.customer_a_contact)

    reopened = client.post(
        f"/api/v1/cases/{closed.pk}/comments", {"audience": "public", "body": "Again."}
    )
    assert reopened.status_code == 201
    assert (reopened.json()["case_id"], reopened.json()["outcome"]) == (closed.pk, "reopened")

    for action in ("propose_solution", "resolve", "close"):
        act(closed, desk.partner_a_agent, action)
    days_later(travel, settings, 2)
    later = client.post(
        f"/api/v1/cases/{closed.pk}/comments", {"audience": "public", "body": "And again."}
    )
    body = later.json()
    assert (later.status_code, body["outcome"]) == (201, "follow_up")
    assert Case.objects.get(pk=body["case_id"]).follow_up_of_id == closed.pk
    assert client.get(f"/api/v1/cases/{body['case_id']}").json()["follow_up_of_id"] == closed.pk


def test_the_portal_tells_the_customer_which_happened(desk, closed, travel, settings):
    days_later(travel, settings, 1)
    client = Client()
    client.force_login(desk.customer_a_contact)  # a session does not last the window

    response = client.post(
        f"/cases/{closed.pk}/comments/", {"audience": "public", "body": "Back."}, follow=True
    )

    follow_up = Case.objects.get(follow_up_of=closed)
    assert response.redirect_chain[-1][0] == f"/cases/{follow_up.pk}/"
    page = response.content.decode()
    assert f"so your message opened {follow_up.number}, linked to it" in page
    assert f'Follow-up to <a href="/cases/{closed.pk}/">{closed.number}</a>' in page


@pytest.mark.parametrize(("days", "outcome"), [(1, "commented"), (None, "case_opened")])
def test_by_e_mail_the_same(desk, closed, travel, settings, days, outcome):
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = [MTA]  # the mail server vouches for the sender
    Organisation.objects.filter(pk=desk.partner_a.pk).update(helpdesk_email="help@a.example")
    if days is None:
        days_later(travel, settings, 1)
    else:
        travel.shift(dt.timedelta(days=days))
    reply = message(
        desk.customer_a_contact.email,
        f"support+{closed.number}@casebridge.example",
        f"Re: [{closed.number}] Callers hear silence",
        "It happens again.",
    )
    reply.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\0" * 32, maintype="image", subtype="png", filename="s.png"
    )

    record = ingest(reply.as_bytes())

    assert record.outcome == outcome
    landing = record.case
    assert Comment.objects.filter(case=landing).last().body == "It happens again."
    assert landing.attachments.get().original_name == "s.png"
    if days is None:
        assert landing.follow_up_of == closed
        assert record.reason.startswith(f"{closed.number} is closed: opened the follow-up")
    else:
        assert landing == closed
        assert record.reason == f"Reopened {closed.number}."
    outbox_drain()
    assert Notification.objects.filter(
        kind="case.reply_on_closed", recipient=desk.customer_a_contact, status="sent"
    ).exists()
