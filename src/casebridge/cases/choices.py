from django.db import models

# Priorities are the service levels' vocabulary; re-exported for the case code.
from casebridge.sla.choices import Priority as Priority


class Category(models.TextChoices):
    INCIDENT = "incident", "Incident"
    SERVICE_REQUEST = "service_request", "Service request"
    QUESTION = "question", "Question"


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class EngagementKind(models.TextChoices):
    CUSTOMER = "customer", "Customer engagement"
    VENDOR = "vendor", "Vendor engagement"


class ClockPhase(models.TextChoices):
    """Where an engagement stands for its clocks: worked (they count), waiting on the other side
    (they pause) or done (resolution is met, nothing more is owed)."""

    WORKING = "working", "Worked"
    WAITING = "waiting", "Waiting on the other side"
    DONE = "done", "Done"


class CustomerStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGE = "triage", "Triage"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer", "Waiting on customer"
    ESCALATED = "escalated", "Escalated to the vendor"
    SOLUTION_PROPOSED = "solution_proposed", "Solution proposed"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class VendorStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned to the submitter"
    INVESTIGATING = "investigating", "Investigating (Level 2 Advanced)"
    EXPERT = "expert", "With Level 3 Expert"
    WAITING_ON_PARTNER = "waiting_on_partner", "Waiting on the submitter"
    SOLUTION_PROVIDED = "solution_provided", "Solution provided"
    CONFIRMED = "confirmed", "Confirmed"


class Audience(models.TextChoices):
    PUBLIC = "public", "Everyone (customer, partner, vendor)"
    PARTNER_VENDOR = "partner_vendor", "Partner and vendor"
    PARTNER_INTERNAL = "partner_internal", "Partner only"
    VENDOR_INTERNAL = "vendor_internal", "Vendor only"


class SearchSource(models.TextChoices):
    """Where a text the search finds comes from."""

    DETAILS = "details", "In the case details"
    COMMENT = "comment", "In a message"
    ATTACHMENT = "attachment", "In a file name"


class Frequency(models.TextChoices):
    CONSTANT = "constant", "Constant"
    INTERMITTENT = "intermittent", "Intermittent"
    ONCE = "once", "Once"


class CauseAttribution(models.TextChoices):
    """What caused a problem, recorded when a Priority 1 resolves; it decides who owns the RCA."""

    VENDOR_COMPONENT = "vendor_component", "Solely a vendor component"
    PARTNER_INFRASTRUCTURE = "partner_infrastructure", "Partner infrastructure"
    CUSTOMER_INFRASTRUCTURE = "customer_infrastructure", "Customer infrastructure"
    THIRD_PARTY = "third_party", "A third party"
    UNKNOWN = "unknown", "Unknown"


class ReturnReason(models.TextChoices):
    INCOMPLETE = "incomplete", "Incomplete"
    NOT_ATTRIBUTABLE = "not_attributable", "Not attributable to the vendor"


#: The other causes a submitter rules out before escalating.
CAUSES = (
    "tenant",
    "teams",
    "sharepoint",
    "azure",
    "network",
    "sbc",
    "firewall",
    "vpn",
    "antivirus",
)
#: How people name those causes.
CAUSE_LABELS: dict[str, str] = {
    "tenant": "Microsoft 365 / Azure tenant",
    "teams": "Microsoft Teams",
    "sharepoint": "SharePoint",
    "azure": "Azure",
    "network": "Network",
    "sbc": "Session border controller (SBC)",
    "firewall": "Firewall",
    "vpn": "VPN",
    "antivirus": "Antivirus",
}


class MacroScope(models.TextChoices):
    PERSONAL = "personal", "Mine only"
    DESK = "desk", "The whole desk"
    VENDOR = "vendor", "Every partner desk (vendor-published)"
