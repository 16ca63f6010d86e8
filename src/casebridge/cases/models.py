"""The case, its engagements, conversation, phone follow-ups and append-only history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q

from casebridge.cases.choices import (
    Audience,
    Category,
    CauseAttribution,
    ClockPhase,
    EngagementKind,
    Frequency,
    Level,
    MacroScope,
    Priority,
    SearchSource,
)
from casebridge.cases.querysets import CaseQuerySet, CommentQuerySet
from casebridge.core.models import TimeStampedModel
from casebridge.installed_base.models import Component, Installation
from casebridge.parties.choices import SupportLevel
from casebridge.parties.models import Organisation
from casebridge.rasci.models import MatrixVersion
from casebridge.sla.choices import ClockStatus, Metric


class CaseSequence(models.Model):
    """The last case number handed out in a year (locked while a case is created)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class SeverityRule(models.Model):
    """One cell of the severity matrix: impact x urgency → priority (data, editable)."""

    impact = models.CharField(max_length=6, choices=Level.choices)
    urgency = models.CharField(max_length=6, choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="severity_rule_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.impact} x {self.urgency} → {self.priority}"


class GuidelineRequirement(models.Model):
    """A field the submission guidelines require before escalation, for a priority and category
    (empty means any)."""

    field = models.CharField(max_length=40)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)

    class Meta:
        ordering = ["field"]
        constraints = [
            models.UniqueConstraint(
                fields=["field", "priority", "category"], name="guideline_requirement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field} ({self.priority or 'any'}, {self.category or 'any'})"


#: The submission guidelines' fields of a case, in the order the guidelines list them.
GUIDELINE_FIELDS = (
    "expected_behaviour",
    "actual_behaviour",
    "error_messages",
    "steps_to_reproduce",
    "reproducible",
    "occurred_at",
    "frequency",
    "business_impact",
    "users_affected",
    "actions_taken",
    "causes_ruled_out",
    "evidence",
)


class Case(TimeStampedModel):
    """One support case, from the customer's first contact to its closing."""

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_cases"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_cases"
    )
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=20, choices=Category.choices)
    impact = models.CharField(max_length=6, choices=Level.choices)
    urgency = models.CharField(max_length=6, choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    priority_override_reason = models.CharField(max_length=300, blank=True)
    component = models.ForeignKey(
        Component, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    installation = models.ForeignKey(
        Installation, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    version = models.CharField(max_length=40, blank=True)
    tier = models.CharField(max_length=20, choices=SupportLevel.choices, default="l1_basic")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    matrix_version = models.ForeignKey(MatrixVersion, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=1, help_text="Grows with every change (ETag).")
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    external_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The case's number in the desk that sent it (case exchange).",
    )
    external_owner = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose desk the external reference belongs to.",
    )
    follow_up_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The closed case the customer wrote to after its reopen window.",
    )
    cause_attribution = models.CharField(
        max_length=30,
        choices=CauseAttribution.choices,
        blank=True,
        help_text="Recorded when a Priority 1 resolves; decides who owns its RCA.",
    )
    # The submission guidelines' fields.
    expected_behaviour = models.TextField(blank=True)
    actual_behaviour = models.TextField(blank=True)
    error_messages = models.TextField(blank=True)
    steps_to_reproduce = models.TextField(blank=True)
    reproducible = models.BooleanField(null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="A sample interaction.")
    frequency = models.CharField(max_length=12, choices=Frequency.choices, blank=True)
    business_impact = models.TextField(blank=True)
    users_affected = models.PositiveIntegerField(null=True, blank=True)
    actions_taken = models.TextField(blank=True)
    causes_ruled_out = models.JSONField(default=list, blank=True)
    evidence = models.TextField(
        blank=True, help_text="Logs, screenshots, HAR files: links or the attachments' names."
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_cases",
    )
    version_override_request = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why the submitter asks the vendor to take the case on an unsupported version.",
    )
    version_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The vendor engineer who accepted the case despite its version.",
    )
    version_override_reason = models.CharField(max_length=500, blank=True)
    # The queues' keys, copied from the engagements and their clocks by the services in the
    # writing transaction (``clocks_refresh``) so that a queue filtered by status and priority
    # and sorted by due time is one index range, however many cases there are.
    customer_status = models.CharField(max_length=30, blank=True)
    vendor_status = models.CharField(
        max_length=30, blank=True, help_text="Empty while the case is not with the vendor."
    )
    customer_due_at = models.DateTimeField(null=True, blank=True)
    vendor_due_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-updated_at"], name="case_customer_idx"),
            models.Index(fields=["partner", "priority", "-updated_at"], name="case_partner_idx"),
            models.Index(fields=["priority", "-updated_at"], name="case_priority_idx"),
            models.Index(fields=["assignee", "-updated_at"], name="case_assignee_idx"),
            models.Index(fields=["tier", "-updated_at"], name="case_tier_idx"),
            models.Index(fields=["component", "-updated_at"], name="case_component_idx"),
            models.Index(fields=["partner", "-created_at"], name="case_partner_created_idx"),
            models.Index(
                fields=["partner", "customer_status", "customer_due_at"],
                name="case_partner_due_idx",
            ),
            models.Index(
                fields=["partner", "customer_status", "priority", "customer_due_at"],
                name="case_partner_prio_due_idx",
            ),
            models.Index(
                fields=["customer", "customer_status", "customer_due_at"],
                name="case_customer_due_idx",
            ),
            # Not partial: SQLite uses a partial index only when the query repeats its
            # condition word for word, and "status = x" does not.
            models.Index(fields=["vendor_status", "vendor_due_at"], name="case_vendor_due_idx"),
            models.Index(
                fields=["vendor_status", "priority", "vendor_due_at"],
                name="case_vendor_prio_due_idx",
            ),
            # Newest change first (the vendor's default queue walks it and stops at a page).
            models.Index(fields=["-updated_at", "-id"], name="case_updated_idx"),
            models.Index(fields=["partner", "-updated_at"], name="case_partner_updated_idx"),
            # The 24x7 line: a caller's open Priority 1 cases.
            models.Index(
                fields=["customer", "priority", "closed_at"], name="case_customer_open_idx"
            ),
            models.Index(fields=["partner", "priority", "closed_at"], name="case_partner_open_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_owner", "external_reference"],
                condition=~Q(external_reference=""),
                name="case_external_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Engagement(TimeStampedModel):
    """One relationship's side of a case: the customer's, and once escalated the vendor's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField(max_length=10, choices=EngagementKind.choices)
    status = models.CharField(max_length=30)
    tier = models.CharField(max_length=20, choices=SupportLevel.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="engagement_one_per_kind"),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "case"], name="engagement_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}: {self.status}"


class CaseClock(models.Model):
    """The stored reading of one service-level clock, kept to index the sweep.

    The truth is the case history: :mod:`casebridge.cases.clocks` recomputes a reading from the
    events when a priority, plan or policy changes (the repair); a write moves the ledger kept
    here on by its new events instead. ``next_check_at`` is
    when the sweep must look again (a warning or breach not yet raised), NULL when nothing is
    pending; ``warned_cycle`` and ``breached_cycle`` record what was raised, so each is raised
    once per target (an update clock has a new target, a new cycle, after every answer)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    engagement = models.CharField(max_length=10, choices=EngagementKind.choices)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    status = models.CharField(max_length=10, choices=ClockStatus.choices)
    plan = models.CharField(max_length=40, blank=True)
    priority = models.CharField(max_length=2, blank=True)
    calendar = models.CharField(max_length=40, blank=True)
    target = models.DurationField(null=True, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    cycle = models.PositiveIntegerField(default=0)
    warned_cycle = models.PositiveIntegerField(default=0)
    breached_cycle = models.PositiveIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()
    # The ledger a write moves on by its new events (casebridge.cases.clock_ledger): working
    # time counted up to ``counted_at`` (NULL: nothing to count), counting on from there unless
    # ``paused``, and when the target and the warning share are (or were) reached; the
    # engagement's phase; the last case event it includes (0: replay the history first).
    counted = models.DurationField(default=dt.timedelta(0), db_default=dt.timedelta(0))
    counted_at = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False, db_default=False)
    reaches_target_at = models.DateTimeField(null=True, blank=True)
    reaches_warning_at = models.DateTimeField(null=True, blank=True)
    engagement_phase = models.CharField(
        max_length=10, choices=ClockPhase.choices, blank=True, default="", db_default=""
    )
    events_through = models.PositiveBigIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["case_id", "engagement", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "engagement", "metric"], name="case_clock_one_per_metric"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="case_clock_sweep_idx",
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(
                fields=["status", "due_at"],
                name="case_clock_due_idx",
                condition=Q(due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.engagement} {self.metric}: {self.status}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("case history is append-only: events are never updated")

    def delete(self) -> NoReturn:
        raise TypeError("case history is append-only: events are never deleted")


class CaseEvent(models.Model):
    """One change to a case, appended once and never changed (who, when, what, before/after)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    kind = models.CharField(max_length=40)
    engagement = models.CharField(max_length=10, choices=EngagementKind.choices, blank=True)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["case", "occurred_at"], name="case_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("case history is append-only: events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("case history is append-only: events are never deleted")


class Comment(models.Model):
    """A message on a case for an audience; the Markdown is kept and rendered sanitised."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField()

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "audience", "created_at"], name="comment_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.audience} by {self.author_id}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """Evidence on a case: logs, screenshots, HAR files; stored under a random name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "audience"], name="attachment_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.original_name}"


