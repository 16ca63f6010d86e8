"""Macros: canned replies for the composer. One's own, one's desk's (kept by its managers) or
published by the vendor for every partner desk. A macro's body is Markdown with a small fixed
set of placeholders, filled in by plain string substitution (never by a template engine: the
body is user text); it may also set the message's audience and name a workflow step to apply
once the message is sent."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet

from casebridge.cases import workflow
from casebridge.cases.audiences import writable_audiences
from casebridge.cases.choices import Audience, MacroScope
from casebridge.cases.models import Case, Comment, Macro
from casebridge.cases.services.conversation import case_reply
from casebridge.cases.services.transitions import case_transition
from casebridge.core.audit import audit_record, snapshot
from casebridge.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Person

#: The longest body, as for a message.
MAX_BODY = 50_000
#: ``{{ name.field }}`` with any spacing; anything else between braces is refused by name.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _first_name(person: Person) -> str:
    return (person.full_name.split() or [""])[0]


#: The placeholders a body may hold and what each is replaced with (case, actor → text).
PLACEHOLDERS: dict[str, Callable[[Case, Person], str]] = {
    "case.number": lambda case, actor: case.number,
    "case.title": lambda case, actor: case.title,
    "customer.name": lambda case, actor: case.customer.name,
    "partner.name": lambda case, actor: case.partner.name if case.partner else "",
    "agent.first_name": lambda case, actor: _first_name(actor),
    "agent.full_name": lambda case, actor: actor.full_name,
}

FIELDS = ["name", "body", "scope", "audience", "action"]


def unknown_placeholders(body: str) -> list[str]:
    """The placeholders of ``body`` that are not in :data:`PLACEHOLDERS`, in order, once each."""
    found = [m.group(1) for m in PLACEHOLDER.finditer(body)]
    return list(dict.fromkeys(name for name in found if name not in PLACEHOLDERS))


def macro_render(macro: Macro, *, case: Case, actor: Person) -> str:
    """The macro's body for ``case``, as ``actor`` would send it (plain substitution)."""
    return PLACEHOLDER.sub(
        lambda m: (
            PLACEHOLDERS[m.group(1)](case, actor) if m.group(1) in PLACEHOLDERS else m.group(0)
        ),
        macro.body,
    )


# --- who may see and write ---------------------------------------------------------------------


def _is_desk(actor: Person) -> bool:
    return actor.organisation.kind != OrganisationKind.CUSTOMER


def may_write_macro(actor: Person, scope: str, organisation_id: int | None = None) -> bool:
    """Whether ``actor`` may add, change or remove a macro of ``scope`` (of that desk)."""
    if not _is_desk(actor):
        return False
    if scope == MacroScope.PERSONAL:
        return True
    manages = actor.has_role(Role.MANAGER, Role.ADMIN)
    if scope == MacroScope.DESK:
        return manages and organisation_id in (None, actor.organisation_id)
    return manages and actor.organisation.kind == OrganisationKind.VENDOR


def macros_for(actor: Person) -> QuerySet[Macro]:
    """The actor's own macros, their desk's and the vendor's, by name (none for a customer)."""
    if not _is_desk(actor):
        return Macro.objects.none()
    return (
        Macro.objects.filter(
            Q(scope=MacroScope.PERSONAL, owner=actor)
            | Q(scope=MacroScope.DESK, organisation_id=actor.organisation_id)
            | Q(scope=MacroScope.VENDOR)
        )
        .select_related("owner")
        .order_by("name", "id")
    )


def access_macro(actor: Person, macro_id: int) -> Macro:
    """One macro the actor may see; 404 for missing and forbidden alike."""
    macro = macros_for(actor).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound("No such macro.")
    return macro


def may_change(actor: Person, macro: Macro) -> bool:
    if macro.scope == MacroScope.PERSONAL:
        return macro.owner_id == actor.pk
    return may_write_macro(actor, macro.scope, macro.organisation_id)


# --- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MacroFields:
    name: str
    body: str
    scope: str = MacroScope.PERSONAL
    audience: str = ""
    action: str = ""


