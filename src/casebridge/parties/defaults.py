"""The operating models every deployment starts with. Data, loaded by a migration; editable."""

from __future__ import annotations

from typing import Any

from casebridge.parties.choices import DefaultOperatingModel

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
