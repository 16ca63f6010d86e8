"""The component catalogue and the end-of-life policy every deployment starts with (data).

``data/components.csv`` lists each component with the party that manages it by default per
operating model and scenario (``model_1/cloud`` …; empty where the component does not occur).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

COMPONENTS_FILE = Path(__file__).resolve().parent / "data" / "components.csv"


def ensure_default_catalogue(apps: Any = None) -> None:
    """Create the missing default components, their default managers and a first policy."""
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    component_model = apps.get_model("installed_base", "Component")
    default_model = apps.get_model("installed_base", "ComponentDefault")
    policy_model = apps.get_model("installed_base", "EndOfLifePolicy")
    operating_model = apps.get_model("parties", "OperatingModel")
    models = set(operating_model.objects.values_list("code", flat=True))
    with COMPONENTS_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            component, created = component_model.objects.get_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "kind": row["kind"],
                    "scenario": row["scenario"],
                    "released_by_vendor": row["released_by_vendor"] == "yes",
                    "update_order": int(row["update_order"]),
                    "description": row["description"],
                },
            )
            if not created:
                continue
            for column, party in row.items():
                if "/" not in column or not party:
                    continue
                model, scenario = column.split("/")
                if model in models:
                    default_model.objects.create(
                        component=component,
                        operating_model_id=model,
                        scenario=scenario,
                        managing_party=party,
                    )
    if not policy_model.objects.exists():
        policy_model.objects.create(
            kind="months_after_successor",
            supported_releases=3,
            months_after_successor=12,
            ending_soon_days=90,
        )
