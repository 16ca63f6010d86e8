"""Writes to the installed base: releases and their bundles, the end-of-life policy (vendor only),
installations (the parties that run them), and the all-or-nothing CSV import."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from casebridge.core.audit import audit_record, changed, snapshot
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_choice, clean_multiline, clean_single_line
from casebridge.installed_base import events
from casebridge.installed_base.choices import Environment, ManagingParty, PolicyKind
from casebridge.installed_base.models import (
    BundleItem,
    Component,
    ComponentDefault,
    EndOfLifePolicy,
    Installation,
    Release,
)
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import CustomerRelationship, Organisation, Person

RELEASE_VERSION = re.compile(r"[0-9]{4}\.(0[1-9]|1[0-2])(\.[0-9]+)?")


def can_manage_catalogue(actor: Person | None) -> bool:
    """Releases, bundles and the end-of-life policy are the vendor's."""
    return actor is None or (
        actor.is_active
        and actor.organisation.kind == OrganisationKind.VENDOR
        and actor.has_role(Role.ADMIN, Role.MANAGER)
    )


def can_manage_installations_of(actor: Person | None, customer: Organisation) -> bool:
    """The vendor; the customer's partner (its engineers and managers); the customer's admins."""
    if actor is None:
        return True
    if not actor.is_active:
        return False
    kind = actor.organisation.kind
    if kind == OrganisationKind.VENDOR:
        return actor.has_role(Role.ADMIN, Role.MANAGER, Role.ENGINEER)
    if kind == OrganisationKind.PARTNER:
        return actor.has_role(Role.ADMIN, Role.MANAGER, Role.ENGINEER) and (
            CustomerRelationship.objects.filter(
                customer=customer, partner_id=actor.organisation_id
            ).exists()
        )
    return actor.organisation_id == customer.pk and actor.has_role(Role.ADMIN)


# --- Releases and policy ---


@transaction.atomic
def release_create(
    *,
    actor: Person | None,
    version: str,
    released_on: dt.date,
    bundle: Mapping[str, str],
    end_of_support_on: dt.date | None = None,
    end_of_life_on: dt.date | None = None,
    notes: str = "",
) -> Release:
    """Record a release with the component versions it ships (``{component: version}``)."""
    if not can_manage_catalogue(actor):
        raise PermissionDenied("Only the vendor's administrators and managers record releases.")
    errors = Errors()
    problem = errors.add
    version = (version or "").strip()
    notes = clean_multiline(notes, errors, "notes", max_length=10_000)
    if not RELEASE_VERSION.fullmatch(version):
        problem("version", "Use a date-style version: YYYY.MM, e.g. 2024.10 (or 2024.10.1).")
    elif Release.objects.filter(version=version).exists():
        problem("version", f"Release {version} already exists.")
    if end_of_life_on is not None and end_of_life_on <= released_on:
        problem("end_of_life_on", "The end of life must come after the release date.")
    if end_of_support_on is not None and end_of_support_on < released_on:
        problem("end_of_support_on", "The end of support cannot come before the release date.")
    if end_of_support_on and end_of_life_on and end_of_support_on > end_of_life_on:
        problem("end_of_support_on", "The end of support cannot come after the end of life.")
    if not bundle:
        problem("bundle", "A release ships at least one component version.")
    components = {c.code: c for c in Component.objects.filter(code__in=list(bundle))}
    bundle = {
        code: clean_single_line(
            value,
            errors,
            f"bundle.{code}",
            max_length=40,
            required_message="Give the component's version.",
        )
        for code, value in bundle.items()
    }
    for code, component_version in bundle.items():
        component = components.get(code)
        if component is None:
            problem(f"bundle.{code}", f"Unknown component {code!r}.")
        elif not component.released_by_vendor:
            problem(f"bundle.{code}", f"{component.name} is not released by the vendor.")
        elif f"bundle.{code}" in errors:
            continue
        else:
            owner = (
                BundleItem.objects.filter(component=component, component_version=component_version)
                .select_related("release")
                .first()
            )
            if owner is not None:
                problem(
                    f"bundle.{code}",
                    f"{code} {component_version} is already in release {owner.release.version}; "
                    "a component version belongs to one release.",
                )
    errors.raise_if_any("The release was not recorded.")
    release = Release.objects.create(
        version=version,
        released_on=released_on,
        end_of_support_on=end_of_support_on,
        end_of_life_on=end_of_life_on,
        notes=notes,
    )
    BundleItem.objects.bulk_create(
        BundleItem(release=release, component_id=code, component_version=value)
        for code, value in bundle.items()
    )
    audit_record(
        actor=actor,
        action="release.created",
        target=release,
        organisation_id=None,
        after={**snapshot(release, ["version", "released_on", "end_of_life_on"]), **bundle},
    )
    outbox_record(
        kind=events.RELEASE_PUBLISHED, payload={"release": version, "bundle": dict(bundle)}
    )
    return release


