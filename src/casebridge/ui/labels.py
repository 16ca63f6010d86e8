"""Every code the portal shows, as people say it: one registry of the vocabularies (the domain's
``TextChoices`` and the few code lists that are plain tuples), read by the ``label`` template
filter. A code the registry does not know is shown as words (``in_progress`` → "In progress"),
never as it is stored."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models

from casebridge.cases.choices import (
    CAUSE_LABELS,
    Audience,
    Category,
    CauseAttribution,
    CustomerStatus,
    EngagementKind,
    Frequency,
    Level,
    MacroScope,
    ReturnReason,
    SearchSource,
    VendorStatus,
)
from casebridge.core.choices import DeliveryStatus as OutboxDeliveryStatus
from casebridge.identity.choices import InvitationState, SsoProtocol
from casebridge.installed_base.choices import (
    ComponentKind,
    Environment,
    GateOutcome,
    Lifecycle,
    PolicyKind,
    ScenarioScope,
)
from casebridge.notifications.choices import (
    DeliveryStatus,
    InboundOutcome,
    NotificationStatus,
    Purpose,
)
from casebridge.parties.choices import (
    AutoAssignment,
    OrganisationKind,
    Role,
    Scenario,
    SubmitterState,
    SupportLevel,
    TokenScope,
)
from casebridge.rasci.choices import VersionStatus
from casebridge.rca.choices import ActionKind, ActionStatus, RcaStatus
from casebridge.reports.choices import Grouping, Measure
from casebridge.sla.choices import ClockStatus, Metric, Priority

_CHOICES: dict[str, type[models.TextChoices]] = {
    "audience": Audience,
    "category": Category,
    "attribution": CauseAttribution,
    "customer_status": CustomerStatus,
    "vendor_status": VendorStatus,
    "engagement": EngagementKind,
    "frequency": Frequency,
    "level": Level,
    "macro_scope": MacroScope,
    "return_reason": ReturnReason,
    "search_source": SearchSource,
    "invitation_state": InvitationState,
    "sso_protocol": SsoProtocol,
    "component_kind": ComponentKind,
    "environment": Environment,
    "gate_outcome": GateOutcome,
    "lifecycle": Lifecycle,
    "eol_policy": PolicyKind,
    "delivery_status": DeliveryStatus,
    "outbox_delivery_status": OutboxDeliveryStatus,
    "inbound_outcome": InboundOutcome,
    "scenario_scope": ScenarioScope,
    "notification_status": NotificationStatus,
    "purpose": Purpose,
    "party": OrganisationKind,
    "role": Role,
    "scenario": Scenario,
    "submitter_state": SubmitterState,
    "support_level": SupportLevel,
    "auto_assignment": AutoAssignment,
    "token_scope": TokenScope,
    "matrix_status": VersionStatus,
    "rca_action_kind": ActionKind,
    "rca_action_status": ActionStatus,
    "rca_status": RcaStatus,
    "clock_status": ClockStatus,
    "metric": Metric,
    "priority": Priority,
    "measure": Measure,
    "report_grouping": Grouping,
}

VOCABULARIES: dict[str, Mapping[str, str]] = {
    **{name: dict(choices.choices) for name, choices in _CHOICES.items()},
    "cause": CAUSE_LABELS,
}


def as_words(code: str) -> str:
    """A code nobody has labelled yet, readable: ``waiting_on_partner`` → "Waiting on partner"."""
    text = code.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def label(value: object, vocabulary: str) -> str:
    """The label of ``value`` in ``vocabulary`` ("customer_status", "lifecycle", …); an
    unknown vocabulary is a programming error, an unknown value is shown as words."""
    if value is None or value == "":
        return "—"
    labels = VOCABULARIES[vocabulary]
    code = str(value)
    return labels.get(code) or as_words(code)


def status_label(value: object, engagement: str) -> str:
    """An engagement's status, in the vocabulary of its side."""
    vocabulary = "vendor_status" if engagement == EngagementKind.VENDOR else "customer_status"
    return label(value, vocabulary)
