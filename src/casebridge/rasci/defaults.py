"""The default matrices of both operating models, shipped as ``data/default_matrices.csv``.

Loaded by a data migration as version 1, published, of each model that has no version yet.
Tests derive their expectations from the same file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from casebridge.parties.defaults import ensure_default_operating_models
from casebridge.rasci.imports import ParsedMatrices, parse_csv

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "default_matrices.csv"


def default_matrices() -> ParsedMatrices:
    parsed = parse_csv(DEFAULTS_FILE.read_text(encoding="utf-8"))
    if parsed.problems:  # the shipped file is ours: a problem here is a bug, said loudly
        raise ValueError("; ".join(str(problem) for problem in parsed.problems))
    return parsed


def ensure_default_matrices(apps: Any = None) -> list[str]:
    """Publish version 1 of each default model that has no version; return the models loaded.

    ``apps`` is a migration's app registry, or None for the running code's models.
    """
    if apps is None:
        from django.apps import apps as registry

        apps = registry
    operating_model = apps.get_model("parties", "OperatingModel")
    matrix_version = apps.get_model("rasci", "MatrixVersion")
    activity_model = apps.get_model("rasci", "Activity")
    assignment_model = apps.get_model("rasci", "Assignment")
    ensure_default_operating_models(operating_model)
    loaded = []
    for code, numbered in default_matrices().rows.items():
        model = operating_model.objects.get(code=code)
        if matrix_version.objects.filter(operating_model=model).exists():
            continue
        version = matrix_version.objects.create(
            operating_model=model,
            number=1,
            status="published",
            published_at=timezone.now(),
            notes="The default matrix shipped with casebridge.",
        )
        for position, (_, row) in enumerate(numbered):
            activity = activity_model.objects.create(
                version=version,
                code=row.code,
                name=row.name,
                description=row.description,
                category=row.category,
                roles=list(row.roles),
                position=position,
            )
            assignment_model.objects.bulk_create(
                assignment_model(activity=activity, party=party, letters=letters)
                for party, letters in row.letters.items()
                if letters
            )
        loaded.append(code)
    return loaded
