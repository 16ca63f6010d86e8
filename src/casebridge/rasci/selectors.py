"""Reads of matrices: versions, their rows, the version a customer runs under, diffs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from casebridge.core.caching import VersionedCache
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import CustomerRelationship, OperatingModel, Organisation, Person
from casebridge.rasci.choices import VersionStatus
from casebridge.rasci.exports import TableRow, render_csv, render_html, render_markdown
from casebridge.rasci.models import Activity, Assignment, MatrixPin, MatrixVersion
from casebridge.rasci.validation import RowSpec


def operating_model_list() -> QuerySet[OperatingModel]:
    return OperatingModel.objects.order_by("code")


def operating_model_get(code: str) -> OperatingModel:
    model = OperatingModel.objects.filter(code=code).first()
    if model is None:
        known = ", ".join(OperatingModel.objects.values_list("code", flat=True))
        raise NotFound(f"No operating model {code!r}; known: {known}.")
    return model


def may_see_version(actor: Person | None, version: MatrixVersion) -> bool:
    """Drafts are the vendor's work in progress; published and retired versions are for all."""
    if not version.is_draft or actor is None:
        return True
    return actor.organisation.kind == OrganisationKind.VENDOR


def version_list(
    *, operating_model: str | None = None, actor: Person | None = None
) -> QuerySet[MatrixVersion]:
    """Versions, newest first per model; for a non-vendor ``actor`` without the drafts."""
    versions = MatrixVersion.objects.select_related("operating_model")
    if operating_model:
        versions = versions.filter(operating_model_id=operating_model)
    if actor is not None and actor.organisation.kind != OrganisationKind.VENDOR:
        versions = versions.exclude(status=VersionStatus.DRAFT)
    return versions.order_by("operating_model_id", "-number")


def access_version(actor: Person, version_id: int) -> MatrixVersion:
    """A version the actor may see, else NotFound (drafts are invisible outside the vendor)."""
    version = version_get(version_id)
    if not may_see_version(actor, version):
        raise NotFound("No such matrix version.")
    return version


@dataclass(frozen=True)
class Export:
    body: str
    content_type: str
    filename: str


EXPORT_FORMATS = ("csv", "md", "html")


def version_export(version: MatrixVersion, format: str) -> Export:
    """The matrix as importable CSV, Markdown or printable HTML."""
    if format not in EXPORT_FORMATS:
        raise ValidationFailed(
            "Unknown export format.", fields={"format": f"One of: {', '.join(EXPORT_FORMATS)}."}
        )
    rows = version_rows(version)
    parties = version.operating_model.parties
    title = f"{version.operating_model.name} — v{version.number} ({version.status})"
    filename = f"rasci-{version.operating_model_id}-v{version.number}.{format}"
    if format == "csv":
        return Export(render_csv(version.operating_model_id, parties, rows), "text/csv", filename)
    if format == "md":
        return Export(render_markdown(title, parties, rows), "text/markdown", filename)
    return Export(render_html(title, parties, rows), "text/html", filename)


def version_get(version_id: int) -> MatrixVersion:
    version = MatrixVersion.objects.select_related("operating_model").filter(pk=version_id).first()
    if version is None:
        raise NotFound("No such matrix version.")
    return version


def published_version(operating_model: OperatingModel | str) -> MatrixVersion | None:
    code = operating_model if isinstance(operating_model, str) else operating_model.code
    return (
        MatrixVersion.objects.select_related("operating_model")
        .filter(operating_model_id=code, status=VersionStatus.PUBLISHED)
        .first()
    )


def version_activities(version: MatrixVersion) -> list[Activity]:
    """The version's activities with their assignments (two queries)."""
    return list(
        Activity.objects.filter(version=version)
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.order_by("party")))
        .order_by("position", "code")
    )


def version_rows(version: MatrixVersion) -> list[TableRow]:
    return [
        TableRow(
            code=activity.code,
            name=activity.name,
            category=activity.category,
            roles=tuple(activity.roles),
            description=activity.description,
            letters={a.party: a.letters for a in activity.assignments.all()},
        )
        for activity in version_activities(version)
    ]


def version_specs(version: MatrixVersion) -> list[RowSpec]:
    """The rows in the shape the invariant check takes."""
    return [
        RowSpec(
            code=row.code,
            name=row.name,
            letters=row.letters,
            category=row.category,
            roles=row.roles,
            description=row.description,
        )
        for row in version_rows(version)
    ]


