from django.db import models

from casebridge.rasci.choices import Party

#: The party that manages an installation: one of the RASCI parties.
ManagingParty = Party


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    TEST = "test", "Test"


class ComponentKind(models.TextChoices):
    PRODUCT_BACKEND = "product_backend", "Product back-end"
    TENANT = "tenant", "Microsoft 365 / Azure tenant"
    SBC = "sbc", "Session border controller"
    SIP_TRUNK = "sip_trunk", "SIP trunk"
    CLIENT_SIDE = "client_side", "Client-side component"
    SERVER = "server", "On-premises server component"


class ScenarioScope(models.TextChoices):
    CLOUD = "cloud", "Cloud"
    ON_PREMISES = "on_premises", "On-premises"
    BOTH = "both", "Both"


class Lifecycle(models.TextChoices):
    SUPPORTED = "supported", "Supported"
    ENDING_SOON = "ending_soon", "Ending soon"
    UNSUPPORTED = "unsupported", "Unsupported"
    NOT_TRACKED = "not_tracked", "Not tracked (no vendor releases)"
    UNKNOWN_VERSION = "unknown_version", "Unknown version"


class PolicyKind(models.TextChoices):
    LAST_N_RELEASES = "last_n_releases", "The last N releases are supported"
    MONTHS_AFTER_SUCCESSOR = (
        "months_after_successor",
        "Supported until M months after the next release",
    )


class GateOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed: supported version"
    ALLOWED_ENDING_SOON = "allowed_ending_soon", "Allowed: version ends soon"
    NOT_TRACKED = "not_tracked", "Allowed: component has no vendor releases"
    UPGRADE_FIRST = "upgrade_first", "Upgrade first"
    P1_EXEMPT = "p1_exempt", "Allowed: Priority 1 is never held back"
    OVERRIDDEN = "overridden", "Allowed: a vendor engineer overrode the gate"