@transaction.atomic
def policy_set(
    *,
    actor: Person | None,
    kind: str,
    supported_releases: int = 3,
    months_after_successor: int = 12,
    ending_soon_days: int = 90,
) -> EndOfLifePolicy:
    """Adopt a new end-of-life policy (the old ones stay, as history)."""
    if not can_manage_catalogue(actor):
        raise PermissionDenied("Only the vendor's administrators and managers set the policy.")
    fields: dict[str, str] = {}
    if kind not in PolicyKind.values:
        fields["kind"] = f"One of: {', '.join(PolicyKind.values)}."
    if not 1 <= supported_releases <= 50:
        fields["supported_releases"] = "Between 1 and 50."
    if not 1 <= months_after_successor <= 120:
        fields["months_after_successor"] = "Between 1 and 120."
    if not 0 <= ending_soon_days <= 730:
        fields["ending_soon_days"] = "Between 0 and 730."
    if fields:
        raise ValidationFailed("The policy was not changed.", fields=fields)
    policy = EndOfLifePolicy.objects.create(
        kind=kind,
        supported_releases=supported_releases,
        months_after_successor=months_after_successor,
        ending_soon_days=ending_soon_days,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="eol_policy.set",
        target=policy,
        organisation_id=None,
        after=snapshot(
            policy, ["kind", "supported_releases", "months_after_successor", "ending_soon_days"]
        ),
    )
    return policy


# --- Installations ---


def default_managing_party(
    component: Component, relationship: CustomerRelationship | None
) -> str | None:
    """The catalogue's managing party for a component at a customer (its model and scenario)."""
    if relationship is None:
        return None
    default = (
        ComponentDefault.objects.filter(
            component=component,
            operating_model_id=relationship.operating_model_id,
            scenario__in=[relationship.scenario, "both"],
        )
        .order_by("scenario")
        .first()
    )
    return default.managing_party if default else None


@dataclass
class InstallationInput:
    component: str
    version: str = ""
    environment: str = Environment.PRODUCTION
    label: str = ""
    managing_party: str | None = None
    managing_override_reason: str = ""
    notes: str = ""


def _check_installation(
    customer: Organisation,
    data: InstallationInput,
    components: Mapping[str, Component],
    known_versions: set[tuple[str, str]],
    exclude_id: int | None = None,
    claimed: set[tuple[str, str, str]] | None = None,
) -> tuple[dict[str, list[str]], Component | None, str, InstallationInput]:
    """Every problem of one installation, by field; also the component, the managing party and
    the input as it is stored (texts stripped)."""
    errors = Errors()
    if customer.kind != OrganisationKind.CUSTOMER:
        errors.add("customer", "Installations belong to customers.")
    data = replace(
        data,
        version=clean_single_line(data.version, errors, "version", max_length=40, required=False),
        label=clean_single_line(data.label, errors, "label", max_length=100, required=False),
        managing_override_reason=clean_single_line(
            data.managing_override_reason,
            errors,
            "managing_override_reason",
            max_length=300,
            required=False,
        ),
        notes=clean_multiline(data.notes, errors, "notes", max_length=10_000),
    )
    component = components.get(data.component)
    if component is None:
        errors.add("component", f"Unknown component {data.component!r}.")
    version = data.version
    if component is not None and component.released_by_vendor:
        if not version:
            errors.add("version", "Give the installed version.")
        elif (component.code, version) not in known_versions:
            errors.add("version", f"No release ships {component.code} {version}.")
    clean_choice(data.environment, Environment, errors, "environment")
    managing = data.managing_party
    relationship = CustomerRelationship.objects.filter(customer=customer).first()
    default = default_managing_party(component, relationship) if component is not None else None
    if managing is None or managing == "":
        managing = default
        if managing is None and component is not None:
            errors.add("managing_party", "No default for this customer; name the managing party.")
    elif managing not in ManagingParty.values:
        clean_choice(managing, ManagingParty, errors, "managing_party")
    elif default is not None and managing != default and not data.managing_override_reason:
        errors.add(
            "managing_override_reason",
            f"The catalogue says {default} manages it; give the reason for {managing}.",
        )
    relationship = getattr(customer, "relationship", None)
    if (
        managing == ManagingParty.PARTNER
        and relationship is not None
        and relationship.partner_id is None
    ):
        errors.add("managing_party", "This customer has no partner (operating model 2).")
    key = (data.component, data.environment, data.label)
    if component is not None and "label" not in errors:
        duplicate = Installation.objects.filter(
            customer=customer, component=component, environment=data.environment, label=key[2]
        )
        if exclude_id is not None:
            duplicate = duplicate.exclude(pk=exclude_id)
        if duplicate.exists() or (claimed is not None and key in claimed):
            errors.add(
                "label", "This component is already recorded here; give a distinguishing label."
            )
    if claimed is not None:
        claimed.add(key)
    return errors.fields, component, managing or "", data