@dataclass(frozen=True)
class CustomerMatrix:
    """The matrix a customer's relationship runs under, and whether it is pinned."""

    version: MatrixVersion
    relationship: CustomerRelationship
    pinned: bool


#: The relationship and matrix of each customer, and the rows of each matrix version, loaded once
#: per process and dropped when any of their rows changes (a case write reads them several times:
#: opening, the policy decision, the clock terms).
relationships = VersionedCache("rasci.relationships")
relationships.watch(CustomerRelationship, MatrixPin, MatrixVersion, OperatingModel, Organisation)
version_rows_cache = VersionedCache("rasci.version-activities")
version_rows_cache.watch(Activity, Assignment, MatrixVersion)


def vendor_organisation() -> Organisation | None:
    """The vendor (cached per process like the relationships: any organisation's change
    reloads it)."""
    return relationships.get(
        ("vendor",), lambda: Organisation.objects.filter(kind=OrganisationKind.VENDOR).first()
    )


def customer_relationship(customer_id: int) -> CustomerRelationship | None:
    """The customer's relationship with its partner and operating model (cached per process)."""
    return relationships.get(
        ("relationship", customer_id),
        lambda: (
            CustomerRelationship.objects.select_related("operating_model", "partner", "customer")
            .filter(customer_id=customer_id)
            .first()
        ),
    )


def activities_of(version_id: int) -> dict[str, Activity]:
    """Every activity of a version with its assignments, by code (cached per process)."""

    def load() -> dict[str, Activity]:
        rows = Activity.objects.filter(version_id=version_id).prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.order_by("party"))
        )
        return {row.code: row for row in rows}

    return version_rows_cache.get(version_id, load)


def matrix_for(customer: Organisation) -> CustomerMatrix:
    """The version a customer runs under: its pin, else its model's published version.

    A pin to another operating model's version (the customer changed model since) is ignored.
    Cases record the version this returns when they open and keep it afterwards. The answer is
    cached per process (see :data:`relationships`).
    """
    return relationships.get(("matrix", customer.pk), lambda: _load_matrix(customer))


def _load_matrix(customer: Organisation) -> CustomerMatrix:
    relationship = customer_relationship(customer.pk)
    if relationship is None:
        raise ValidationFailed(
            f"{customer.name} has no customer relationship, so no operating model applies.",
            fields={"customer": "No relationship."},
        )
    pin = (
        MatrixPin.objects.select_related("version__operating_model")
        .filter(relationship=relationship)
        .first()
    )
    if pin is not None and pin.version.operating_model_id == relationship.operating_model_id:
        return CustomerMatrix(version=pin.version, relationship=relationship, pinned=True)
    version = published_version(relationship.operating_model_id)
    if version is None:
        raise ValidationFailed(
            f"Operating model {relationship.operating_model_id} has no published matrix.",
            fields={"operating_model": "Nothing published."},
        )
    return CustomerMatrix(version=version, relationship=relationship, pinned=False)


# --- Diff ---


@dataclass(frozen=True)
class LetterChange:
    activity: str
    party: str
    before: str
    after: str


@dataclass(frozen=True)
class MatrixDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    renamed: tuple[tuple[str, str, str], ...]
    letters: tuple[LetterChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.letters)


def matrix_diff(old: MatrixVersion, new: MatrixVersion) -> MatrixDiff:
    """What changed from ``old`` to ``new``: activities added, removed, renamed; letters."""
    before = {row.code: row for row in version_rows(old)}
    after = {row.code: row for row in version_rows(new)}
    parties = sorted({*old.operating_model.parties, *new.operating_model.parties})
    changes = [
        LetterChange(code, party, before[code].letters.get(party, ""), row.letters.get(party, ""))
        for code, row in after.items()
        if code in before
        for party in parties
        if before[code].letters.get(party, "") != row.letters.get(party, "")
    ]
    return MatrixDiff(
        added=tuple(code for code in after if code not in before),
        removed=tuple(code for code in before if code not in after),
        renamed=tuple(
            (code, before[code].name, row.name)
            for code, row in after.items()
            if code in before and before[code].name != row.name
        ),
        letters=tuple(changes),
    )
