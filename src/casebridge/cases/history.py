"""A case's history in words: one sentence per event ("Bluewater escalated to the vendor"),
built from the event as the reader may read it (details another audience may not read are
already gone, see :func:`casebridge.cases.audiences.event_read`).

Pure functions over the event's kind, its before/after details and who acted; the one lookup
they need (the names of assignees) is passed in, so a timeline costs no query per line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from casebridge.cases.choices import (
    CauseAttribution,
    CustomerStatus,
    EngagementKind,
    ReturnReason,
    VendorStatus,
)
from casebridge.cases.models import GUIDELINE_FIELDS
from casebridge.sla.choices import Metric, Priority

#: What each workflow step did, as the end of a sentence whose subject is who acted.
STEP_PHRASES: dict[tuple[str, str], str] = {
    (EngagementKind.CUSTOMER, "triage"): "took the case into triage",
    (EngagementKind.CUSTOMER, "start"): "started work on the case",
    (EngagementKind.CUSTOMER, "wait_on_customer"): "asked the customer for information",
    (EngagementKind.CUSTOMER, "resume"): "resumed work on the case",
    (EngagementKind.CUSTOMER, "escalate"): "escalated to the vendor",
    (EngagementKind.CUSTOMER, "propose_solution"): "proposed a solution",
    (EngagementKind.CUSTOMER, "reject_solution"): "said the proposed solution did not work",
    (EngagementKind.CUSTOMER, "resolve"): "resolved the case",
    (EngagementKind.CUSTOMER, "close"): "closed the case",
    (EngagementKind.CUSTOMER, "reopen"): "reopened the case",
    (EngagementKind.VENDOR, "accept"): "accepted the escalation",
    (EngagementKind.VENDOR, "return"): "returned the escalation to the submitter",
    (EngagementKind.VENDOR, "resubmit"): "submitted the escalation again",
    (EngagementKind.VENDOR, "to_expert"): "handed the case to Level 3 Expert",
    (EngagementKind.VENDOR, "to_advanced"): "handed the case back to Level 2 Advanced",
    (EngagementKind.VENDOR, "request_information"): "asked the submitter for information",
    (EngagementKind.VENDOR, "answer"): "answered the vendor's question",
    (EngagementKind.VENDOR, "provide_solution"): "provided a solution",
    (EngagementKind.VENDOR, "confirm"): "confirmed the vendor's solution",
    (EngagementKind.VENDOR, "reject"): "said the vendor's solution does not work",
}

_STATUS_LABELS = {
    EngagementKind.CUSTOMER: dict(CustomerStatus.choices),
    EngagementKind.VENDOR: dict(VendorStatus.choices),
}
_FIELD_LABELS = {
    "title": "title",
    "description": "description",
    "category": "category",
    "impact": "impact",
    "urgency": "urgency",
    "component": "component",
    "version": "version",
    **{name: name.replace("_", " ") for name in GUIDELINE_FIELDS},
}


def who(event: Any) -> str:
    """The subject of an event's sentence: the acting person's organisation, or casebridge."""
    actor = getattr(event, "actor", None)
    if actor is None:
        return "casebridge"
    return str(actor.organisation.name)


def _label(choices: Mapping[str, str], value: Any) -> str:
    return choices.get(value, str(value)) if value not in (None, "") else "—"


def _reason(after: Mapping[str, Any]) -> str:
    reason = after.get("reason")
    if not reason:
        return ""
    return f": {_label(dict(ReturnReason.choices), reason)}"


def _opened(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    after = read["after"]
    priority = _label(dict(Priority.choices), after.get("priority"))
    follow_up = f", following up {after['follow_up_of']}" if after.get("follow_up_of") else ""
    return f"opened the case as {priority}{follow_up}"


def _assigned(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    side = "vendor" if read["engagement"] == EngagementKind.VENDOR else "customer"
    assignee = read["after"].get("assignee_id")
    if assignee is None:
        return f"unassigned the {side} side"
    rule = AUTOMATIC_RULES.get(read["after"].get("rule", ""), "")
    return f"assigned the {side} side to {names.get(assignee, 'someone')}{rule}"


#: How an automatic assignment chose its person, as its history line ends.
AUTOMATIC_RULES = {
    "round_robin": " automatically, in turn",
    "least_loaded": " automatically, to the person with the fewest open cases",
}


def _priority(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    labels = dict(Priority.choices)
    before = _label(labels, read["before"].get("priority"))
    after = _label(labels, read["after"].get("priority"))
    return f"changed the priority from {before} to {after}{_reason(read['after'])}"


def _attribution(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    cause = _label(dict(CauseAttribution.choices), read["after"].get("attribution"))
    return f"recorded the cause: {cause}{_reason(read['after'])}"


def _details(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    changed = [_FIELD_LABELS.get(name, name.replace("_", " ")) for name in read["after"]]
    if not changed:
        return "changed the case details"
    return "changed the " + ", ".join(changed)


def _followed(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
    status = _label(_STATUS_LABELS[EngagementKind.CUSTOMER], read["after"].get("status"))
    return f"moved the customer side to {status}"


def _clock(verb: str) -> Callable[[Mapping[str, Any], Mapping[int, str]], str]:
    def phrase(read: Mapping[str, Any], names: Mapping[int, str]) -> str:
        metric = _label(dict(Metric.choices), read["after"].get("metric"))
        side = "vendor" if read["engagement"] == EngagementKind.VENDOR else "customer"
        return f"noted that the {side} side's {metric.lower()} target {verb}"

    return phrase


def _fixed(text: str) -> Callable[[Mapping[str, Any], Mapping[int, str]], str]:
    return lambda read, names: text


PHRASES: dict[str, Callable[[Mapping[str, Any], Mapping[int, str]], str]] = {
    "opened": _opened,
    "submitted": _fixed("submitted the case to the vendor"),
    "commented": _fixed("wrote a message"),
    "attached": lambda read, names: f"attached {read['after'].get('name') or 'a file'}",
    "details_changed": _details,
    "assigned": _assigned,
    "priority_changed": _priority,
    "attribution_changed": _attribution,
    "status_followed": _followed,
    "phone_call": _fixed("logged a phone call"),
    "follow_up_opened": lambda read, names: (
        f"opened the follow-up case {read['after'].get('number', '')}".rstrip()
    ),
    "version_override_granted": lambda read, names: (
        f"accepted the case on version {read['after'].get('version') or '—'} despite the "
        "end-of-life policy"
    ),
    "sla_warning": _clock("is due soon"),
    "sla_breached": _clock("was breached"),
    "rca_opened": _fixed("opened the root-cause analysis"),
    "rca_reassigned": _fixed("handed the root-cause analysis to another party"),
    "rca_signed": _fixed("signed off the root-cause analysis"),
    "rca_overdue": _fixed("noted that the root-cause analysis is overdue"),
}


def event_sentence(read: Mapping[str, Any], *, subject: str, names: Mapping[int, str]) -> str:
    """One history line as a sentence: ``Bluewater escalated to the vendor``."""
    kind = read["kind"]
    step = STEP_PHRASES.get((read["engagement"], kind))
    if step is not None:
        text = step
        if kind == "return":
            text += _reason(read["after"])
    elif kind in PHRASES:
        text = PHRASES[kind](read, names)
    else:  # a kind this module does not know yet: still words, never the code alone
        text = kind.replace("_", " ")
    return f"{subject} {text}"


def assignee_ids(reads: Sequence[Mapping[str, Any]]) -> set[int]:
    """The people named by the assignment lines among ``reads`` (one lookup for all)."""
    return {
        read["after"]["assignee_id"]
        for read in reads
        if read["kind"] == "assigned" and read["after"].get("assignee_id") is not None
    }
