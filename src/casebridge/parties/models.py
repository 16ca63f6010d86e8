"""Organisations, people and the rules' raw data: relationships, certifications, submitters."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from casebridge.core.models import TimeStampedModel
from casebridge.parties.choices import (
    AutoAssignment,
    OrganisationKind,
    Role,
    Scenario,
    SupportLevel,
)
from casebridge.parties.querysets import (
    AuthorisedSubmitterQuerySet,
    CertificationQuerySet,
    OrganisationQuerySet,
    PersonQuerySet,
    RelationshipQuerySet,
    TrainingQuerySet,
)


class SupportPlan(TimeStampedModel):
    """A support contract: the service-level targets per priority hang off it (``sla``)."""

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    """The vendor (exactly one), a partner or a customer."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Short stable name for the CLI and URLs."
    )
    kind = models.CharField(max_length=10, choices=OrganisationKind.choices)
    helpdesk_email = models.EmailField(
        blank=True, help_text="Where this organisation's customers write for help (partners)."
    )
    helpdesk_phone = models.CharField(
        max_length=20, blank=True, help_text="E.164; for the vendor, the 24x7 Priority 1 line."
    )
    is_active = models.BooleanField(default=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="Where the organisation works (its business days); empty: a customer's is "
        "its relationship's, anyone else's UTC.",
    )
    country = models.CharField(max_length=2, blank=True, help_text="For its public holidays.")
    require_second_factor = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Everyone of this organisation signs in with a second factor, on top of the "
        "roles the deployment requires it for (CASEBRIDGE_MFA_REQUIRED_FOR).",
    )
    vendor_plan = models.ForeignKey(
        SupportPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Partners only: the plan the vendor's engagement runs towards this partner "
        "(the underpinning contract). Empty: the vendor works to each customer's own plan.",
    )
    auto_assignment = models.CharField(
        max_length=12,
        choices=AutoAssignment.choices,
        default=AutoAssignment.OFF,
        db_default=AutoAssignment.OFF,
        help_text="Partners and the vendor: whether a case arriving at the desk is given to "
        "one of its people, in turn or to the least loaded.",
    )
    auto_assigned_last_id = models.BigIntegerField(
        null=True, blank=True, help_text="Round-robin: the person the desk's last case went to."
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="vendor"), name="organisation_one_vendor"
            ),
            # One name per deployment, whatever the kind: a partner may not call itself the
            # vendor (or another partner), nor a customer its partner.
            models.UniqueConstraint(Lower("name"), name="organisation_unique_name_any_kind"),
            # A help desk address routes inbound mail to one desk only.
            models.UniqueConstraint(
                Lower("helpdesk_email"),
                condition=~Q(helpdesk_email=""),
                name="organisation_unique_helpdesk_email",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "name"], name="organisation_kind_name_idx"),
            models.Index(fields=["name", "id"], name="organisation_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_vendor(self) -> bool:
        return self.kind == OrganisationKind.VENDOR

    @property
    def is_partner(self) -> bool:
        return self.kind == OrganisationKind.PARTNER

    @property
    def is_customer(self) -> bool:
        return self.kind == OrganisationKind.CUSTOMER


class OperatingModel(TimeStampedModel):
    """A named set of responsibilities between the parties (model 1, model 2, or your own)."""

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    partner_in_between = models.BooleanField(
        help_text="Whether a partner serves the customer (model 1) or the vendor does (model 2)."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def parties(self) -> tuple[str, ...]:
        """The parties of this model, in the order matrices show them."""
        if self.partner_in_between:
            return (OrganisationKind.VENDOR, OrganisationKind.PARTNER, OrganisationKind.CUSTOMER)
        return (OrganisationKind.VENDOR, OrganisationKind.CUSTOMER)


class CustomerRelationship(TimeStampedModel):
    """How one customer is served: by which partner, under which operating model and plan."""

    customer = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="relationship"
    )
    partner = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customer_relationships",
        help_text="Empty in operating model 2, where the customer deals with the vendor directly.",
    )
    operating_model = models.ForeignKey(
        OperatingModel, on_delete=models.PROTECT, related_name="relationships"
    )
    scenario = models.CharField(max_length=12, choices=Scenario.choices)
    support_plan = models.ForeignKey(
        SupportPlan,
        on_delete=models.PROTECT,
        related_name="relationships",
        db_column="support_plan",
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. NL.")

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["customer__name", "id"]
        indexes = [models.Index(fields=["partner", "customer"], name="relationship_partner_idx")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.operating_model_id})"

    @property
    def partner_in_between(self) -> bool:
        return self.partner_id is not None


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Person:
        if not email:
            raise ValueError("a person needs an e-mail address")
        person = self.model(email=self.normalize_email(email).lower(), **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Person:
        """A back-office superuser belongs to the vendor, which must exist first."""
        if "organisation" not in fields and "organisation_id" not in fields:
            vendor = Organisation.objects.filter(kind=OrganisationKind.VENDOR).first()
            if vendor is None:
                raise ValueError(
                    "create the vendor organisation first: casebridge setup --vendor NAME"
                )
            fields["organisation"] = vendor
        fields.setdefault("full_name", email.split("@", 1)[0])
        fields.update(is_staff=True, is_superuser=True)
        person = self.create_user(email, password, **fields)
        PersonRole.objects.create(person=person, role=Role.ADMIN)
        return person


class Person(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """Someone who signs in: belongs to exactly one organisation, signs in with e-mail."""

    email = models.EmailField(max_length=254, unique=True, help_text="Stored in lower case.")
    full_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="people")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +31201234567.")
    support_level = models.CharField(
        max_length=20, choices=SupportLevel.choices, blank=True, help_text="The tier they work at."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May sign in to the back office (vendor people only)."
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        db_default="",
        help_text="Times are shown in it; empty: the browser's.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        db_default="",
        help_text="Preferred language (the interface is English today).",
    )

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="person_email_lower_case"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "full_name"], name="person_org_name_idx"),
            models.Index(fields=["full_name", "id"], name="person_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ", 1)[0]

    @property
    def role_codes(self) -> frozenset[str]:
        """The person's roles; cached once read (selectors prefetch ``roles``)."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(role.role for role in self.roles.all())
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))


class PersonRole(models.Model):
    """One role a person holds in their organisation."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="person_role_unique"),
        ]
        indexes = [models.Index(fields=["role", "person"], name="person_role_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.role}"


class Certification(TimeStampedModel):
    """A person's certification at a support level, valid from issue through the expiry day."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certifications")
    level = models.CharField(max_length=20, choices=SupportLevel.choices)
    issued_on = models.DateField()
    expires_on = models.DateField(help_text="The last day on which the certification is valid.")
    reference = models.CharField(max_length=100, blank=True, help_text="Certificate number.")

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")), name="certification_expiry_after_issue"
            ),
            models.UniqueConstraint(
                fields=["person", "level", "issued_on"], name="certification_unique_issue"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "level", "expires_on"], name="certification_person_idx"),
            models.Index(fields=["expires_on"], name="certification_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} for {self.person_id} until {self.expires_on}"


class Training(TimeStampedModel):
    """A training the vendor gave a partner's person; the first two trainees are in the fee."""

    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="trainings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trainings")
    level = models.CharField(max_length=20, choices=SupportLevel.choices)
    held_on = models.DateField()
    included_in_fee = models.BooleanField(
        default=False, help_text="Set when recorded: one of the partner's first two trainees."
    )

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "level", "held_on"], name="training_unique_session"
            ),
        ]
        indexes = [models.Index(fields=["partner", "held_on"], name="training_partner_idx")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} training for {self.person_id} on {self.held_on}"


