"""Service-level policy as data: business calendars, closed days, and per plan and priority the
first-response, update and resolution targets with the calendar they run on."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from casebridge.core.models import TimeStampedModel
from casebridge.parties.models import SupportPlan
from casebridge.sla.choices import Priority


class BusinessCalendar(TimeStampedModel):
    """Working hours per weekday in a time zone, minus public holidays and closed days.

    An empty ``time_zone`` (or, with ``public_holidays``, an empty ``country``) means the
    customer's, so one "business hours" calendar serves customers everywhere."""

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    always_open = models.BooleanField(default=False, help_text="24x7: every minute counts.")
    hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Minutes after local midnight per weekday (0 = Monday): {"0": [[540, 1020]]}.',
    )
    time_zone = models.CharField(max_length=64, blank=True, help_text="Empty: the customer's.")
    public_holidays = models.BooleanField(default=True)
    country = models.CharField(max_length=2, blank=True, help_text="Empty: the customer's.")
    region = models.CharField(max_length=10, blank=True, help_text="A subdivision, e.g. BY.")
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClosedDay(models.Model):
    """A day without working time on one calendar (company holiday, office move)."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    day = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class ServiceTarget(TimeStampedModel):
    """What a plan promises at one priority; an empty target is no promise."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    first_response = models.DurationField(null=True, blank=True)
    update_interval = models.DurationField(null=True, blank=True)
    resolution = models.DurationField(null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(
        default=75, help_text="Warn when this share of a target has passed."
    )

    class Meta:
        ordering = ["plan", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="service_target_unique"),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=100),
                name="service_target_warn_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="service_target_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.priority}"