def _clean(actor: Person, fields: MacroFields) -> MacroFields:
    errors = Errors()
    name = clean_single_line(
        fields.name, errors, "name", max_length=80, required_message="Name the macro."
    )
    body = clean_multiline(
        fields.body,
        errors,
        "body",
        max_length=MAX_BODY,
        required=True,
        required_message="Write the reply.",
    )
    unknown = unknown_placeholders(body)
    if unknown:
        names = ", ".join("{{ " + name + " }}" for name in unknown)
        known = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        errors.add("body", f"Unknown placeholder {names}; one of: {known}.")
    clean_choice(fields.scope, MacroScope, errors, "scope")
    if "scope" not in errors and not may_write_macro(actor, fields.scope):
        errors.add(
            "scope",
            "Only the desk's managers keep its macros."
            if fields.scope == MacroScope.DESK
            else "Only the vendor's managers and administrators publish macros.",
        )
    clean_choice(fields.audience, Audience, errors, "audience", required=False)
    if fields.action and fields.action not in workflow.ACTIONS:
        errors.add("action", f"{fields.action[:40]!r} is not a step of the workflow.")
    errors.raise_if_any("The macro was not saved.")
    return MacroFields(
        name=name, body=body, scope=fields.scope, audience=fields.audience, action=fields.action
    )


def _refuse_customers(actor: Person) -> None:
    if not _is_desk(actor):
        raise PermissionDenied("Macros are for the desks that work cases.")


@transaction.atomic
def macro_create(*, actor: Person, fields: MacroFields) -> Macro:
    """Add a macro of the actor's own, their desk's (a manager) or the vendor's (its managers)."""
    _refuse_customers(actor)
    clean = _clean(actor, fields)
    macro = Macro.objects.create(
        name=clean.name,
        body=clean.body,
        scope=clean.scope,
        audience=clean.audience,
        action=clean.action,
        owner=actor,
        organisation_id=actor.organisation_id,
    )
    audit_record(
        actor=actor,
        action="macro.created",
        target=macro,
        organisation_id=macro.organisation_id,
        after=snapshot(macro, FIELDS),
    )
    return macro


@transaction.atomic
def macro_update(*, actor: Person, macro: Macro, fields: MacroFields) -> Macro:
    """Change a macro: its owner's own, or a desk's or the vendor's by those who keep them. The
    scope may change only to one the actor may write (a personal macro stays its owner's)."""
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    if not may_change(actor, macro):
        raise PermissionDenied("You cannot change this macro.")
    clean = _clean(actor, fields)
    before = snapshot(macro, FIELDS)
    for name in FIELDS:
        setattr(macro, name, getattr(clean, name))
    if clean.scope == MacroScope.PERSONAL:
        macro.owner = actor  # a desk's macro made personal becomes the one who made it so
    macro.save(update_fields=[*FIELDS, "owner", "updated_at"])
    audit_record(
        actor=actor,
        action="macro.updated",
        target=macro,
        organisation_id=macro.organisation_id,
        before=before,
        after=snapshot(macro, FIELDS),
    )
    return macro


@transaction.atomic
def macro_delete(*, actor: Person, macro: Macro) -> None:
    if not may_change(actor, macro):
        raise PermissionDenied("You cannot remove this macro.")
    audit_record(
        actor=actor,
        action="macro.deleted",
        target=macro,
        organisation_id=macro.organisation_id,
        before=snapshot(macro, FIELDS),
    )
    macro.delete()


# --- using one on a case -----------------------------------------------------------------------


@dataclass(frozen=True)
class Inserted:
    """What the composer is filled with: the rendered body, the audience to set ("" keeps the
    composer's) and the step to apply after sending ("" none)."""

    body: str
    audience: str
    action: str
    action_label: str


def macro_insert(*, actor: Person, macro: Macro, case: Case) -> Inserted:
    """The macro made ready for ``case``: its audience only if the actor may write to it there."""
    audience = macro.audience if macro.audience in writable_audiences(actor, case) else ""
    label = workflow.row_of(macro.action).label if macro.action else ""
    return Inserted(
        body=macro_render(macro, case=case, actor=actor),
        audience=audience,
        action=macro.action,
        action_label=label or macro.action.replace("_", " "),
    )


@transaction.atomic
def case_reply_then_step(
    *,
    actor: Person,
    case: Case,
    audience: str,
    body: str,
    action: str,
    files: Sequence[UploadedFile] = (),
) -> Comment:
    """Send a message and then apply a workflow step, in one transaction: if the step is
    refused, the message is not kept either (the composer keeps the text, the refusal says
    why). The step goes through :func:`case_transition`, after the message."""
    comment = case_reply(actor=actor, case=case, audience=audience, body=body, files=files)
    if action:
        try:
            case_transition(
                actor=actor,
                case=Case.objects.get(pk=comment.case_id),
                action=action,
                expected_revision=None,
            )
        except DomainError as refused:  # raised on: the whole write rolls back
            label = workflow.row_of(action).label if action in workflow.ACTIONS else action
            raise ValidationFailed(
                "The step was refused, so the message was not sent either.",
                fields={"step": [f"“{label}” is not possible: {refused.detail}"]},
                code=refused.code,
            ) from refused
    return comment