def _catalogue_maps() -> tuple[dict[str, Component], set[tuple[str, str]]]:
    components = {component.code: component for component in Component.objects.all()}
    known = set(BundleItem.objects.values_list("component_id", "component_version"))
    return components, known


INSTALLATION_FIELDS = [
    "component_id",
    "label",
    "version",
    "environment",
    "managing_party",
    "managing_override_reason",
    "notes",
]


@transaction.atomic
def installation_create(
    *, actor: Person | None, customer: Organisation, data: InstallationInput
) -> Installation:
    if not can_manage_installations_of(actor, customer):
        raise PermissionDenied("You may not record installations for this customer.")
    components, known = _catalogue_maps()
    fields, component, managing, data = _check_installation(customer, data, components, known)
    if fields or component is None:
        raise ValidationFailed("The installation was not recorded.", fields=fields)
    installation = Installation.objects.create(
        customer=customer,
        component=component,
        label=data.label,
        version=data.version,
        environment=data.environment,
        managing_party=managing,
        managing_override_reason=data.managing_override_reason,
        notes=data.notes,
    )
    audit_record(
        actor=actor,
        action="installation.created",
        target=installation,
        organisation_id=customer.pk,
        after=snapshot(installation, INSTALLATION_FIELDS),
    )
    return installation


@transaction.atomic
def installation_update(
    *, actor: Person | None, installation: Installation, changes: Mapping[str, Any]
) -> Installation:
    """Change an installation (an upgrade is a new version); checked like a new one."""
    customer = installation.customer
    if not can_manage_installations_of(actor, customer):
        raise PermissionDenied("You may not change installations of this customer.")
    installation = Installation.objects.select_for_update().get(pk=installation.pk)
    before = snapshot(installation, INSTALLATION_FIELDS)
    data = InstallationInput(
        component=changes.get("component", installation.component_id),
        version=changes.get("version", installation.version),
        environment=changes.get("environment", installation.environment),
        label=changes.get("label", installation.label),
        managing_party=changes.get("managing_party", installation.managing_party),
        managing_override_reason=changes.get(
            "managing_override_reason", installation.managing_override_reason
        ),
        notes=changes.get("notes", installation.notes),
    )
    components, known = _catalogue_maps()
    fields, component, managing, data = _check_installation(
        customer, data, components, known, exclude_id=installation.pk
    )
    if fields or component is None:
        raise ValidationFailed("The installation was not changed.", fields=fields)
    installation.component = component
    installation.version = data.version
    installation.environment = data.environment
    installation.label = data.label
    installation.managing_party = managing
    installation.managing_override_reason = data.managing_override_reason
    installation.notes = data.notes
    after = snapshot(installation, INSTALLATION_FIELDS)
    if changed(before, after):
        installation.save()
        audit_record(
            actor=actor,
            action="installation.updated",
            target=installation,
            organisation_id=customer.pk,
            before=before,
            after=after,
        )
    return installation


