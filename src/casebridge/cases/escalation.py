"""Is a case ready to go to the vendor? Every rule of the escalation gate, checked at once.

1. the submitter is an active, verified authorised submitter, with a second factor enrolled
   where the deployment or their organisation requires one (``parties.second_factor``);
2. the partner is qualified (Priority 1 is exempt; CASEBRIDGE_BLOCK_UNQUALIFIED_PARTNERS);
3. the submission guidelines' fields required for the priority and category are filled in
   (which are required is data: ``GuidelineRequirement``);
4. the installed base allows it (supported version, or P1, or a vendor engineer's override).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from casebridge.cases.choices import CAUSES, Audience, Priority
from casebridge.cases.models import Case, GuidelineRequirement
from casebridge.installed_base.gate import escalation_gate
from casebridge.parties.choices import SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.second_factor import has_second_factor, submitters_need_second_factor
from casebridge.parties.selectors import partner_is_qualified, submitter_state

FIELD_LABELS = {
    "expected_behaviour": "Expected behaviour",
    "actual_behaviour": "Actual behaviour",
    "error_messages": "Error messages",
    "steps_to_reproduce": "Steps to reproduce",
    "reproducible": "Whether it reproduces",
    "occurred_at": "When it happened (a sample interaction's time)",
    "frequency": "Frequency",
    "business_impact": "Business impact",
    "users_affected": "Number of users affected",
    "actions_taken": "Actions already taken and their results",
    "causes_ruled_out": "Other causes ruled out",
    "evidence": "Evidence (logs, screenshots, HAR files, exports)",
    "component": "Affected component",
}


MESSAGES_BY_STATE: dict[str, str] = {
    SubmitterState.NOT_REGISTERED: "You are not a registered authorised submitter.",
    SubmitterState.PENDING_VERIFICATION: "The vendor has not verified you yet.",
    SubmitterState.REVOKED: "Your authorisation to submit cases was revoked.",
}
NO_SECOND_FACTOR = (
    "Authorised submitters sign in with a second factor here: enrol an authenticator app or a "
    "security key on your profile first."
)


@dataclass
class Readiness:
    """The gate's verdict: every unmet rule by field, and a checklist for the form."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    checklist: list[tuple[str, bool, str]] = field(default_factory=list)
    gate_outcome: str = ""

    @property
    def ready(self) -> bool:
        return not self.problems

    def check(self, key: str, label: str, ok: bool, message: str) -> None:
        self.checklist.append((label, ok, "" if ok else message))
        if not ok:
            self.problems.setdefault(key, []).append(message)


def required_fields(case: Case) -> list[str]:
    rules = GuidelineRequirement.objects.filter(
        Q(priority="") | Q(priority=case.priority), Q(category="") | Q(category=case.category)
    )
    return sorted(set(rules.values_list("field", flat=True)))


def _filled(case: Case, name: str) -> bool:
    value: Any = getattr(case, f"{name}_id" if name == "component" else name, None)
    if name == "causes_ruled_out":
        return bool(value) and all(cause in CAUSES for cause in value)
    if name == "evidence" and not (value or "").strip():
        # Files shared with the vendor count as evidence as well as written references.
        return case.attachments.filter(
            audience__in=[Audience.PUBLIC, Audience.PARTNER_VENDOR]
        ).exists()
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def escalation_readiness(
    case: Case,
    *,
    submitter: Person,
    overridden_by: Person | None = None,
    override_reason: str = "",
    override_request: str = "",
) -> Readiness:
    """Every rule checked at once. ``override_request`` is the submitter asking the vendor to
    take an unsupported version anyway: the version rule then passes, and the vendor engineer
    who accepts the case grants the override with a reason (or returns it)."""
    readiness = Readiness()
    state = submitter_state(submitter)
    authorised = state == SubmitterState.AUTHORISED
    message = MESSAGES_BY_STATE.get(state, "")
    if authorised and submitters_need_second_factor(submitter) and not has_second_factor(submitter):
        authorised, message = False, NO_SECOND_FACTOR
    readiness.check("submitter", "Submitter is authorised", authorised, message)
    if case.partner is not None:
        qualification = partner_is_qualified(case.partner)
        exempt = case.priority == Priority.P1 or not settings.CASEBRIDGE_BLOCK_UNQUALIFIED_PARTNERS
        readiness.check(
            "partner",
            "Partner is qualified",
            qualification.qualified or exempt,
            "The partner is not qualified: " + " ".join(qualification.reasons),
        )
    for name in required_fields(case):
        readiness.check(
            name,
            FIELD_LABELS.get(name, name),
            _filled(case, name),
            "Required by the submission guidelines."
            if name != "causes_ruled_out"
            else "Say which causes you ruled out (at least one).",
        )
    if case.component_id is not None:
        answer = escalation_gate(
            customer=case.customer,
            component=case.component_id,
            version=case.version,
            priority=case.priority,
            overridden_by=overridden_by,
            override_reason=override_reason,
        )
        readiness.gate_outcome = answer.outcome
        requested = bool(override_request.strip()) and not answer.allowed
        if requested:
            readiness.gate_outcome = "override_requested"
        readiness.check(
            "version",
            "Version is supported (or an override is requested)",
            answer.allowed or requested,
            answer.reason + " Or ask the vendor to accept it anyway, with a reason.",
        )
    return readiness
