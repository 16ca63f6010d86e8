"""The operating models every deployment starts with. Data, loaded by a migration; editable."""

from __future__ import annotations

from typing import Any

from casebridge.parties.choices import DefaultOperatingModel, DefaultSupportPlan

DEFAULT_OPERATING_MODELS: list[dict[str, Any]] = [
    {
        "code": DefaultOperatingModel.PARTNER_IMPLEMENTATION.value,
        "name": "Model 1: partner provides implementation",
        "description": (
            "A certified partner implements and runs the product for the customer, answers the "
            "customer at Level 1 and Level 2 Intermediate and escalates to the vendor."
        ),
        "partner_in_between": True,
    },
    {
        "code": DefaultOperatingModel.VENDOR_IMPLEMENTATION.value,
        "name": "Model 2: vendor provides implementation",
        "description": (
            "The vendor implements the product and is the customer's first contact; the customer "
            "carries the partner's duties itself with trained Level 1 staff."
        ),
        "partner_in_between": False,
    },
]


def ensure_default_operating_models(model: Any) -> None:
    """Create the default operating models that are missing (``model`` may be historical)."""
    for values in DEFAULT_OPERATING_MODELS:
        code = values["code"]
        model.objects.get_or_create(
            code=code, defaults={k: v for k, v in values.items() if k != "code"}
        )


DEFAULT_SUPPORT_PLANS: list[dict[str, str]] = [
    {
        "code": DefaultSupportPlan.STANDARD.value,
        "name": DefaultSupportPlan.STANDARD.label,
        "description": "Business-hours service; Priority 1 around the clock where contracted.",
    },
    {
        "code": DefaultSupportPlan.PREMIUM_PLUS.value,
        "name": DefaultSupportPlan.PREMIUM_PLUS.label,
        "description": "Priority 1 around the clock with the shortest targets.",
    },
]


def ensure_default_support_plans(model: Any) -> None:
    """Create the default support plans that are missing (``model`` may be historical)."""
    for values in DEFAULT_SUPPORT_PLANS:
        model.objects.get_or_create(
            code=values["code"], defaults={k: v for k, v in values.items() if k != "code"}
        )
