"""In-app notifications: what one was told, in the portal and the API — unread count, the list,
opening one marks it read, read all, e-mail choices; only one's own, only of visible cases."""

import datetime as dt

import pytest
from django.test import Client

from casebridge.cases import services
from casebridge.core import clock
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_drain
from casebridge.notifications import selectors
from casebridge.notifications.choices import NotificationStatus, Purpose
from casebridge.notifications.models import Notification, NotificationPreference


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def told(desk, open_case):
    """A case opened by Customer of A's contact: Partner A's desk is alerted (its turn)."""
    case = open_case()
    outbox_drain()
    return case


def test_the_desk_whose_turn_it_is_finds_the_new_case_in_its_notifications(desk, told):
    agent = desk.partner_a_agent

    [notification] = selectors.inbox(agent)

    assert (notification.case, notification.purpose) == (told, Purpose.ALERT)
    assert selectors.unread_count(agent) == 1
    assert selectors.headline(notification) == "A case was opened"
    bell = signed_in(agent).get("/notifications/bell/").content.decode()
    assert 'data-testid="bell-count">1' in bell


def test_the_list_shows_each_notification_with_its_case_in_few_queries(
    desk, open_case, django_assert_max_num_queries
):
    cases = [open_case() for _ in range(4)]
    outbox_drain()
    client = signed_in(desk.partner_a_agent)

    with django_assert_max_num_queries(8):
        page = client.get("/notifications/").content.decode()

    for case in cases:
        assert case.number in page
    assert "Mark all 4 read" in page
    assert page.count('class="unread') == 4


