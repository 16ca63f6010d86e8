"""Root-cause analyses: one per Priority 1 case, owned by the party the RASCI matrix makes
responsible for its cause, worked as a draft and signed off by the accountable party.

A signed RCA is never edited: a change starts a new revision (a draft again) while the signed
snapshots stay readable in ``RcaRevision``; the latest of them is the published RCA."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casebridge.cases.choices import CauseAttribution
from casebridge.cases.models import Case
from casebridge.core.models import TimeStampedModel
from casebridge.parties.models import Organisation
from casebridge.rasci.choices import Party
from casebridge.rca.choices import ActionKind, ActionStatus, RcaStatus


class Rca(TimeStampedModel):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rca")
    attribution = models.CharField(max_length=30, choices=CauseAttribution.choices)
    activity = models.CharField(max_length=60, help_text="rca.vendor_cause or rca.other_cause.")
    owner_party = models.CharField(max_length=10, choices=Party.choices)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    accountable = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Signs it off (A for the activity; usually the owner itself).",
    )
    parties = models.JSONField(
        default=list, blank=True, help_text="Consulted and informed parties from the matrix."
    )
    named = models.ManyToManyField(
        Organisation,
        related_name="+",
        blank=True,
        help_text="The organisations of ``parties``, kept with it: whom the RCA is shown to.",
    )
    status = models.CharField(max_length=10, choices=RcaStatus.choices, default=RcaStatus.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    timeline = models.JSONField(default=list, blank=True, help_text='[{"at": ISO, "text": ""}]')
    impact = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    public_summary = models.TextField(
        blank=True, help_text="What the customer reads once it is signed."
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-opened_at"], name="rca_owner_idx"),
            models.Index(fields=["accountable", "-opened_at"], name="rca_accountable_idx"),
            models.Index(fields=["attribution", "-opened_at"], name="rca_attribution_idx"),
            models.Index(
                fields=["due_at"],
                name="rca_overdue_idx",
                condition=Q(status="draft"),
            ),
        ]

    def __str__(self) -> str:
        return f"RCA {self.case_id} r{self.revision}"


class RcaAction(models.Model):
    """A corrective or preventive action: who does what by when."""

    rca = models.ForeignKey(Rca, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default="open")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["rca", "due_on", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.description[:40]}"


class RcaRevision(models.Model):
    """A signed revision, frozen: the full content and the public version."""

    rca = models.ForeignKey(Rca, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    content = models.JSONField()
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rca", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["rca", "revision"], name="rca_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"RCA {self.rca_id} r{self.revision} (signed)"