@transaction.atomic
def installation_remove(*, actor: Person | None, installation: Installation, reason: str) -> None:
    if not can_manage_installations_of(actor, installation.customer):
        raise PermissionDenied("You may not remove installations of this customer.")
    errors = Errors()
    reason = clean_single_line(
        reason, errors, "reason", max_length=300, required_message="Say why it is gone."
    )
    errors.raise_if_any("The installation was not removed.")
    audit_record(
        actor=actor,
        action="installation.removed",
        target=installation,
        organisation_id=installation.customer_id,
        before={**snapshot(installation, INSTALLATION_FIELDS), "reason": reason},
    )
    installation.delete()


# --- Bulk import ---

IMPORT_COLUMNS = (
    "customer",
    "component",
    "version",
    "environment",
    "label",
    "managing_party",
    "managing_override_reason",
    "notes",
)


@dataclass(frozen=True)
class ImportProblem:
    row: int
    field: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.problem}"


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int


def installations_import(
    *,
    actor: Person | None,
    records: Sequence[Mapping[str, str]],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row, then create all of them in one transaction, or none.

    ``records`` are CSV rows keyed by column (row 2 is the first record, after the header).
    ``customer`` is the customer's slug. Raises ValidationFailed listing every problem as
    ``row N, field: problem`` when any row is wrong; nothing is written then.
    """
    components, known = _catalogue_maps()
    slugs = {record.get("customer", "").strip() for record in records}
    customers = {
        organisation.slug: organisation
        for organisation in Organisation.objects.filter(slug__in=slugs).select_related(
            "relationship"
        )
    }
    problems: list[ImportProblem] = []
    checked: list[tuple[Organisation, InstallationInput, Component, str]] = []
    claimed: dict[int, set[tuple[str, str, str]]] = {}
    for number, record in enumerate(records, start=2):
        unknown_columns = sorted(set(record) - set(IMPORT_COLUMNS) - {""})
        for column in unknown_columns:
            problems.append(ImportProblem(number, column, "unknown column"))
        slug = (record.get("customer") or "").strip()
        customer = customers.get(slug)
        if customer is None:
            problems.append(
                ImportProblem(number, "customer", f"no customer with the slug {slug!r}")
            )
            continue
        if not can_manage_installations_of(actor, customer):
            problems.append(
                ImportProblem(number, "customer", "you may not record installations here")
            )
            continue
        data = InstallationInput(
            component=(record.get("component") or "").strip(),
            version=record.get("version") or "",
            environment=(record.get("environment") or Environment.PRODUCTION).strip(),
            label=record.get("label") or "",
            managing_party=(record.get("managing_party") or "").strip() or None,
            managing_override_reason=record.get("managing_override_reason") or "",
            notes=record.get("notes") or "",
        )
        fields, component, managing, data = _check_installation(
            customer, data, components, known, claimed=claimed.setdefault(customer.pk, set())
        )
        problems.extend(
            ImportProblem(number, name, message)
            for name, messages in fields.items()
            for message in messages
        )
        if not fields and component is not None:
            checked.append((customer, data, component, managing))
        if progress is not None:
            progress(1)
    if not records:
        problems.append(ImportProblem(1, "file", "no rows"))
    if problems:
        raise ValidationFailed(
            f"Nothing was imported: {len(problems)} problem(s) in {len(records)} row(s); "
            "the file is applied only when every row is valid.",
            fields={"file": [str(problem) for problem in problems]},
            code="import_invalid",
        )
    with transaction.atomic():
        Installation.objects.bulk_create(
            Installation(
                customer=customer,
                component=component,
                label=data.label,
                version=data.version,
                environment=data.environment,
                managing_party=managing,
                managing_override_reason=data.managing_override_reason,
                notes=data.notes,
            )
            for customer, data, component, managing in checked
        )
        per_customer: dict[int, tuple[Organisation, int]] = {}
        for customer, *_ in checked:
            per_customer[customer.pk] = (
                customer,
                per_customer.get(customer.pk, (customer, 0))[1] + 1,
            )
        for customer, count in per_customer.values():
            audit_record(
                actor=actor,
                action="installation.imported",
                target=customer,
                organisation_id=customer.pk,
                after={"installations": count},
            )
    return ImportResult(rows=len(records), created=len(checked))
