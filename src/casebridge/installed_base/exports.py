"""The compliance report as CSV: one row per installation with its lifecycle state."""

from __future__ import annotations

import csv
from typing import Any

from casebridge.installed_base.selectors import ComplianceReport


def write_compliance_csv(report: ComplianceReport, target: Any) -> None:
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(
        [
            "customer",
            "partner",
            "component",
            "label",
            "environment",
            "version",
            "release",
            "end_of_life_on",
            "state",
            "managing_party",
        ]
    )
    for item in report.states:
        installation = item.installation
        relationship = getattr(installation.customer, "relationship", None)
        partner = relationship.partner.name if relationship and relationship.partner else ""
        writer.writerow(
            [
                installation.customer.name,
                partner,
                installation.component_id,
                installation.label,
                installation.environment,
                installation.version,
                item.release or "",
                item.end_of_life_on or "",
                item.state,
                installation.managing_party,
            ]
        )
