"""Who may invite, configure single sign-on, offboard and read the sign-in audit."""

from __future__ import annotations

from collections.abc import Iterable

from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Organisation, Person
from casebridge.parties.permissions import can_manage_people_of


def _is_vendor_admin(actor: Person) -> bool:
    return (
        actor.is_active
        and actor.organisation.kind == OrganisationKind.VENDOR
        and actor.has_role(Role.ADMIN)
    )


def may_invite_to(actor: Person, organisation: Organisation) -> bool:
    """Whoever adds people to an organisation may invite them (``can_manage_people_of``)."""
    return can_manage_people_of(actor, organisation)


def may_grant_roles(actor: Person, roles: Iterable[str]) -> bool:
    """Only administrators, or the vendor's managers, make someone an administrator."""
    if Role.ADMIN not in set(roles):
        return True
    return actor.has_role(Role.ADMIN) or (
        actor.organisation.kind == OrganisationKind.VENDOR and actor.has_role(Role.MANAGER)
    )


def may_configure_sign_in(actor: Person, organisation: Organisation) -> bool:
    """An organisation's own administrators, and the vendor's, set its single sign-on and
    whether it requires a second factor."""
    if not actor.is_active or not actor.has_role(Role.ADMIN):
        return False
    return _is_vendor_admin(actor) or actor.organisation_id == organisation.pk


def may_offboard(actor: Person, person: Person) -> bool:
    return actor.pk != person.pk and can_manage_people_of(actor, person.organisation)


def may_read_audit(actor: Person) -> bool:
    """The vendor's administrators read the whole trail; an organisation's its own people's."""
    return actor.is_active and actor.has_role(Role.ADMIN)


def audit_scope(actor: Person) -> int | None:
    """None: every organisation; else the one organisation whose trail the actor reads."""
    return None if _is_vendor_admin(actor) else actor.organisation_id
