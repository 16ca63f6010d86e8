"""Invitations to sign in for the first time, and each organisation's single sign-on."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from casebridge.core import clock
from casebridge.core.models import TimeStampedModel
from casebridge.identity.choices import InvitationState, SsoProtocol
from casebridge.identity.querysets import InvitationQuerySet, SingleSignOnQuerySet
from casebridge.parties.choices import Role
from casebridge.parties.models import Organisation


class Invitation(TimeStampedModel):
    """A single-use, expiring link by which someone joins an organisation with roles; only a
    hash of the link's secret is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(max_length=254, help_text="Stored in lower case.")
    full_name = models.CharField(max_length=200)
    roles = models.JSONField(default=list)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="Who accepted it, or the person (created without a password) it is for.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address: a re-send renews it rather than adding another.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="invitation_email_lower_case"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="invitation_org_created_idx"),
            models.Index(Lower("email"), name="invitation_email_idx"),
        ]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organisation_id}"

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= clock.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def get_state_display(self) -> str:
        return str(InvitationState(self.state).label)

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles if role in Role.values]


class SingleSignOn(TimeStampedModel):
    """An organisation's own identity provider (OpenID Connect or SAML 2.0): who it may sign
    in (e-mail domains), the role people created through it get, and the allauth app that
    speaks to it. It signs people into this organisation only."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="single_sign_on"
    )
    protocol = models.CharField(max_length=4, choices=SsoProtocol.choices)
    display_name = models.CharField(
        max_length=100, help_text="Shown on the button: 'Sign in with …'."
    )
    issuer = models.CharField(
        max_length=500,
        help_text="OpenID Connect: the issuer URL. SAML: the identity provider's entity ID.",
    )
    sso_url = models.URLField(
        max_length=500, blank=True, help_text="SAML only: the identity provider's sign-in URL."
    )
    certificate = models.TextField(
        blank=True, help_text="SAML only: the identity provider's signing certificate (PEM)."
    )
    allowed_domains = models.JSONField(
        default=list, help_text="E-mail domains whose people it may create on first sign-in."
    )
    default_role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    is_enabled = models.BooleanField(default=True)
    social_app = models.OneToOneField(SocialApp, on_delete=models.PROTECT, related_name="+")

    objects = SingleSignOnQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(protocol__in=SsoProtocol.values), name="single_sign_on_protocol_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} for {self.organisation_id}"
