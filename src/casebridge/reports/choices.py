from django.db import models


class Measure(models.TextChoices):
    """What one case counts towards in the reports (defined in words in docs/reports.md).

    The item of a count says which one: an SLA target as ``engagement.metric``, a return reason,
    an RCA owner's organisation id, a component code, a release, an opening day."""

    OPENED = "opened", "Cases opened"
    OPEN = "open", "Open cases (backlog)"
    RESOLVED = "resolved", "Cases resolved"
    DEFLECTED = "deflected", "Resolved at the partner without escalation"
    ESCALATED = "escalated", "Escalated to the vendor"
    RETURNED = "returned", "Returned by the vendor"
    SLA_MET = "sla_met", "Service-level target met"
    SLA_MISSED = "sla_missed", "Service-level target missed"
    P1_OPENED = "p1_opened", "Priority 1 cases opened"
    P1_RESOLVED = "p1_resolved", "Priority 1 cases resolved"
    RCA_ON_TIME = "rca_on_time", "RCA signed on time"
    RCA_LATE = "rca_late", "RCA signed late"
    RCA_OVERDUE = "rca_overdue", "RCA overdue"
    RCA_OPEN = "rca_open", "RCA open, not yet due"
    COMPONENT = "component", "Cases per component"
    RELEASE = "release", "Cases per release"


class Grouping(models.TextChoices):
    """How a measure's rows are broken down."""

    MONTH = "month", "Month"
    PARTNER = "partner", "Partner"
    CUSTOMER = "customer", "Customer"
    PRIORITY = "priority", "Priority"
    PLAN = "plan", "Support plan"
