"""Who must sign in with a second factor, and who has one.

The deployment names the groups that must (CASEBRIDGE_MFA_REQUIRED_FOR: ``vendor_staff``,
``organisation_admins``, ``authorised_submitters``); an organisation may require it of everyone
of its own (``Organisation.require_second_factor``). A second factor is an authenticator app
(TOTP) or a security key / passkey (WebAuthn) enrolled through django-allauth's MFA; recovery
codes only stand in for one."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings

from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import AuthorisedSubmitter, Person

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

#: The groups CASEBRIDGE_MFA_REQUIRED_FOR may name, in words.
REQUIRED_GROUP_LABELS = {
    "vendor_staff": "the vendor's people",
    "organisation_admins": "organisation administrators",
    "authorised_submitters": "authorised submitters",
}


def second_factor_reasons(person: Person) -> list[str]:
    """Why ``person`` must use a second factor (empty: they need not)."""
    groups = set(settings.CASEBRIDGE_MFA_REQUIRED_FOR)
    reasons = []
    if person.organisation.require_second_factor:
        reasons.append(f"{person.organisation.name} requires it of everyone")
    if "vendor_staff" in groups and person.organisation.kind == OrganisationKind.VENDOR:
        reasons.append("it is required of the vendor's people")
    if "organisation_admins" in groups and person.has_role(Role.ADMIN):
        reasons.append("it is required of organisation administrators")
    if (
        "authorised_submitters" in groups
        and AuthorisedSubmitter.objects.filter(person_id=person.pk, active=True).exists()
    ):
        reasons.append("it is required of authorised submitters")
    return reasons


def second_factor_required(person: Person) -> bool:
    return bool(second_factor_reasons(person))


def submitters_need_second_factor(person: Person) -> bool:
    """Whether ``person``, as a submitter, is authorised only with a second factor."""
    return (
        "authorised_submitters" in settings.CASEBRIDGE_MFA_REQUIRED_FOR
        or person.organisation.require_second_factor
    )


def has_second_factor(person: Person) -> bool:
    """An authenticator app or a security key is enrolled."""
    return Authenticator.objects.filter(user_id=person.pk, type__in=SECOND_FACTOR_TYPES).exists()
