"""Reading RCAs through the caller's scope.

Drafts are the owner's and the accountable party's; once signed, the latest signed revision is
published to every party of the case, the customer reading its public version.

A vendor the matrix names for the RCA (C or I, kept in ``Rca.named``) reaches it from its
opening, although in operating model 1 it may never have seen the case (the vendor sees a case
once escalated): it reads what a party reads (:data:`FULL`), never the case itself, whose
visibility (``Case.objects.visible_to``) this does not change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from casebridge.core import clock
from casebridge.core.errors import NotFound
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rca.choices import PUBLIC_SECTIONS, RcaStatus
from casebridge.rca.models import Rca, RcaAction, RcaRevision

DRAFT, FULL, PUBLIC = "draft", "full", "public"


def rca_visible(actor: Person) -> QuerySet[Rca]:
    organisation = actor.organisation
    published = Exists(RcaRevision.objects.filter(rca=OuterRef("pk")))
    scope = Q(owner_id=organisation.pk) | Q(accountable_id=organisation.pk)
    if organisation.kind == OrganisationKind.VENDOR:
        named = Exists(
            Rca.named.through.objects.filter(rca_id=OuterRef("pk"), organisation_id=organisation.pk)
        )
        scope |= Q(published) | Q(named)
    elif organisation.kind == OrganisationKind.PARTNER:
        scope |= Q(published, case__partner_id=organisation.pk)
    else:
        scope |= Q(published, case__customer_id=organisation.pk)
    return Rca.objects.filter(scope)


@dataclass(frozen=True)
class RcaFilters:
    owner_party: str | None = None
    attribution: str | None = None
    status: str | None = None
    overdue: bool | None = None


def rca_list(*, actor: Person, filters: RcaFilters) -> QuerySet[Rca]:
    rcas = rca_visible(actor).select_related("case", "owner", "accountable")
    if filters.owner_party:
        rcas = rcas.filter(owner_party=filters.owner_party)
    if filters.attribution:
        rcas = rcas.filter(attribution=filters.attribution)
    if filters.status:
        rcas = rcas.filter(status=filters.status)
    if filters.overdue is not None:
        overdue = Q(status=RcaStatus.DRAFT, due_at__lt=clock.now())
        rcas = rcas.filter(overdue if filters.overdue else ~overdue)
    return rcas.order_by("-opened_at", "-id")


def view_of(actor: Person, rca: Rca) -> str:
    """What the actor reads: the working draft, the published RCA whole, or its public part."""
    if actor.organisation_id in (rca.owner_id, rca.accountable_id):
        return DRAFT
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        return PUBLIC
    return FULL


def access_rca(actor: Person, rca_id: int) -> Rca:
    rca = (
        rca_visible(actor)
        .select_related("case__customer", "case__partner", "owner", "accountable", "signed_by")
        .filter(pk=rca_id)
        .first()
    )
    if rca is None:
        raise NotFound("No such RCA.")
    return rca


def published(rca: Rca) -> RcaRevision | None:
    return rca.revisions.select_related("signed_by").order_by("-revision").first()


def published_content(actor: Person, rca: Rca) -> dict[str, Any] | None:
    """The latest signed revision as the actor may read it (public part for the customer)."""
    revision = published(rca)
    if revision is None:
        return None
    content = dict(revision.content)
    content["signed_at"] = revision.signed_at.isoformat()
    content["signed_by"] = revision.signed_by.full_name
    if view_of(actor, rca) == PUBLIC:
        keep = {*PUBLIC_SECTIONS, "case", "revision", "signed_at", "signed_by"}
        public = {key: value for key, value in content.items() if key in keep}
        public["actions"] = [
            {
                key: value
                for key, value in action.items()
                if key in ("kind", "description", "due_on", "status")
            }
            for action in content.get("actions", [])
        ]
        return public
    return content


def is_overdue(rca: Rca, now: dt.datetime | None = None) -> bool:
    return rca.status == RcaStatus.DRAFT and rca.due_at < (now or clock.now())


def action_owner_candidates(rca: Rca) -> QuerySet[Person]:
    """Who may own an action: the active people of the case's vendor, partner and customer."""
    case = rca.case
    organisations = Q(organisation__kind=OrganisationKind.VENDOR) | Q(
        organisation_id=case.customer_id
    )
    if case.partner_id:
        organisations |= Q(organisation_id=case.partner_id)
    return (
        Person.objects.filter(organisations, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "full_name", "id")
    )


def rca_actions(rca: Rca) -> QuerySet[RcaAction]:
    return rca.actions.select_related("owner__organisation").order_by("due_on", "id")