class AuthorisedSubmitter(TimeStampedModel):
    """A person registered with the vendor (e-mail and phone) to submit cases."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="submitter")
    email = models.EmailField(max_length=254)
    phone = models.CharField(
        max_length=20, help_text="E.164; identifies the caller on the P1 line."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(default=True)
    deactivated_reason = models.CharField(max_length=300, blank=True)

    objects = AuthorisedSubmitterQuerySet.as_manager()

    class Meta:
        ordering = ["person__full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(active=True), name="submitter_unique_active_phone"
            ),
            models.UniqueConstraint(
                Lower("email"), condition=Q(active=True), name="submitter_unique_active_email"
            ),
        ]
        indexes = [models.Index(fields=["phone", "active"], name="submitter_phone_idx")]

    def __str__(self) -> str:
        return f"submitter {self.email} {self.phone}"

    @property
    def is_authorised(self) -> bool:
        return self.active and self.verified_at is not None


class ApiToken(TimeStampedModel):
    """A machine credential acting as one person, within its scopes and until it expires; only
    a hash of the secret is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list, help_text="Of read, write, exchange.")
    minted_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="minted",
        help_text="The token that issued this one; revoking it revokes this one too.",
    )
    family = models.CharField(
        max_length=16,
        blank=True,
        help_text="The prefix of the first token of its line; the request rate counts per line.",
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["person", "created_at"], name="api_token_person_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
