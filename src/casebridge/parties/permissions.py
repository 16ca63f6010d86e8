"""Who may change the parties' data.

These are the foundation's rules, by organisation and role. Actions bound to an activity of the
operating model (registering submitters is ``submitters.register``) move to the RASCI policy engine
when it lands; until then the rule here mirrors the default matrix: the submitter's own
organisation is responsible (partner in model 1, customer in model 2) and the vendor accountable.
"""

from __future__ import annotations

from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Organisation, Person

_MANAGING_ROLES = (Role.ADMIN, Role.MANAGER)


def _is_vendor(actor: Person) -> bool:
    return actor.organisation.kind == OrganisationKind.VENDOR


def can_manage_organisations(actor: Person) -> bool:
    """Creating and editing organisations and relationships is the vendor's back office."""
    return actor.is_active and _is_vendor(actor) and actor.has_role(*_MANAGING_ROLES)


def can_manage_people_of(actor: Person, organisation: Organisation) -> bool:
    """Vendor managers for anyone; an organisation's own managers; a partner's for its customers."""
    if not actor.is_active or not actor.has_role(*_MANAGING_ROLES):
        return False
    if _is_vendor(actor) or actor.organisation_id == organisation.pk:
        return True
    return (
        actor.organisation.kind == OrganisationKind.PARTNER
        and organisation.kind == OrganisationKind.CUSTOMER
        and Organisation.objects.filter(
            pk=organisation.pk, relationship__partner_id=actor.organisation_id
        ).exists()
    )


def can_record_certifications(actor: Person) -> bool:
    """The vendor certifies and trains partners' people."""
    return actor.is_active and _is_vendor(actor) and actor.has_role(*_MANAGING_ROLES)


def can_register_submitters_in(actor: Person, organisation: Organisation) -> bool:
    """The submitters' own organisation registers them (R); the vendor may too (A)."""
    if not actor.is_active or not actor.has_role(*_MANAGING_ROLES):
        return False
    return _is_vendor(actor) or actor.organisation_id == organisation.pk


def can_register_submitter_for(actor: Person, person: Person) -> bool:
    return can_register_submitters_in(actor, person.organisation)


def can_verify_submitters(actor: Person) -> bool:
    """Verification is the vendor's check that the e-mail and phone are really the person's."""
    return (
        actor.is_active
        and _is_vendor(actor)
        and actor.has_role(Role.ADMIN, Role.MANAGER, Role.AGENT)
    )


def can_set_auto_assignment(actor: Person, organisation: Organisation) -> bool:
    """How a desk's new cases are given out: its own managers and administrators decide (and
    the vendor's managers, who edit every organisation); only desks that work cases have it."""
    if organisation.kind not in (OrganisationKind.PARTNER, OrganisationKind.VENDOR):
        return False
    own = actor.organisation_id == organisation.pk
    return can_manage_organisations(actor) or (own and actor.has_role(Role.MANAGER, Role.ADMIN))
