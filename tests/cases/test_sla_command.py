"""``casebridge sla``: explain, sweep, repair, plans, calendars."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from casebridge.cases.models import CaseEvent

AMS = ZoneInfo("Europe/Amsterdam")


def run(*args):
    out = io.StringIO()
    call_command("sla", *args, stdout=out)
    return out.getvalue()


def test_explain_shows_the_counted_intervals_and_the_skipped_holiday(open_case):
    with time_machine.travel(dt.datetime(2026, 4, 24, 16, 0, tzinfo=AMS), tick=False):
        case = open_case(impact="medium", urgency="medium")
        text = run("explain", case.number.lower(), "--metric", "first_response")

    assert "standard · P3 · target 8 h on Business hours" in text
    assert "due Tue 28 Apr 2026 16:00" in text
    assert "Fri 24 Apr 2026 16:00 - 17:00        1 h  (total 1 h)" in text
    assert "Tue 28 Apr 2026 09:00 - 16:00        7 h  (total 8 h)" in text
    assert "closed Mon 27 Apr 2026" in text


def test_explain_names_bad_input(open_case):
    with pytest.raises(CommandError, match="no case 'CB-1'"):
        run("explain", "CB-1")
    case = open_case()
    with pytest.raises(CommandError, match="not a time zone"):
        run("explain", case.number, "--tz", "Mars/Base")


def test_sweep_and_repair_report_what_they_did(open_case):
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0, tzinfo=AMS), tick=False) as travel:
        open_case(impact="high", urgency="high")
        travel.move_to(dt.datetime(2026, 6, 15, 10, 30, tzinfo=AMS))
        assert run("sweep") == "raised 1 warning(s) and breach(es)\n"
        assert run("sweep") == "raised 0 warning(s) and breach(es)\n"
        assert "recomputed the clocks of 1 open case(s)" in run("repair")
    assert CaseEvent.objects.get(kind="sla_breached").after["metric"] == "first_response"
    assert not CaseEvent.objects.filter(kind="sla_warning").exists()  # resolution warns at 15:00
    with pytest.raises(CommandError, match="no organisation"):
        run("repair", "--customer", "nobody")


def test_plans_and_calendars_list_the_policy(world):
    plans = run("plans")
    assert "premium_plus  Premium Plus" in plans
    assert "P1  first response   30 min" in plans
    assert "business-hours" in run("calendars")
