"""Who owns an RCA: read from the case's RASCI matrix, never hard-coded.

The cause picks the activity (``rca.vendor_cause`` when the cause was solely a vendor component,
``rca.other_cause`` otherwise); the party holding R for it owns the analysis, the party holding A
signs it off, and the parties holding C or I are attached to be asked and told."""

from __future__ import annotations

from dataclasses import dataclass

from casebridge.cases.choices import CauseAttribution
from casebridge.cases.models import Case
from casebridge.core.errors import ValidationFailed
from casebridge.parties.models import Organisation
from casebridge.rasci import policy

VENDOR_CAUSE = "rca.vendor_cause"
OTHER_CAUSE = "rca.other_cause"


def activity_for(attribution: str) -> str:
    return VENDOR_CAUSE if attribution == CauseAttribution.VENDOR_COMPONENT else OTHER_CAUSE


@dataclass(frozen=True)
class Ownership:
    activity: str
    owner_party: str
    owner: Organisation
    accountable: Organisation
    parties: list[dict[str, object]]


def ownership_for(case: Case, attribution: str) -> Ownership:
    activity = activity_for(attribution)
    holders = policy.responsible_for(activity, case.customer, version=case.matrix_version)
    responsible = next((h for h in holders if "R" in h.letters and h.organisation), None)
    accountable = next((h for h in holders if "A" in h.letters and h.organisation), None)
    if responsible is None or accountable is None:
        raise ValidationFailed(
            f"The matrix {case.matrix_version.label} names nobody responsible and accountable "
            f"for {activity} at {case.customer.name}.",
            fields={"attribution": "No owner for this cause under the case's matrix."},
        )
    assert responsible.organisation is not None
    assert accountable.organisation is not None
    parties = [
        {
            "party": holder.party,
            "letters": holder.letters,
            "organisation_id": holder.organisation.pk,
            "organisation": holder.organisation.name,
        }
        for letter, fetch in (("C", policy.to_consult), ("I", policy.to_inform))
        for holder in fetch(activity, case.customer, version=case.matrix_version)
        if holder.organisation is not None
    ]
    return Ownership(
        activity=activity,
        owner_party=responsible.party,
        owner=responsible.organisation,
        accountable=accountable.organisation,
        parties=parties,
    )
