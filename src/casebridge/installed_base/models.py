"""Components, their default managers, releases and bundles, the end-of-life policy, and each
customer's installations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casebridge.core.models import TimeStampedModel
from casebridge.installed_base.choices import (
    ComponentKind,
    Environment,
    ManagingParty,
    PolicyKind,
    ScenarioScope,
)
from casebridge.installed_base.querysets import InstallationQuerySet
from casebridge.parties.models import OperatingModel, Organisation


class Component(TimeStampedModel):
    """A kind of system in a customer's landscape (the product back-end, the tenant, an SBC …)."""

    code = models.SlugField(max_length=60, primary_key=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ComponentKind.choices)
    scenario = models.CharField(
        max_length=12, choices=ScenarioScope.choices, default=ScenarioScope.BOTH
    )
    released_by_vendor = models.BooleanField(
        help_text="Its versions come in the vendor's releases (and so have an end of life)."
    )
    update_order = models.PositiveSmallIntegerField(
        default=100, help_text="When updating on-premises: lower first (Core, then the template)."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["update_order", "code"]

    def __str__(self) -> str:
        return self.name


class ComponentDefault(models.Model):
    """Which party manages a component by default, per operating model and scenario."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="defaults")
    operating_model = models.ForeignKey(OperatingModel, on_delete=models.CASCADE, related_name="+")
    scenario = models.CharField(max_length=12, choices=ScenarioScope.choices)
    managing_party = models.CharField(max_length=10, choices=ManagingParty.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["component", "operating_model", "scenario"],
                name="component_default_unique",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.component_id} {self.operating_model_id}/{self.scenario}: {self.managing_party}"
        )


class Release(TimeStampedModel):
    """A product release (``2024.10``): dates and the bundle of component versions it ships."""

    version = models.CharField(max_length=20, unique=True, help_text="Date-style, e.g. 2024.10.")
    released_on = models.DateField()
    end_of_support_on = models.DateField(
        null=True, blank=True, help_text="Explicit; otherwise the end-of-life policy decides."
    )
    end_of_life_on = models.DateField(
        null=True, blank=True, help_text="Explicit; otherwise the end-of-life policy decides."
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-released_on", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_of_life_on__isnull=True) | Q(end_of_life_on__gt=F("released_on")),
                name="release_end_of_life_after_release",
            ),
            models.CheckConstraint(
                condition=Q(end_of_support_on__isnull=True)
                | Q(end_of_support_on__gte=F("released_on")),
                name="release_end_of_support_after_release",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class BundleItem(models.Model):
    """One component version shipped in a release; a version belongs to one release only."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="bundle")
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="+")
    component_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["release", "component__update_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "component_version"], name="bundle_version_in_one_release"
            ),
            models.UniqueConstraint(
                fields=["release", "component"], name="bundle_one_version_per_component"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.component_id} {self.component_version}"


class EndOfLifePolicy(TimeStampedModel):
    """How long releases stay supported when they carry no explicit dates. The latest row rules."""

    kind = models.CharField(max_length=30, choices=PolicyKind.choices)
    supported_releases = models.PositiveSmallIntegerField(
        default=3, help_text="N, for 'the last N releases'."
    )
    months_after_successor = models.PositiveSmallIntegerField(
        default=12, help_text="M, for 'until M months after the next release'."
    )
    ending_soon_days = models.PositiveSmallIntegerField(
        default=90, help_text="How long before its end of life a version counts as ending soon."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "end-of-life policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(supported_releases__gte=1), name="policy_at_least_one_release"
            ),
            models.CheckConstraint(
                condition=Q(months_after_successor__gte=1), name="policy_at_least_one_month"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == PolicyKind.LAST_N_RELEASES:
            return f"the last {self.supported_releases} releases"
        return f"until {self.months_after_successor} months after the next release"


class Installation(TimeStampedModel):
    """A component a customer runs: its version, environment and managing party."""

    customer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="installations"
    )
    component = models.ForeignKey(Component, on_delete=models.PROTECT, related_name="installations")
    label = models.CharField(
        max_length=100, blank=True, help_text="Tells several of one component apart (wallboard 2)."
    )
    version = models.CharField(max_length=40, blank=True)
    environment = models.CharField(
        max_length=12, choices=Environment.choices, default=Environment.PRODUCTION
    )
    managing_party = models.CharField(max_length=10, choices=ManagingParty.choices)
    managing_override_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the managing party differs from the default."
    )
    notes = models.TextField(blank=True)

    objects = InstallationQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "component__update_order", "environment", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "component", "environment", "label"],
                name="installation_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["component", "version"], name="installation_version_idx"),
        ]

    def __str__(self) -> str:
        label = f" ({self.label})" if self.label else ""
        return f"{self.component_id}{label} {self.version} at {self.customer_id}"


class EndOfLifeNotice(models.Model):
    """A notice that an installation reaches end of life: recorded at 90, 30 and 0 days before."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="notices")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    end_of_life_on = models.DateField()
    recorded_at = models.DateTimeField()
    party = models.CharField(max_length=10, choices=ManagingParty.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "release", "days_before"], name="notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.installation_id}: {self.days_before} days before {self.end_of_life_on}"
