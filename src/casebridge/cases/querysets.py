"""Who sees which cases and which messages.

Cases: the vendor sees the cases escalated to it and every case of a model-2 customer (it is
their first contact); a partner sees its customers' cases; a customer its own.
Messages by audience: the customer reads public ones; the partner public, partner+vendor and
partner-internal; the vendor public, partner+vendor and vendor-internal. A model-2 customer
carries the partner's duties and reads partner+vendor messages as well.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from casebridge.cases.choices import Audience
from casebridge.parties.choices import OrganisationKind

AUDIENCES_BY_PARTY: dict[str, frozenset[str]] = {
    OrganisationKind.VENDOR: frozenset(
        {Audience.PUBLIC, Audience.PARTNER_VENDOR, Audience.VENDOR_INTERNAL}
    ),
    OrganisationKind.PARTNER: frozenset(
        {Audience.PUBLIC, Audience.PARTNER_VENDOR, Audience.PARTNER_INTERNAL}
    ),
    OrganisationKind.CUSTOMER: frozenset({Audience.PUBLIC}),
}


def audiences_for(actor: Any, *, partner_in_between: bool) -> frozenset[str]:
    kind = actor.organisation.kind
    if kind == OrganisationKind.CUSTOMER and not partner_in_between:
        return frozenset({Audience.PUBLIC, Audience.PARTNER_VENDOR})
    return AUDIENCES_BY_PARTY[kind]


def case_visibility(actor: Any, prefix: str = "") -> Q | None:
    """The condition on a case row (reached through ``prefix``, e.g. ``"case__"``) that the
    actor may see it, or None when the actor sees no case at all."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    kind = actor.organisation.kind
    if kind == OrganisationKind.VENDOR:
        # A case is with the vendor once it has a vendor engagement, whose status the case
        # row carries (a column test, not a subquery per row).
        return Q(**{f"{prefix}partner__isnull": True}) | ~Q(**{f"{prefix}vendor_status": ""})
    if kind == OrganisationKind.PARTNER:
        return Q(**{f"{prefix}partner_id": actor.organisation_id})
    return Q(**{f"{prefix}customer_id": actor.organisation_id})


def audience_visibility(actor: Any, prefix: str = "") -> Q:
    """The condition on a text's ``audience`` (its case reached through ``prefix``) that the
    actor may read it, the case being one the actor sees: :func:`audiences_for` per row."""
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return Q(audience=Audience.PUBLIC) | Q(
            audience=Audience.PARTNER_VENDOR, **{f"{prefix}partner__isnull": True}
        )
    return Q(audience__in=AUDIENCES_BY_PARTY[actor.organisation.kind])


class CaseQuerySet(models.QuerySet):
    def visible_to(self, actor: Any) -> CaseQuerySet:
        condition = case_visibility(actor)
        return self.none() if condition is None else self.filter(condition)


class CommentQuerySet(models.QuerySet):
    def visible_to(self, actor: Any, *, partner_in_between: bool) -> CommentQuerySet:
        return self.filter(audience__in=audiences_for(actor, partner_in_between=partner_in_between))
