"""Service-level API: plans, targets, calendars, a case's clocks and their explanation."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casebridge.sla.models import BusinessCalendar, ServiceTarget

AMS = ZoneInfo("Europe/Amsterdam")


def test_plans_list_their_targets_in_minutes(world, api_as):
    response = api_as(world.partner_a_agent).get("/api/v1/sla/plans")

    assert response.status_code == 200
    plans = {plan["code"]: plan for plan in response.json()}
    p1 = plans["premium_plus"]["targets"][0]
    assert p1 == {
        "priority": "P1",
        "calendar": "24x7",
        "first_response_minutes": 30,
        "update_interval_minutes": 60,
        "resolution_minutes": 240,
        "warn_percent": 75,
    }


def test_a_target_is_set_by_the_vendor_and_refused_with_field_errors(world, api_as):
    client = api_as(world.vendor_admin)
    bad = client.put(
        "/api/v1/sla/plans/standard/targets/P2",
        {"calendar": "business-hours", "first_response_minutes": -5, "resolution_minutes": 60},
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"first_response_minutes"}

    good = client.put(
        "/api/v1/sla/plans/standard/targets/P2",
        {"calendar": "24x7", "first_response_minutes": 120, "resolution_minutes": 1440},
    )
    assert good.status_code == 200, good.content
    target = ServiceTarget.objects.get(plan_id="standard", priority="P2")
    assert (target.calendar_id, target.first_response, target.update_interval) == (
        "24x7",
        dt.timedelta(hours=2),
        None,
    )
    refused = api_as(world.partner_a_manager).put(
        "/api/v1/sla/plans/standard/targets/P2", {"calendar": "24x7"}
    )
    assert refused.status_code == 403


def test_a_calendar_round_trips_and_bad_hours_are_named(world, api_as):
    client = api_as(world.vendor_admin)
    body = {
        "name": "Berlin office",
        "hours": {"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["08:00-16:00"]},
        "time_zone": "Europe/Berlin",
        "country": "DE",
        "region": "BE",
    }
    created = client.put("/api/v1/sla/calendars/berlin", body)
    assert created.status_code == 200, created.content
    assert created.json()["hours"] == body["hours"]

    bad = client.put(
        "/api/v1/sla/calendars/berlin",
        {**body, "hours": {"mon": ["12:00-08:00"]}, "time_zone": "Moon/Base", "country": "ZZ"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"hours.mon", "time_zone", "country"}
    assert BusinessCalendar.objects.get(code="berlin").time_zone == "Europe/Berlin"

    closed = client.post(
        "/api/v1/sla/calendars/berlin/closed-days", {"day": "2026-12-24", "name": "Christmas Eve"}
    )
    assert closed.status_code == 201
    assert closed.json()["closed_days"] == [{"day": "2026-12-24", "name": "Christmas Eve"}]
    assert client.delete("/api/v1/sla/calendars/berlin/closed-days/2026-12-24").status_code == 204


@pytest.fixture
def monday():
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller


def test_a_cases_clocks_show_in_the_viewers_zone_and_explain_themselves(
    desk, open_case, api_as, monday
):
    case = open_case(impact="medium", urgency="medium")  # P3 Standard: first response 8 h
    monday.move_to(dt.datetime(2026, 6, 15, 15, 0, tzinfo=AMS))
    client = api_as(desk.partner_a_agent)

    clocks = client.get(f"/api/v1/cases/{case.pk}/clocks", tz="America/New_York")
    assert clocks.status_code == 200
    first = next(c for c in clocks.json() if c["metric"] == "first_response")
    assert first["status"] == "running"
    assert first["due_at"] == "2026-06-15T11:00:00-04:00"  # 17:00 in Amsterdam
    assert first["elapsed_seconds"] == 6 * 3600

    explained = client.get(
        f"/api/v1/cases/{case.pk}/clocks/customer/first_response", tz="Europe/Amsterdam"
    )
    assert explained.status_code == 200
    body = explained.json()
    assert body["counted"] == [
        {"start": "2026-06-15T09:00:00+02:00", "end": "2026-06-15T17:00:00+02:00"}
    ]
    assert body["counted_seconds"] == 8 * 3600
    assert client.get(f"/api/v1/cases/{case.pk}/clocks", tz="Nowhere").status_code == 422


def test_the_customer_never_sees_the_vendor_engagements_clocks(desk, open_case, api_as):
    from casebridge.cases import services
    from casebridge.cases.models import Case
    from tests.cases.helpers import COMPLETE, act

    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_manager, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    customer = api_as(desk.customer_a_contact).get(f"/api/v1/cases/{case.pk}/clocks").json()
    partner = api_as(desk.partner_a_agent).get(f"/api/v1/cases/{case.pk}/clocks").json()
    assert {c["engagement"] for c in customer} == {"customer"}
    assert {c["engagement"] for c in partner} == {"customer", "vendor"}
    hidden = api_as(desk.customer_a_contact).get(
        f"/api/v1/cases/{case.pk}/clocks/vendor/first_response"
    )
    assert hidden.status_code == 404
    other = api_as(desk.partner_b_agent).get(f"/api/v1/cases/{case.pk}/clocks")
    assert other.status_code == 404


def test_priority_changes_through_the_api(desk, open_case, api_as):
    case = open_case(impact="medium", urgency="medium")
    client = api_as(desk.partner_a_agent)

    missing = client.post(f"/api/v1/cases/{case.pk}/priority", {"priority": "P1"})
    assert missing.status_code == 422
    assert "reason" in missing.json()["fields"]
    changed = client.post(
        f"/api/v1/cases/{case.pk}/priority", {"priority": "P1", "reason": "Outage widened."}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["priority"] == "P1"
    assert changed["ETag"] == f'W/"{case.revision + 1}"'
