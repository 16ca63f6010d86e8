"""Writes to matrices: drafts, edits, CSV import, publishing, pinning. Published is immutable."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Max

from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import Conflict, PermissionDenied, ValidationFailed
from casebridge.core.outbox import outbox_record
from casebridge.core.validation import Errors, clean_multiline, clean_single_line
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import CustomerRelationship, OperatingModel, Organisation, Person
from casebridge.rasci import events
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.imports import CsvProblem, parse_csv
from casebridge.rasci.letters import LetterError, format_letters, parse_letters
from casebridge.rasci.models import Activity, Assignment, MatrixPin, MatrixVersion
from casebridge.rasci.selectors import published_version, version_rows_cache, version_specs
from casebridge.rasci.validation import CODE_PATTERN, RowSpec, Violation, matrix_violations


def can_edit_matrices(actor: Person | None) -> bool:
    """The vendor's administrators and managers maintain the operating models' matrices."""
    if actor is None:
        return True
    return (
        actor.is_active
        and actor.organisation.kind == OrganisationKind.VENDOR
        and actor.has_role(Role.ADMIN, Role.MANAGER)
    )


def _require_editor(actor: Person | None) -> None:
    if not can_edit_matrices(actor):
        raise PermissionDenied("Only the vendor's administrators and managers edit matrices.")


def _locked_draft(version: MatrixVersion) -> MatrixVersion:
    version = MatrixVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationFailed(
            f"{version.label} is {version.status}; published versions never change. "
            "Create a draft from it and publish that.",
            fields={"version": f"{version.label} is {version.status}."},
        )
    return version


def _violations_error(detail: str, violations: Sequence[Violation]) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for violation in violations:
        key = (
            violation.activity
            if violation.party is None
            else f"{violation.activity}.{violation.party}"
        )
        fields.setdefault(key, []).append(violation.problem)
    return ValidationFailed(detail, fields=fields, code="matrix_invalid")


def _write_rows(version: MatrixVersion, rows: Iterable[RowSpec]) -> None:
    activities = []
    letters: list[tuple[int, str, str]] = []
    for position, row in enumerate(rows):
        activities.append(
            Activity(
                version=version,
                code=row.code,
                name=row.name,
                description=row.description,
                category=row.category,
                roles=list(row.roles),
                position=position,
            )
        )
        letters.extend((position, party, value) for party, value in row.letters.items() if value)
    created = Activity.objects.bulk_create(activities)
    Assignment.objects.bulk_create(
        Assignment(activity=created[position], party=party, letters=value)
        for position, party, value in letters
    )
    version_rows_cache.invalidate()  # bulk inserts send no signals


def _next_number(model: OperatingModel) -> int:
    highest = MatrixVersion.objects.filter(operating_model=model).aggregate(Max("number"))
    return (highest["number__max"] or 0) + 1


def _refuse_second_draft(model: OperatingModel) -> None:
    existing = MatrixVersion.objects.filter(
        operating_model=model, status=VersionStatus.DRAFT
    ).first()
    if existing is not None:
        raise Conflict(
            f"{existing.label} is already a draft of {model.code}; edit, publish or discard it.",
            fields={"operating_model": "A draft exists."},
        )


@transaction.atomic
def draft_create(
    *,
    actor: Person | None,
    operating_model: OperatingModel,
    from_version: MatrixVersion | None = None,
    notes: str = "",
) -> MatrixVersion:
    """Start a draft, copied from ``from_version`` or else the published version (if any)."""
    _require_editor(actor)
    OperatingModel.objects.select_for_update().filter(pk=operating_model.pk).first()
    _refuse_second_draft(operating_model)
    source = from_version or published_version(operating_model)
    if source is not None and source.operating_model_id != operating_model.code:
        raise ValidationFailed(
            "A draft copies a version of its own operating model.",
            fields={"from_version": f"{source.label} belongs to {source.operating_model_id}."},
        )
    errors = Errors()
    notes = clean_multiline(notes, errors, "notes", max_length=5000)
    errors.raise_if_any("The draft was not created.")
    version = MatrixVersion.objects.create(
        operating_model=operating_model,
        number=_next_number(operating_model),
        notes=notes,
        created_by=actor,
    )
    if source is not None:
        _write_rows(version, version_specs(source))
    audit_record(
        actor=actor,
        action="rasci.draft_created",
        target=version,
        organisation_id=None,
        after={"version": version.label, "from": source.label if source else None},
    )
    return version


@transaction.atomic
def draft_discard(*, actor: Person | None, version: MatrixVersion) -> None:
    _require_editor(actor)
    version = _locked_draft(version)
    audit_record(
        actor=actor,
        action="rasci.draft_discarded",
        target=version,
        organisation_id=None,
        before={"version": version.label},
    )
    version.delete()


@transaction.atomic
def draft_set_letters(
    *, actor: Person | None, version: MatrixVersion, activity_code: str, party: str, letters: str
) -> Assignment | None:
    """Set one cell of a draft; empty letters clear it."""
    _require_editor(actor)
    version = _locked_draft(version)
    fields: dict[str, str] = {}
    if party not in version.operating_model.parties:
        fields["party"] = f"{party!r} is not a party of {version.operating_model_id}."
    try:
        canonical = parse_letters(letters)
    except LetterError as error:
        fields["letters"] = str(error)
        canonical = ""
    activity = Activity.objects.filter(version=version, code=activity_code).first()
    if activity is None:
        fields["activity"] = f"{activity_code!r} is not an activity of {version.label}."
    if fields:
        raise ValidationFailed("The cell was not changed.", fields=fields)
    assert activity is not None
    current = Assignment.objects.filter(activity=activity, party=party).first()
    before = current.letters if current else ""
    if canonical:
        assignment, _ = Assignment.objects.update_or_create(
            activity=activity, party=party, defaults={"letters": canonical}
        )
    else:
        Assignment.objects.filter(activity=activity, party=party).delete()
        assignment = None
    audit_record(
        actor=actor,
        action="rasci.letters_set",
        target=version,
        organisation_id=None,
        before={"activity": activity_code, "party": party, "letters": format_letters(before)},
        after={"activity": activity_code, "party": party, "letters": format_letters(canonical)},
    )
    return assignment


@transaction.atomic
def draft_add_activity(
    *,
    actor: Person | None,
    version: MatrixVersion,
    code: str,
    name: str,
    category: str = "",
    roles: Sequence[str] = (),
    description: str = "",
    letters: dict[str, str] | None = None,
) -> Activity:
    _require_editor(actor)
    version = _locked_draft(version)
    errors = Errors()
    if not CODE_PATTERN.fullmatch(code or ""):
        errors.add("code", "Use the form area.activity_name (lower case).")
    elif Activity.objects.filter(version=version, code=code).exists():
        errors.add("code", f"{code} is already an activity of {version.label}.")
    name = clean_single_line(
        name, errors, "name", max_length=200, required_message="The activity needs a name."
    )
    category = clean_single_line(category, errors, "category", max_length=40, required=False)
    description = clean_multiline(description, errors, "description", max_length=5000)
    unknown_roles = sorted(set(roles) - set(Role.values))
    if unknown_roles:
        errors.add("roles", f"Unknown roles: {', '.join(unknown_roles)}.")
    canonical: dict[str, str] = {}
    for party, text in (letters or {}).items():
        if party not in version.operating_model.parties:
            errors.add("letters", f"{party!r} is not a party of this model.")
            continue
        try:
            canonical[party] = parse_letters(text)
        except LetterError as error:
            errors.add("letters", f"{party}: {error}")
    errors.raise_if_any("The activity was not added.")
    position = (
        Activity.objects.filter(version=version).aggregate(Max("position"))["position__max"] or 0
    ) + 1
    activity = Activity.objects.create(
        version=version,
        code=code,
        name=name,
        category=category,
        roles=list(roles),
        description=description,
        position=position,
    )
    Assignment.objects.bulk_create(
        Assignment(activity=activity, party=party, letters=value)
        for party, value in canonical.items()
        if value
    )
    version_rows_cache.invalidate()  # bulk inserts send no signals
    audit_record(
        actor=actor,
        action="rasci.activity_added",
        target=version,
        organisation_id=None,
        after={"activity": code, "name": activity.name},
    )
    return activity


@transaction.atomic
def draft_remove_activity(*, actor: Person | None, version: MatrixVersion, code: str) -> None:
    _require_editor(actor)
    version = _locked_draft(version)
    deleted, _ = Activity.objects.filter(version=version, code=code).delete()
    if not deleted:
        raise ValidationFailed(
            "The activity was not removed.",
            fields={"activity": f"{code!r} is not an activity of {version.label}."},
        )
    audit_record(
        actor=actor,
        action="rasci.activity_removed",
        target=version,
        organisation_id=None,
        before={"activity": code},
    )


@transaction.atomic
def version_publish(*, actor: Person | None, version: MatrixVersion) -> MatrixVersion:
    """Publish a valid draft; the previously published version of the model is retired.

    An invalid draft is refused with every violation listed (activity, party, problem).
    """
    _require_editor(actor)
    version = _locked_draft(version)
    violations = matrix_violations(version.operating_model.parties, version_specs(version))
    if violations:
        raise _violations_error(
            f"{version.label} was not published: it breaks the rules.", violations
        )
    moment = clock.now()
    previous = published_version(version.operating_model_id)
    if previous is not None:
        previous.status = VersionStatus.RETIRED
        previous.retired_at = moment
        previous.save(update_fields=["status", "retired_at", "updated_at"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = moment
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        actor=actor,
        action="rasci.version_published",
        target=version,
        organisation_id=None,
        after={"version": version.label, "retired": previous.label if previous else None},
    )
    outbox_record(
        kind=events.VERSION_PUBLISHED,
        payload={
            "version_id": version.pk,
            "operating_model": version.operating_model_id,
            "number": version.number,
            "retired_version_id": previous.pk if previous else None,
        },
    )
    return version


def _row_problems(model: OperatingModel, numbered: list[tuple[int, RowSpec]]) -> list[CsvProblem]:
    """Invariant violations of imported rows, placed at the file's row and column."""
    row_of = {spec.code: number for number, spec in numbered}
    problems = []
    for violation in matrix_violations(model.parties, [spec for _, spec in numbered]):
        number = row_of.get(violation.activity, numbered[0][0] if numbered else 1)
        if violation.party is not None:
            column = violation.party
        elif "accountable" in violation.problem or "responsible" in violation.problem:
            column = "/".join(model.parties)
        elif violation.problem.startswith(("the category", "the description")):
            column = violation.problem.split()[1].rstrip(":")
        elif "name" in violation.problem:
            column = "activity"
        else:
            column = "code"
        problems.append(CsvProblem(number, column, violation.problem))
    return problems


