from django.db import models


class Party(models.TextChoices):
    """The parties a matrix assigns letters to (the kinds of organisation)."""

    VENDOR = "vendor", "Vendor"
    PARTNER = "partner", "Partner"
    CUSTOMER = "customer", "Customer"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"
