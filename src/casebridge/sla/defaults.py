"""The calendars and targets every deployment starts with (PRODUCT.md section 5). Data, loaded
by a migration and editable afterwards; nothing reads these constants at run time.

On a business calendar a "day" of target is one working day of the default calendar, eight
working hours. PRODUCT.md leaves Standard Priority 2 open: we promise 4 h / 8 h / 3 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from casebridge.parties.choices import DefaultSupportPlan

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
WORKING_DAY = 8 * H

ALWAYS_OPEN = "24x7"
BUSINESS_HOURS = "business-hours"

DEFAULT_CALENDARS: list[dict[str, Any]] = [
    {"code": ALWAYS_OPEN, "name": "24x7", "always_open": True, "hours": {}},
    {
        "code": BUSINESS_HOURS,
        "name": "Business hours (customer's time zone and public holidays)",
        "always_open": False,
        "hours": {str(day): [[9 * 60, 17 * 60]] for day in range(5)},
        "time_zone": "",
        "public_holidays": True,
        "country": "",
    },
]

#: (plan, priority, first response, update every, resolve, calendar)
DEFAULT_TARGETS: list[tuple[str, str, Any, Any, Any, str]] = [
    (DefaultSupportPlan.PREMIUM_PLUS, "P1", 30 * M, 1 * H, 4 * H, ALWAYS_OPEN),
    (DefaultSupportPlan.PREMIUM_PLUS, "P2", 2 * H, 4 * H, 2 * WORKING_DAY, BUSINESS_HOURS),
    (DefaultSupportPlan.PREMIUM_PLUS, "P3", 8 * H, WORKING_DAY, 5 * WORKING_DAY, BUSINESS_HOURS),
    (DefaultSupportPlan.PREMIUM_PLUS, "P4", 2 * WORKING_DAY, None, None, BUSINESS_HOURS),
    (DefaultSupportPlan.STANDARD, "P1", 1 * H, 2 * H, 8 * H, BUSINESS_HOURS),
    (DefaultSupportPlan.STANDARD, "P2", 4 * H, WORKING_DAY, 3 * WORKING_DAY, BUSINESS_HOURS),
    (DefaultSupportPlan.STANDARD, "P3", 8 * H, WORKING_DAY, 5 * WORKING_DAY, BUSINESS_HOURS),
    (DefaultSupportPlan.STANDARD, "P4", 2 * WORKING_DAY, None, None, BUSINESS_HOURS),
]


def ensure_default_service_levels(calendar_model: Any, target_model: Any, plan_model: Any) -> None:
    """Create the default calendars and the targets of the default plans that are missing."""
    for values in DEFAULT_CALENDARS:
        calendar_model.objects.get_or_create(
            code=values["code"], defaults={k: v for k, v in values.items() if k != "code"}
        )
    for plan, priority, first, update, resolve, calendar in DEFAULT_TARGETS:
        if not plan_model.objects.filter(code=plan).exists():
            continue
        target_model.objects.get_or_create(
            plan_id=str(plan),
            priority=priority,
            defaults={
                "calendar_id": calendar,
                "first_response": first,
                "update_interval": update,
                "resolution": resolve,
            },
        )


def ensure_service_level_defaults() -> None:
    """The default plans, calendars and targets with the live models (for a database that was
    flushed after migrating, as the live-server tests do)."""
    from casebridge.parties.defaults import ensure_default_support_plans
    from casebridge.parties.models import SupportPlan
    from casebridge.sla.models import BusinessCalendar, ServiceTarget

    ensure_default_support_plans(SupportPlan)
    ensure_default_service_levels(BusinessCalendar, ServiceTarget, SupportPlan)
