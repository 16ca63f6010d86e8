"""Writes of sign-in and access. Each service is one transaction: check, save, audit."""

from casebridge.identity.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from casebridge.identity.services.offboarding import OffboardingResult, person_offboard
from casebridge.identity.services.sign_in import (
    organisation_sign_in_policy_set,
    single_sign_on_configure,
)

__all__ = [
    "OffboardingResult",
    "invitation_accept",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "organisation_sign_in_policy_set",
    "person_offboard",
    "single_sign_on_configure",
]
