from django.db import models


class OrganisationKind(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    PARTNER = "partner", "Partner"
    CUSTOMER = "customer", "Customer"


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    ENGINEER = "engineer", "Engineer"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"
    CUSTOMER_CONTACT = "customer_contact", "Customer contact"


class SupportLevel(models.TextChoices):
    L1_BASIC = "l1_basic", "Level 1 Basic"
    L2_INTERMEDIATE = "l2_intermediate", "Level 2 Intermediate"
    L2_ADVANCED = "l2_advanced", "Level 2 Advanced"
    L3_EXPERT = "l3_expert", "Level 3 Expert"


#: Which support levels a person of each kind of organisation can work at.
LEVELS_BY_ORGANISATION_KIND: dict[str, frozenset[str]] = {
    OrganisationKind.VENDOR: frozenset({SupportLevel.L2_ADVANCED, SupportLevel.L3_EXPERT}),
    OrganisationKind.PARTNER: frozenset({SupportLevel.L1_BASIC, SupportLevel.L2_INTERMEDIATE}),
    OrganisationKind.CUSTOMER: frozenset({SupportLevel.L1_BASIC}),
}


class DefaultOperatingModel(models.TextChoices):
    """The codes of the two operating models every deployment starts with (more can be added)."""

    PARTNER_IMPLEMENTATION = "model_1", "Model 1: partner provides implementation"
    VENDOR_IMPLEMENTATION = "model_2", "Model 2: vendor provides implementation"


class Scenario(models.TextChoices):
    CLOUD = "cloud", "Cloud"
    ON_PREMISES = "on_premises", "On-premises"


class DefaultSupportPlan(models.TextChoices):
    """The plans every deployment starts with (rows of ``SupportPlan``, editable)."""

    STANDARD = "standard", "Standard"
    PREMIUM_PLUS = "premium_plus", "Premium Plus"


class SubmitterState(models.TextChoices):
    AUTHORISED = "authorised", "Authorised"
    PENDING_VERIFICATION = "pending_verification", "Registered, not yet verified"
    REVOKED = "revoked", "Revoked"
    NOT_REGISTERED = "not_registered", "Not registered"


class TokenScope(models.TextChoices):
    """What an API token may do: read (safe methods), write (the others), exchange (the
    /exchange endpoints of a partner's service desk)."""

    READ = "read", "Read"
    WRITE = "write", "Write"
    EXCHANGE = "exchange", "Exchange cases"


class AutoAssignment(models.TextChoices):
    """How a desk's new cases find someone (an organisation that works cases)."""

    OFF = "off", "Off: people take cases themselves"
    ROUND_ROBIN = "round_robin", "In turn (round-robin)"
    LEAST_LOADED = "least_loaded", "To whoever has the fewest open cases"
