"""The default severity matrix and guideline requirements (data; loaded by a migration)."""

from __future__ import annotations

from typing import Any

from casebridge.cases.data.severity_and_guidelines import GUIDELINES, SEVERITY


def ensure_case_defaults(apps: Any = None) -> None:
    """Create the missing severity cells and guideline requirements; never changes edited ones."""
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    severity_rule = apps.get_model("cases", "SeverityRule")
    requirement = apps.get_model("cases", "GuidelineRequirement")
    for (impact, urgency), priority in SEVERITY.items():
        severity_rule.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    for field, priority, category in GUIDELINES:
        requirement.objects.get_or_create(field=field, priority=priority, category=category)