@transaction.atomic
def matrices_import(
    *, actor: Person | None, text: str, publish: bool = False
) -> list[MatrixVersion]:
    """One new draft per operating model in the CSV (published at once with ``publish``).

    Any problem, in any row, refuses the whole file; the error lists each as row and column.
    """
    _require_editor(actor)
    parsed = parse_csv(text)
    problems = list(parsed.problems)
    models: dict[str, OperatingModel] = {}
    for code, numbered in parsed.rows.items():
        model = OperatingModel.objects.filter(code=code).first()
        if model is None:
            problems.append(
                CsvProblem(numbered[0][0], "model", f"unknown operating model {code!r}")
            )
            continue
        models[code] = model
        problems.extend(_row_problems(model, numbered))
        if MatrixVersion.objects.filter(operating_model=model, status=VersionStatus.DRAFT).exists():
            problems.append(
                CsvProblem(
                    numbered[0][0], "model", f"{code} already has a draft; publish or discard it"
                )
            )
    if not parsed.rows and not problems:
        problems.append(CsvProblem(1, "-", "the file has no activities"))
    if problems:
        problems.sort(key=lambda problem: (problem.row, problem.column))
        raise ValidationFailed(
            "The file was not imported.",
            fields={"file": [str(problem) for problem in problems]},
            code="import_invalid",
        )
    versions = []
    for code, numbered in parsed.rows.items():
        model = models[code]
        version = MatrixVersion.objects.create(
            operating_model=model,
            number=_next_number(model),
            notes="Imported from CSV.",
            created_by=actor,
        )
        _write_rows(version, [spec for _, spec in numbered])
        audit_record(
            actor=actor,
            action="rasci.imported",
            target=version,
            organisation_id=None,
            after={"version": version.label, "activities": len(numbered)},
        )
        versions.append(version_publish(actor=actor, version=version) if publish else version)
    return versions


