from django.db import models


class Purpose(models.TextChoices):
    INFORM = "inform", "Informed"
    CONSULT = "consult", "Consulted"
    ALERT = "alert", "Must act"
    ESCALATE = "escalate", "Accountable"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (preference)"
    DROPPED = "dropped", "Dropped (may no longer see the case)"
    FAILED = "failed", "Failed"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled (webhook removed)"


class InboundOutcome(models.TextChoices):
    CASE_OPENED = "case_opened", "Opened a case"
    COMMENTED = "commented", "Added to a case"
    IGNORED = "ignored", "Ignored (automatic mail)"
    QUARANTINED = "quarantined", "Quarantined"
