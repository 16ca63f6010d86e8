"""Composable filters; every list starts from ``visible_to(actor)``.

Visibility rules (the organisation of the person asking decides):
- vendor people see every organisation and its data;
- partner people see their own organisation, the vendor, and the customers they serve, with the
  people of those customers; certifications, trainings and submitters of their own organisation;
- customer people see their own organisation, the vendor and their partner, and only their own
  organisation's people and records.
An inactive or anonymous caller sees nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import BooleanField, Value

from casebridge.parties.choices import OrganisationKind

if TYPE_CHECKING:
    from casebridge.parties.models import Person


def _organisation_of(actor: Any) -> tuple[int, str] | None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    return actor.organisation_id, actor.organisation.kind


def _related_ids_of(actor: Any, *, with_vendor: bool = True) -> list[int]:
    """The organisations related to the actor's: read once per actor object (one request)."""
    cache = actor.__dict__.get("_visible_organisation_ids")
    if cache is None:
        cache = _related_organisation_ids(actor.organisation_id, actor.organisation.kind)
        actor.__dict__["_visible_organisation_ids"] = cache
    with_vendor_ids, without_vendor_ids = cache
    return with_vendor_ids if with_vendor else without_vendor_ids


def _related_organisation_ids(organisation_id: int, kind: str) -> tuple[list[int], list[int]]:
    """The organisation itself and its side of the relationships (a partner's customers, or a
    customer's partner), with and without the vendor. One indexed query; lists then filter by
    primary key, which keeps their plans off a scan of every organisation."""
    from casebridge.parties.models import CustomerRelationship, Organisation

    if kind == OrganisationKind.PARTNER:
        related = CustomerRelationship.objects.filter(partner_id=organisation_id).values_list(
            "customer_id", Value(False, output_field=BooleanField())
        )
    else:
        related = CustomerRelationship.objects.filter(
            customer_id=organisation_id, partner_id__isnull=False
        ).values_list("partner_id", Value(False, output_field=BooleanField()))
    vendor = Organisation.objects.filter(kind=OrganisationKind.VENDOR).values_list(
        "id", Value(True, output_field=BooleanField())
    )
    rows = list(related.order_by().union(vendor.order_by()))
    without_vendor = [organisation_id, *(pk for pk, is_vendor in rows if not is_vendor)]
    return [*without_vendor, *(pk for pk, is_vendor in rows if is_vendor)], without_vendor


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, actor: Person | None) -> OrganisationQuerySet:
        scope = _organisation_of(actor)
        if scope is None:
            return self.none()
        _, kind = scope
        if kind == OrganisationKind.VENDOR:
            return self.all()
        return self.filter(pk__in=_related_ids_of(actor))

    def partners(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.PARTNER)


class RelationshipQuerySet(models.QuerySet):
    def visible_to(self, actor: Person | None) -> RelationshipQuerySet:
        scope = _organisation_of(actor)
        if scope is None:
            return self.none()
        organisation_id, kind = scope
        if kind == OrganisationKind.VENDOR:
            return self.all()
        if kind == OrganisationKind.PARTNER:
            return self.filter(partner_id=organisation_id)
        return self.filter(customer_id=organisation_id)


class PersonQuerySet(models.QuerySet):
    def visible_to(self, actor: Person | None) -> PersonQuerySet:
        scope = _organisation_of(actor)
        if scope is None:
            return self.none()
        organisation_id, kind = scope
        if kind == OrganisationKind.VENDOR:
            return self.all()
        if kind == OrganisationKind.PARTNER:
            return self.filter(organisation_id__in=_related_ids_of(actor, with_vendor=False))
        return self.filter(organisation_id=organisation_id)

    def with_role(self, role: str) -> PersonQuerySet:
        return self.filter(roles__role=role)


class _OwnOrganisationScoped(models.QuerySet):
    """Rows that belong to a person: the vendor sees all, everyone else their own organisation's."""

    person_field = "person__organisation_id"

    def visible_to(self, actor: Person | None) -> Any:
        scope = _organisation_of(actor)
        if scope is None:
            return self.none()
        organisation_id, kind = scope
        if kind == OrganisationKind.VENDOR:
            return self.all()
        return self.filter(**{self.person_field: organisation_id})


class CertificationQuerySet(_OwnOrganisationScoped):
    def valid_on(self, day: dt.date) -> CertificationQuerySet:
        """Issued on or before ``day`` and not yet past the expiry day."""
        return self.filter(issued_on__lte=day, expires_on__gte=day)

    def expiring(self, *, on: dt.date, within_days: int) -> CertificationQuerySet:
        """Valid on ``on`` and expiring within the following ``within_days`` days."""
        return self.valid_on(on).filter(expires_on__lte=on + dt.timedelta(days=within_days))


class TrainingQuerySet(_OwnOrganisationScoped):
    pass


class AuthorisedSubmitterQuerySet(_OwnOrganisationScoped):
    def authorised(self) -> AuthorisedSubmitterQuerySet:
        return self.filter(active=True, verified_at__isnull=False)


def visible_organisation_ids(actor: Any) -> list[int] | None:
    """The organisations whose own records (installations, cases) the actor may see: None for
    the vendor (all of them), the partner and its customers, the customer itself; [] for an
    anonymous or inactive caller."""
    scope = _organisation_of(actor)
    if scope is None:
        return []
    organisation_id, kind = scope
    if kind == OrganisationKind.VENDOR:
        return None
    if kind == OrganisationKind.PARTNER:
        return _related_ids_of(actor, with_vendor=False)
    return [organisation_id]
