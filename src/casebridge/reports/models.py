"""The reports' rollups: what each case counts towards (``ReportEntry``) and the counts per
month, partner, customer, priority and plan (``ReportCount``), kept in step by the outbox
handler in :mod:`casebridge.reports.services`. Pages read the counts, never the cases."""

from __future__ import annotations

from django.db import models

from casebridge.cases.models import Case
from casebridge.parties.models import Organisation
from casebridge.reports.choices import Measure
from casebridge.sla.choices import Priority


class ReportEntry(models.Model):
    """One measure one case counts towards, with the keys it is counted under (the list of
    cases behind a number, and the base from which the handler computes its changes)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    item = models.CharField(max_length=60, blank=True)
    month = models.DateField(help_text="The first day of the month the case was opened (UTC).")
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    plan = models.CharField(max_length=40, blank=True)
    value = models.BigIntegerField(default=0, help_text="Minutes, for the measures of a time.")

    class Meta:
        ordering = ["case_id", "measure", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "measure", "item"], name="report_entry_one_per_item"
            ),
        ]
        indexes = [
            models.Index(
                fields=["measure", "item", "month", "partner"], name="report_entry_drill_idx"
            ),
            models.Index(
                fields=["measure", "item", "customer", "month"],
                name="report_entry_customer_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.measure} {self.item}"


class ReportCount(models.Model):
    """How many cases of one month, partner, customer, priority and plan count towards a
    measure's item, and the sum of their values (minutes). Each entry is counted twice: under
    its customer, and under its partner with no customer (the desk's and the network's grain)."""

    key = models.CharField(max_length=200, unique=True, help_text="The other keys, joined.")
    month = models.DateField()
    partner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty on the partner's grain (every customer of the partner together).",
    )
    priority = models.CharField(max_length=2, choices=Priority.choices)
    plan = models.CharField(max_length=40, blank=True)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    item = models.CharField(max_length=60, blank=True)
    count = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["month", "measure", "item"]
        indexes = [
            models.Index(fields=["measure", "month", "partner"], name="report_count_network_idx"),
            models.Index(fields=["partner", "measure", "month"], name="report_count_partner_idx"),
            models.Index(fields=["customer", "measure", "month"], name="report_count_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
