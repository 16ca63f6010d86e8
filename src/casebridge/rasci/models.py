"""Matrix versions of an operating model, their activities, the letters, and relationship pins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casebridge.core.models import TimeStampedModel
from casebridge.parties.models import CustomerRelationship, OperatingModel
from casebridge.rasci.choices import Party, VersionStatus
from casebridge.rasci.letters import format_letters


class MatrixVersion(TimeStampedModel):
    """One version of an operating model's matrix: a draft, then published (immutable), retired."""

    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.PROTECT, related_name="matrix_versions"
    )
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    notes = models.TextField(blank=True, help_text="What changed and why.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["operating_model", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["operating_model", "number"], name="matrix_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["operating_model"],
                condition=Q(status=VersionStatus.PUBLISHED),
                name="matrix_version_one_published",
            ),
            models.UniqueConstraint(
                fields=["operating_model"],
                condition=Q(status=VersionStatus.DRAFT),
                name="matrix_version_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operating_model_id} v{self.number} ({self.status})"

    @property
    def label(self) -> str:
        return f"{self.operating_model_id} v{self.number}"

    @property
    def title(self) -> str:
        """The version as people name it: "Model 1: partner provides implementation, version 2"
        (``label`` is the code form, for logs and exports)."""
        return f"{self.operating_model.name}, version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Activity(models.Model):
    """An activity of one matrix version, by its stable code (``case.submit``)."""

    version = models.ForeignKey(MatrixVersion, on_delete=models.CASCADE, related_name="activities")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40)
    roles = models.JSONField(
        default=list,
        blank=True,
        help_text="The roles whose people stand behind the party's letter (agent, engineer, …).",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the table.")

    class Meta:
        ordering = ["version_id", "position", "code"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="activity_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class Assignment(models.Model):
    """One party's letters for one activity: ``R``, ``A``, ``RA`` (A/R), ``S``, ``C`` or ``I``."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="assignments")
    party = models.CharField(max_length=10, choices=Party.choices)
    letters = models.CharField(max_length=5)

    class Meta:
        ordering = ["activity_id", "party"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "party"], name="assignment_unique_party"),
            models.CheckConstraint(
                condition=Q(letters__in=["R", "A", "RA", "S", "C", "I"]),
                name="assignment_letters_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.party}: {format_letters(self.letters)}"


class MatrixPin(TimeStampedModel):
    """A customer relationship held on one matrix version (a contract signed on that version).

    Without a pin, a relationship follows its operating model's published version.
    """

    relationship = models.OneToOneField(
        CustomerRelationship, on_delete=models.CASCADE, related_name="matrix_pin"
    )
    version = models.ForeignKey(MatrixVersion, on_delete=models.PROTECT, related_name="pins")
    reason = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"{self.relationship_id} pinned to {self.version}"
