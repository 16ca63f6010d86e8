"""Who sees which invitations and single sign-on settings: the vendor's managers all of them;
anyone else who manages people only their own organisation's (a partner's managers also their
customers', as with people)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from casebridge.parties.choices import OrganisationKind, Role

if TYPE_CHECKING:
    from casebridge.parties.models import Person

MANAGING_ROLES = (Role.ADMIN, Role.MANAGER)


def _managed_organisation_ids(actor: Any) -> list[int] | None:
    """None: every organisation (the vendor's managers); else the ids the actor manages."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    if not actor.has_role(*MANAGING_ROLES):
        return []
    if actor.organisation.kind == OrganisationKind.VENDOR:
        return None
    from casebridge.parties.models import CustomerRelationship

    ids = [actor.organisation_id]
    if actor.organisation.kind == OrganisationKind.PARTNER:
        ids += list(
            CustomerRelationship.objects.filter(partner_id=actor.organisation_id).values_list(
                "customer_id", flat=True
            )
        )
    return ids


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, actor: Person | None) -> InvitationQuerySet:
        ids = _managed_organisation_ids(actor)
        if ids is None:
            return self
        return self.filter(organisation_id__in=ids)


class SingleSignOnQuerySet(models.QuerySet):
    def visible_to(self, actor: Person | None) -> SingleSignOnQuerySet:
        """An organisation's own administrators, and the vendor's."""
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return self.none()
        if not actor.has_role(Role.ADMIN):
            return self.none()
        if actor.organisation.kind == OrganisationKind.VENDOR:
            return self
        return self.filter(organisation_id=actor.organisation_id)
