"""Changing service-level policy: field errors for bad input, nothing written."""

import datetime as dt

import pytest

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import AuditEvent, OutboxEvent
from casebridge.sla import services
from casebridge.sla.models import BusinessCalendar, ClosedDay, ServiceTarget
from casebridge.sla.selectors import PolicyBook

H = dt.timedelta(hours=1)


def save(world, **overrides):
    values = {
        "actor": world.vendor_admin,
        "code": "amsterdam-office",
        "name": "Amsterdam office",
        "hours": {"mon": ["09:00-12:30", "13:30-17:30"], "fri": ["09:00-15:00"]},
        "time_zone": "Europe/Amsterdam",
        "country": "NL",
    }
    return services.calendar_save(**{**values, **overrides})


def test_a_calendar_is_saved_with_split_days_and_audited(world):
    calendar = save(world)

    assert calendar.hours == {"0": [[540, 750], [810, 1050]], "4": [[540, 900]]}
    assert AuditEvent.objects.filter(action="sla.calendar_saved").count() == 1
    assert OutboxEvent.objects.filter(kind="sla.policy_changed").count() == 1
    again = save(world, name="Amsterdam office (HQ)")
    assert again.revision == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"hours": {"mon": ["09:00-12:00", "11:00-17:00"]}}, "hours.mon"),
        ({"hours": {"tue": ["17:00-09:00"]}}, "hours.tue"),
        ({"hours": {"wed": ["9-5"]}}, "hours.wed"),
        ({"hours": {"funday": ["09:00-17:00"]}}, "hours.funday"),
        ({"hours": {}}, "hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"country": "ZZ"}, "country"),
        ({"region": "XX"}, "region"),
        ({"code": "Not A Slug"}, "code"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_calendars_are_refused_by_field_and_nothing_is_written(world, overrides, field):
    with pytest.raises(ValidationFailed) as error:
        save(world, **overrides)

    assert field in error.value.fields
    assert not BusinessCalendar.objects.filter(
        code=overrides.get("code", "amsterdam-office")
    ).exists()
    assert not OutboxEvent.objects.filter(kind="sla.policy_changed").exists()


def test_a_24x7_calendar_needs_no_hours(world):
    calendar = save(
        world, code="round-the-clock", name="Round the clock", always_open=True, hours=None
    )

    assert calendar.always_open
    assert calendar.hours == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_response": -H}, "first_response"),
        ({"update_interval": dt.timedelta(0)}, "update_interval"),
        ({"resolution": dt.timedelta(days=400)}, "resolution"),
        ({"resolution": dt.timedelta(minutes=10)}, "resolution"),
        ({"warn_percent": 0}, "warn_percent"),
        ({"priority": "P7"}, "priority"),
        ({"calendar": "nowhere"}, "calendar"),
        ({"plan": "gold"}, "plan"),
    ],
)
def test_bad_targets_are_refused_by_field(world, overrides, field):
    values = {
        "actor": world.vendor_admin,
        "plan": "standard",
        "priority": "P2",
        "calendar": "business-hours",
        "first_response": 2 * H,
        "update_interval": 4 * H,
        "resolution": 24 * H,
    }
    with pytest.raises(ValidationFailed) as error:
        services.target_set(**{**values, **overrides})

    assert field in error.value.fields
    target = ServiceTarget.objects.get(plan_id="standard", priority="P2")
    assert target.first_response == 4 * H  # the default, untouched


def test_only_the_vendors_back_office_changes_service_levels(world):
    with pytest.raises(PermissionDenied):
        save(world, actor=world.partner_a_manager)
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=world.customer_a_contact, code="gold", name="Gold")


def test_closed_days_close_the_calendar_for_everyone_on_it(world):
    calendar = save(world)
    services.closed_day_add(
        actor=world.vendor_admin, calendar=calendar, day=dt.date(2026, 12, 28), name="Office move"
    )
    with pytest.raises(ValidationFailed) as error:
        services.closed_day_add(
            actor=world.vendor_admin, calendar=calendar, day=dt.date(2026, 12, 28), name="Again"
        )
    assert "day" in error.value.fields
    assert ClosedDay.objects.filter(calendar=calendar).count() == 1

    services.target_set(
        actor=world.vendor_admin,
        plan="standard",
        priority="P4",
        calendar=calendar.code,
        first_response=H,
        update_interval=None,
        resolution=None,
    )
    policy = PolicyBook.load().policy("standard", "P4", time_zone="UTC", country="DE")
    assert policy.calendar.is_closed(dt.date(2026, 12, 28))
    assert policy.calendar.time_zone == "Europe/Amsterdam"  # the calendar's own zone wins

    services.closed_day_remove(
        actor=world.vendor_admin, calendar=calendar, day=dt.date(2026, 12, 28)
    )
    assert not ClosedDay.objects.filter(calendar=calendar).exists()


def test_the_business_hours_calendar_takes_the_customers_zone_and_holidays(world):
    book = PolicyBook.load()
    policy = book.policy("standard", "P3", time_zone="America/New_York", country="US")

    assert policy.calendar.time_zone == "America/New_York"
    assert policy.calendar.is_closed(dt.date(2026, 7, 3))  # Independence Day observed
    exotic = book.policy("standard", "P3", time_zone="UTC", country="AC")
    assert "No public holidays are known for AC" in exotic.notes[0]
