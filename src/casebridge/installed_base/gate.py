"""The escalation gate's input from the installed base: will the vendor take a case filed
against this component version, or must the customer upgrade first?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casebridge.core import clock
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.installed_base.choices import GateOutcome, Lifecycle
from casebridge.installed_base.selectors import Catalogue
from casebridge.parties.models import Organisation, Person
from casebridge.rasci import policy

#: The activity whose R/A may overrule the gate: the vendor's Level 2 Advanced / Level 3 Expert.
OVERRIDE_ACTIVITY = "support.l2_advanced_l3"


@dataclass(frozen=True)
class GateAnswer:
    outcome: str
    allowed: bool
    state: str
    release: str | None
    end_of_life_on: dt.date | None
    supported_versions: tuple[str, ...]
    reason: str


def escalation_gate(
    *,
    customer: Organisation,
    component: str,
    version: str,
    priority: str,
    overridden_by: Person | None = None,
    override_reason: str = "",
    on: dt.date | None = None,
) -> GateAnswer:
    """Allowed, or "upgrade first" with the supported versions; a P1 always passes, and a vendor
    engineer may let an unsupported version through with a reason."""
    day = on or clock.today()
    catalogue = Catalogue.load()
    state, release = catalogue.state(component, version, day)
    end_of_life = catalogue.end_of_life(release) if release else None
    supported = tuple(catalogue.supported_versions(component, day))

    def answer(outcome: str, reason: str) -> GateAnswer:
        allowed = outcome != GateOutcome.UPGRADE_FIRST
        return GateAnswer(outcome, allowed, state, release, end_of_life, supported, reason)

    if overridden_by is not None:
        if not override_reason.strip():
            raise ValidationFailed(
                "An override needs a reason.", fields={"override_reason": "Say why."}
            )
        decision = policy.decide(overridden_by, OVERRIDE_ACTIVITY, customer)
        if not decision.allowed or decision.party != "vendor":
            raise PermissionDenied(
                "Only the vendor's Level 2 Advanced / Level 3 engineers override the gate."
            )
    if state == Lifecycle.NOT_TRACKED:
        return answer(GateOutcome.NOT_TRACKED, f"{component} has no vendor releases to check.")
    if state == Lifecycle.SUPPORTED:
        return answer(GateOutcome.ALLOWED, f"{component} {version} is supported.")
    if state == Lifecycle.ENDING_SOON:
        return answer(
            GateOutcome.ALLOWED_ENDING_SOON,
            f"{component} {version} is supported until {end_of_life}; plan the upgrade.",
        )
    what = (
        f"{component} {version} is past its end of life ({end_of_life})"
        if state == Lifecycle.UNSUPPORTED
        else f"no release ships {component} {version}"
    )
    if priority.upper() == "P1":
        return answer(GateOutcome.P1_EXEMPT, f"{what}, but a Priority 1 is never held back.")
    if overridden_by is not None:
        return answer(
            GateOutcome.OVERRIDDEN,
            f"{what}; {overridden_by.full_name} let it through: {override_reason.strip()}",
        )
    upgrade = ", ".join(supported) or "none"
    return answer(GateOutcome.UPGRADE_FIRST, f"{what}: upgrade first (supported: {upgrade}).")