def test_opening_a_notification_goes_to_its_case_and_marks_it_read(desk, told):
    agent = desk.partner_a_agent
    notification = selectors.inbox(agent).get()

    response = signed_in(agent).get(f"/notifications/{notification.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{told.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert selectors.unread_count(agent) == 0
    assert 'data-testid="bell-count"' not in (
        signed_in(agent).get("/notifications/bell/").content.decode()
    )


def test_read_all_marks_only_ones_own(desk, told):
    manager = desk.partner_a_manager
    unread_before = selectors.unread_count(manager)

    response = signed_in(desk.partner_a_agent).post("/notifications/read-all/", follow=True)

    assert "1 notification marked read." in response.content.decode()
    assert selectors.unread_count(desk.partner_a_agent) == 0
    assert selectors.unread_count(manager) == unread_before


def test_another_persons_notification_is_never_found(desk, told):
    notification = selectors.inbox(desk.partner_a_agent).get()

    for person in (desk.partner_b_agent, desk.customer_a_contact, desk.partner_a_manager):
        assert signed_in(person).get(f"/notifications/{notification.pk}/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_nothing_is_shown_of_a_case_one_can_no_longer_see_nor_a_dropped_one(desk, told):
    event = OutboxEvent.objects.create(kind="case.opened", payload={}, occurred_at=clock.now())
    stray = Notification.objects.create(  # as if partner B had been told, then lost the case
        event=event,
        kind="case.opened",
        case=told,
        recipient=desk.partner_b_agent,
        purpose=Purpose.INFORM,
        created_at=clock.now(),
    )
    Notification.objects.filter(recipient=desk.partner_a_agent).update(
        status=NotificationStatus.DROPPED
    )

    assert list(selectors.inbox(desk.partner_b_agent)) == []
    assert list(selectors.inbox(desk.partner_a_agent)) == []
    assert signed_in(desk.partner_b_agent).get(f"/notifications/{stray.pk}/").status_code == 404


def test_e_mail_off_for_a_kind_the_portal_still_lists_it(desk, open_case):
    agent = desk.partner_a_agent
    client = signed_in(agent)
    assert 'href="/profile/#notifications"' in client.get("/notifications/").content.decode()

    kept = ["case.sla_breached", "case.sla_warning"]
    response = client.post("/profile/notifications/", {"email": kept})
    open_case()
    outbox_drain()

    assert response.status_code == 302
    off = set(
        NotificationPreference.objects.filter(person=agent, email=False).values_list(
            "kind", flat=True
        )
    )
    assert "case.opened" in off
    assert not off & set(kept)
    # Whether the e-mail went (the desk answers for a new case: it does) or not, the portal
    # lists it.
    assert selectors.inbox(agent).count() == 1
    Notification.objects.filter(recipient=agent).update(status=NotificationStatus.SKIPPED)
    assert selectors.inbox(agent).count() == 1


def test_the_api_lists_marks_read_and_refuses_anothers(desk, told, api_as):
    agent = api_as(desk.partner_a_agent)

    page = agent.get("/api/v1/me/inbox").json()
    [item] = page["items"]
    assert (item["case_number"], item["headline"], item["purpose"]) == (
        told.number,
        "A case was opened",
        "alert",
    )
    assert (page["unread"], page["before"]) == (1, None)
    assert (
        api_as(desk.partner_b_agent).post(f"/api/v1/me/inbox/{item['id']}/read").status_code == 404
    )

    read = agent.post(f"/api/v1/me/inbox/{item['id']}/read").json()

    assert read["read_at"] is not None
    assert agent.get("/api/v1/me/inbox", unread=True).json()["items"] == []
    assert agent.post("/api/v1/me/inbox/read-all").json() == {"read": 0}
    assert agent.get("/api/v1/me/inbox", before=0).status_code == 422


def test_pages_are_keyset_by_id_and_walk_everything_once(desk, open_case, api_as):
    for _ in range(selectors.PAGE + 3):
        open_case()
    outbox_drain()
    client = api_as(desk.partner_a_agent)

    first = client.get("/api/v1/me/inbox").json()
    second = client.get("/api/v1/me/inbox", before=first["before"]).json()

    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second["items"]]
    assert len(ids) == len(set(ids)) == selectors.PAGE + 3
    assert second["before"] is None
    assert ids == sorted(ids, reverse=True)
    assert all(dt.datetime.fromisoformat(i["created_at"]) <= clock.now() for i in first["items"])


def test_a_case_assigned_by_a_colleague_rings_the_assignees_bell(desk, told):
    agent, manager = desk.partner_a_agent, desk.partner_a_manager
    services.case_assign(actor=manager, case=told, engagement="customer", assignee=agent)
    outbox_drain()

    newest = selectors.inbox(agent).first()

    assert (newest.kind, newest.purpose, newest.case) == ("case.assigned", Purpose.ALERT, told)
    assert selectors.headline(newest) == "A case was assigned to you"
    assert selectors.unread_count(agent) == 2  # the opening and the assignment
    assert not selectors.inbox(manager).filter(kind="case.assigned").exists()


def test_taking_a_case_oneself_tells_nobody(desk, told):
    agent = desk.partner_a_agent
    services.case_assign(actor=agent, case=told, engagement="customer", assignee=agent)
    outbox_drain()

    assert not Notification.objects.filter(kind="case.assigned").exists()


def test_telling_a_desk_costs_one_write_per_person_not_a_round_of_reads(desk, open_case):
    """The fan-out's reads are made once per event (the case, its engagements and matrix) and
    once per organisation (who may see it); only each message's own record is per person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casebridge.notifications.services import notify_event
    from casebridge.parties.choices import Role
    from tests.factories import PersonFactory

    for number in range(10):
        PersonFactory(
            organisation=desk.partner_a,
            email=f"desk{number}@a.example",
            roles=[Role.AGENT],
            support_level="l1_basic",
        )
    open_case()
    event = OutboxEvent.objects.filter(kind="case.opened").latest("id")

    with CaptureQueriesContext(connection) as queries:
        sent = notify_event(event)

    assert sent >= 12
    assert len(queries.captured_queries) <= sent + 20
