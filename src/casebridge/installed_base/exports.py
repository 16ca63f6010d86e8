"""The compliance report as CSV: one row per installation with its lifecycle state."""

from __future__ import annotations

from casebridge.core.exports import Writable, write_csv
from casebridge.installed_base.selectors import ComplianceReport, InstallationState

COMPLIANCE_COLUMNS = (
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
)


def write_compliance_csv(report: ComplianceReport, target: Writable) -> None:
    write_csv(target, COMPLIANCE_COLUMNS, (_row(item) for item in report.states))


def _row(item: InstallationState) -> list[object]:
    installation = item.installation
    relationship = getattr(installation.customer, "relationship", None)
    partner = relationship.partner.name if relationship and relationship.partner else ""
    return [
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