class PhoneFollowUp(models.Model):
    """A call on the 24x7 line about a case (Priority 1 follow-up)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phone_calls")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    caller_number = models.CharField(max_length=20)
    called_at = models.DateTimeField()
    summary = models.TextField()
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} call from {self.caller_number}"


class IdempotencyRecord(models.Model):
    """A client's Idempotency-Key for a case it created: a retry gets the same case back, the
    same key with another payload is refused."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    payload_sha256 = models.CharField(
        max_length=64, blank=True, help_text="What was asked; empty for records made before."
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id}:{self.key} → {self.case_id}"


class SavedView(models.Model):
    """A queue's filters saved under a name: its owner's own, or shared with the owner's
    organisation (a desk-wide view, saved by a manager or an administrator)."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    shared = models.BooleanField(default=False, help_text="Shown to everyone of the desk.")
    filters = models.JSONField(default=dict, help_text="The queue's query parameters.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner"),
        ]
        indexes = [
            models.Index(fields=["organisation", "shared", "name"], name="saved_view_desk_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Macro(TimeStampedModel):
    """A canned reply: a message body with placeholders, optionally an audience to set and a
    workflow step to apply after it is sent. Its owner's own, its desk's (kept by the desk's
    managers) or published by the vendor for every partner desk."""

    name = models.CharField(max_length=80)
    body = models.TextField(help_text="Markdown with placeholders such as {{ case.number }}.")
    scope = models.CharField(max_length=10, choices=MacroScope.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="macros"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(
        max_length=20, choices=Audience.choices, blank=True, help_text="Set when inserted."
    )
    action = models.CharField(
        max_length=40, blank=True, help_text="A step of the workflow table, applied after sending."
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organisation", "scope", "name"], name="macro_desk_idx"),
            models.Index(fields=["scope", "name"], name="macro_scope_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchEntry(models.Model):
    """One searchable text of a case, readable by one audience: the case's details (title,
    description and the guideline fields, public), a message (its audience) or a file's name
    (the file's audience). Written in the same transaction as the text it copies
    (:mod:`casebridge.cases.search`).

    On PostgreSQL ``document`` holds the text's ``tsvector`` under a GIN index; on SQLite the
    migration adds an FTS5 table over ``title`` and ``body`` that triggers on this table keep
    in step (a migration that rebuilds this table must create those triggers again)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=12, choices=SearchSource.choices)
    #: The comment's or the attachment's id; the case's own for its details.
    source_id = models.PositiveBigIntegerField()
    audience = models.CharField(max_length=20, choices=Audience.choices)
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    document = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="search_entry_source"),
        ]
        indexes = [models.Index(fields=["case", "audience"], name="search_entry_case_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.source_id} of {self.case_id}"
