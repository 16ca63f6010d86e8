"""Service levels in the portal: the clocks panel, the explanation, the queue and the plans."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

AMS = ZoneInfo("Europe/Amsterdam")


def signed_in(person, zone=None) -> Client:
    client = Client()
    client.force_login(person)
    if zone:
        client.cookies["cb_tz"] = zone
    return client


@pytest.fixture
def monday():
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


def test_the_case_page_shows_countdowns_in_the_viewers_zone(desk, open_case, monday):
    case = open_case(impact="medium", urgency="medium")  # P3 Standard: first response 8 h
    monday.move_to(dt.datetime(2026, 6, 15, 15, 0, tzinfo=AMS))

    amsterdam = signed_in(desk.partner_a_agent, "Europe/Amsterdam").get(f"/cases/{case.pk}/")
    body = amsterdam.content.decode()
    assert amsterdam.status_code == 200
    assert "Due (Europe/Amsterdam)" in body
    assert "Mon 15 Jun 17:00" in body
    assert "in 2 h" in body

    tokyo = signed_in(desk.partner_a_agent, "Asia/Tokyo").get(f"/cases/{case.pk}/clocks/")
    assert "Tue 16 Jun 00:00" in tokyo.content.decode()
    encoded = signed_in(desk.partner_a_agent, "Asia%2FTokyo").get(f"/cases/{case.pk}/clocks/")
    assert "Due (Asia/Tokyo)" in encoded.content.decode()
    nonsense = signed_in(desk.partner_a_agent, "Not/AZone").get(f"/cases/{case.pk}/clocks/")
    assert "Due (UTC)" in nonsense.content.decode()


def test_the_explanation_lists_the_counted_intervals(desk, open_case, monday):
    monday.move_to(dt.datetime(2026, 4, 24, 16, 0, tzinfo=AMS))  # Friday before King's Day
    case = open_case(impact="medium", urgency="medium")
    client = signed_in(desk.partner_a_agent, "Europe/Amsterdam")

    page = client.get(f"/cases/{case.pk}/clocks/customer/first_response/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Due Tuesday 28 April 2026 16:00" in body
    assert "Fri 24 Apr 16:00" in body
    assert "Tue 28 Apr 09:00" in body
    assert "Monday 27 April 2026" in body  # the holiday, skipped
    assert client.get(f"/cases/{case.pk}/clocks/customer/bogus/").status_code == 404


def test_a_customer_cannot_open_the_vendor_engagements_explanation(desk, open_case):
    case = open_case()
    client = signed_in(desk.customer_a_contact)

    assert client.get(f"/cases/{case.pk}/clocks/vendor/first_response/").status_code == 404
    assert signed_in(desk.partner_b_agent).get(f"/cases/{case.pk}/clocks/").status_code == 404


def test_the_queue_shows_the_next_due_target(
    desk, open_case, monday, django_assert_max_num_queries
):
    for _ in range(5):
        open_case(impact="high", urgency="high")  # P1 Standard: first response within 1 h
    monday.move_to(dt.datetime(2026, 6, 15, 9, 30, tzinfo=AMS))
    client = signed_in(desk.partner_a_agent)

    with django_assert_max_num_queries(10):
        response = client.get("/cases/")
    body = response.content.decode()
    assert body.count("response in 30 min") == 5

    monday.move_to(dt.datetime(2026, 6, 15, 10, 15, tzinfo=AMS))
    later = client.get("/cases/").content.decode()
    assert later.count("15 min overdue") == 5


def test_everyone_reads_the_service_levels(desk):
    page = signed_in(desk.customer_a_contact).get("/service-levels/")
    body = page.content.decode()

    assert page.status_code == 200
    assert "Premium Plus" in body
    assert "30 min" in body
    assert "Mon 09:00-17:00" in body


def test_the_back_office_edits_a_target_with_durations_as_people_write_them(desk):
    from casebridge.sla.models import ServiceTarget

    client = signed_in(desk.vendor_admin)
    page = client.get("/service-levels/").content.decode()
    assert 'data-testid="target-standard-P3"' in page
    target = ServiceTarget.objects.select_related("plan").filter(priority="P3").first()

    response = client.post(
        f"/service-levels/plans/{target.plan.code}/targets/P3/",
        {
            "first_response": "2 h 30 min",
            "update_interval": "1d",
            "resolution": "",
            "calendar": target.calendar_id,
            "warn_percent": "80",
        },
        follow=True,
    )

    target.refresh_from_db()
    assert (target.first_response, target.update_interval, target.resolution) == (
        dt.timedelta(hours=2, minutes=30),
        dt.timedelta(days=1),
        None,
    )
    assert target.warn_percent == 80
    assert "Saved the Priority 3 targets" in response.content.decode()


def test_a_duration_that_is_not_one_changes_nothing_and_says_why(desk):
    from casebridge.sla.models import ServiceTarget

    target = ServiceTarget.objects.select_related("plan").filter(priority="P3").first()
    before = (target.first_response, target.resolution)

    response = signed_in(desk.vendor_admin).post(
        f"/service-levels/plans/{target.plan.code}/targets/P3/",
        {"first_response": "soon", "resolution": "1 d", "calendar": target.calendar_id},
        follow=True,
    )

    target.refresh_from_db()
    assert (target.first_response, target.resolution) == before
    assert "Write a length of time such as 4 h" in response.content.decode()


def test_closed_days_are_added_and_removed_by_the_back_office_only(desk):
    from casebridge.sla.models import BusinessCalendar, ClosedDay

    calendar = BusinessCalendar.objects.filter(always_open=False).first()
    url = f"/service-levels/calendars/{calendar.code}/closed-days/"

    refused = signed_in(desk.partner_a_manager).post(url, {"day": "2026-12-28", "name": "x"})
    assert refused.status_code == 302
    assert not ClosedDay.objects.filter(calendar=calendar, day="2026-12-28").exists()

    admin = signed_in(desk.vendor_admin)
    admin.post(url, {"day": "2026-12-28", "name": "Company day"})
    assert ClosedDay.objects.filter(calendar=calendar, day="2026-12-28").exists()
    bad = admin.post(url, {"day": "not a day", "name": "x"}, follow=True)
    assert "Choose a date." in bad.content.decode()
    admin.post(f"{url}2026-12-28/delete/")
    assert not ClosedDay.objects.filter(calendar=calendar, day="2026-12-28").exists()
    assert admin.post(f"{url}not-a-day/delete/").status_code == 404


def test_others_read_the_targets_without_forms(desk):
    page = signed_in(desk.partner_a_manager).get("/service-levels/").content.decode()

    assert 'data-testid="target-' not in page
    assert "sla-target" not in page


def test_a_running_clock_past_its_warning_time_shows_due_soon(desk, open_case, monday):
    case = open_case(impact="medium", urgency="medium")  # P3 Standard: first response 8 h
    client = signed_in(desk.partner_a_agent, "Europe/Amsterdam")

    early = client.get(f"/cases/{case.pk}/clocks/").content.decode()
    assert 'data-testid="clock-warning"' not in early
    monday.move_to(dt.datetime(2026, 6, 15, 16, 30, tzinfo=AMS))  # half an hour left
    late = client.get(f"/cases/{case.pk}/clocks/").content.decode()
    assert late.count('data-testid="clock-warning"') == 1  # the first response; not resolution
    assert "Due soon" in late
    monday.move_to(dt.datetime(2026, 6, 15, 17, 30, tzinfo=AMS))  # past due: breached, not soon
    breached = client.get(f"/cases/{case.pk}/clocks/").content.decode()
    assert (
        'data-testid="clock-warning"' not in breached.split("First response")[1].split("</tr>")[0]
    )