@transaction.atomic
def relationship_pin(
    *, actor: Person | None, customer: Organisation, version: MatrixVersion, reason: str
) -> MatrixPin:
    """Hold a customer on one published (or retired) version of its operating model."""
    _require_editor(actor)
    relationship = CustomerRelationship.objects.filter(customer=customer).first()
    errors = Errors()
    if relationship is None:
        errors.add("customer", "The customer has no relationship.")
    elif version.operating_model_id != relationship.operating_model_id:
        errors.add(
            "version",
            f"{version.label} is not a version of the customer's model "
            f"{relationship.operating_model_id}.",
        )
    if version.status == VersionStatus.DRAFT:
        errors.add("version", "A draft cannot be pinned; publish it first.")
    reason = clean_single_line(
        reason,
        errors,
        "reason",
        max_length=300,
        required_message="Say why (e.g. the contract signed on this version).",
    )
    errors.raise_if_any("The customer was not pinned.")
    assert relationship is not None
    pin, _ = MatrixPin.objects.update_or_create(
        relationship=relationship, defaults={"version": version, "reason": reason}
    )
    audit_record(
        actor=actor,
        action="rasci.pinned",
        target=pin,
        organisation_id=customer.pk,
        after={"version": version.label, "reason": pin.reason},
    )
    return pin


@transaction.atomic
def relationship_unpin(*, actor: Person | None, customer: Organisation) -> None:
    _require_editor(actor)
    deleted, _ = MatrixPin.objects.filter(relationship__customer=customer).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="rasci.unpinned",
            target=customer,
            organisation_id=customer.pk,
            after={},
        )
