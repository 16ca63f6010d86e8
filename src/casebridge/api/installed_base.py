"""Installed-base endpoints: catalogue, releases and policy, installations, bulk import, the
compliance report and forecast, end-of-life notices and the escalation gate."""

import csv
import datetime as dt
import io
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.installed_base import gate, selectors, services
from casebridge.installed_base.choices import (
    ComponentKind,
    Environment,
    GateOutcome,
    Lifecycle,
    ManagingParty,
    PolicyKind,
)
from casebridge.installed_base.exports import write_compliance_csv
from casebridge.installed_base.models import Installation, Release
from casebridge.installed_base.services import InstallationInput
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Organisation, Person

router = Router(tags=["installed base"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _customer(actor: Person, customer_id: int, field: str = "customer_id") -> Organisation:
    customer = party_selectors.access_organisation(actor, customer_id)
    if customer.kind != OrganisationKind.CUSTOMER:
        raise ValidationFailed(
            "Installations belong to customers.", fields={field: "Not a customer."}
        )
    return customer


class ComponentOut(Schema):
    code: str
    name: str
    kind: ComponentKind
    scenario: str
    released_by_vendor: bool
    update_order: int
    description: str


class ReleaseOut(Schema):
    version: str
    released_on: dt.date
    end_of_support_on: dt.date | None
    end_of_life_on: dt.date | None
    explicit_end_of_life: bool
    bundle: dict[str, str]
    notes: str


class ReleaseIn(InSchema):
    version: str = Field(..., max_length=20, examples=["2026.10"])
    released_on: dt.date
    end_of_support_on: dt.date | None = None
    end_of_life_on: dt.date | None = None
    bundle: dict[str, str] = Field(..., description="Component code → version shipped.")
    notes: str = Field("", max_length=2000)


class PolicyOut(Schema):
    kind: PolicyKind
    supported_releases: int
    months_after_successor: int
    ending_soon_days: int


class PolicyIn(InSchema):
    kind: PolicyKind
    supported_releases: int = 3
    months_after_successor: int = 12
    ending_soon_days: int = 90


class InstallationOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    component: str
    label: str
    version: str
    environment: Environment
    managing_party: ManagingParty
    managing_override_reason: str
    notes: str
    state: Lifecycle
    release: str | None
    end_of_life_on: dt.date | None


class InstallationIn(InSchema):
    customer_id: int
    component: str = Field(..., max_length=60)
    version: str = Field("", max_length=40)
    environment: Environment = Environment.PRODUCTION
    label: str = Field("", max_length=100)
    managing_party: ManagingParty | None = None
    managing_override_reason: str = Field("", max_length=300)
    notes: str = Field("", max_length=2000)


class InstallationPatch(InSchema):
    version: str | None = Field(None, max_length=40)
    environment: Environment | None = None
    label: str | None = Field(None, max_length=100)
    managing_party: ManagingParty | None = None
    managing_override_reason: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=2000)


class RemoveIn(InSchema):
    reason: str = Field(..., min_length=1, max_length=300)


class InstallationImportIn(InSchema):
    csv: str = Field(..., description=f"Columns: {', '.join(services.IMPORT_COLUMNS)}.")


class InstallationImportOut(Schema):
    rows: int
    created: int


class ExposureOut(Schema):
    organisation_id: int | None
    organisation_name: str | None
    counts: dict[str, int]
    exposed: int


class MismatchOut(Schema):
    customer_id: int
    environment: str
    releases: dict[str, list[str]]


class ComplianceOut(Schema):
    on: dt.date
    totals: dict[str, int]
    by_partner: list[ExposureOut]
    by_customer: list[ExposureOut]
    mismatches: list[MismatchOut]
    installations: list[InstallationOut]


class ForecastPointOut(Schema):
    on: dt.date
    counts: dict[str, int]


class GateOut(Schema):
    outcome: GateOutcome
    allowed: bool
    state: Lifecycle
    release: str | None
    end_of_life_on: dt.date | None
    supported_versions: list[str]
    reason: str


class NoticeOut(Schema):
    id: int
    installation_id: int
    customer_id: int = Field(..., alias="installation.customer_id")
    component: str = Field(..., alias="installation.component_id")
    version: str = Field(..., alias="installation.version")
    days_before: int
    end_of_life_on: dt.date
    recorded_at: dt.datetime
    party: str
    organisation_id: int | None


def _installation_out(state: selectors.InstallationState) -> dict[str, Any]:
    installation = state.installation
    return {
        "id": installation.pk,
        "customer_id": installation.customer_id,
        "customer_name": installation.customer.name,
        "component": installation.component_id,
        "label": installation.label,
        "version": installation.version,
        "environment": installation.environment,
        "managing_party": installation.managing_party,
        "managing_override_reason": installation.managing_override_reason,
        "notes": installation.notes,
        "state": state.state,
        "release": state.release,
        "end_of_life_on": state.end_of_life_on,
    }


def _one(installation: Installation) -> dict[str, Any]:
    return _installation_out(selectors.states_of([installation], catalogue=None)[0])


def _release_out(release: Release, catalogue: selectors.Catalogue) -> dict[str, Any]:
    """A release with its effective dates (explicit or from the policy) and its bundle."""
    dates = catalogue.dates[release.version]
    return {
        "version": release.version,
        "released_on": release.released_on,
        "end_of_support_on": dates.end_of_support_on,
        "end_of_life_on": dates.end_of_life_on,
        "explicit_end_of_life": release.end_of_life_on is not None,
        "bundle": catalogue.bundles.get(release.version, {}),
        "notes": release.notes,
    }


def _exposure(row: selectors.ExposureRow) -> dict[str, Any]:
    return {
        "organisation_id": row.organisation.pk if row.organisation else None,
        "organisation_name": row.organisation.name if row.organisation else None,
        "counts": dict(row.counts),
        "exposed": row.exposed,
    }


@router.get("/installed-base/components", response=list[ComponentOut], summary="The catalogue")
def list_components(request: HttpRequest) -> Any:
    return selectors.component_list()


@router.get("/installed-base/releases", response=list[ReleaseOut], summary="Releases and bundles")
def list_releases(request: HttpRequest) -> Any:
    catalogue = selectors.Catalogue.load()
    return [
        _release_out(release, catalogue)
        for release in sorted(
            catalogue.releases.values(), key=lambda r: r.released_on, reverse=True
        )
    ]


@router.post("/installed-base/releases", response={201: ReleaseOut, **ERRORS})
def create_release(request: HttpRequest, payload: ReleaseIn) -> Status[Any]:
    release = services.release_create(actor=_actor(request), **payload.dict())
    catalogue = selectors.Catalogue.load()
    return Status(201, _release_out(release, catalogue))


@router.get("/installed-base/policy", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest) -> Any:
    return vars(selectors.policy_terms(selectors.current_policy()))


@router.put("/installed-base/policy", response={200: PolicyOut, **ERRORS})
def set_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    return services.policy_set(actor=_actor(request), **payload.dict())


@router.get("/installed-base/installations", response=list[InstallationOut])
@paginate(Pages)
def list_installations(
    request: HttpRequest,
    customer_id: int | None = None,
    partner_id: int | None = None,
    component: str | None = None,
) -> Any:
    installations = selectors.installation_list(
        actor=_actor(request), customer_id=customer_id, partner_id=partner_id, component=component
    )
    return _StatedPage(installations)


class _StatedPage:
    """A queryset the paginator slices; only the page's rows get their lifecycle state."""

    def __init__(self, queryset: Any) -> None:
        self.queryset = queryset

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        page = list(self.queryset[item])
        return [_installation_out(s) for s in selectors.states_of(page, catalogue=None)]

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()


@router.post("/installed-base/installations", response={201: InstallationOut, **ERRORS})
def create_installation(request: HttpRequest, payload: InstallationIn) -> Status[Any]:
    actor = _actor(request)
    try:
        customer = _customer(actor, payload.customer_id)
    except NotFound as error:
        raise ValidationFailed(
            "The installation was not recorded.", fields={"customer_id": error.detail}
        ) from error
    data = payload.dict(exclude={"customer_id"})
    installation = services.installation_create(
        actor=actor, customer=customer, data=InstallationInput(**data)
    )
    return Status(201, _one(installation))


@router.post(
    "/installed-base/installations/import", response={201: InstallationImportOut, **ERRORS}
)
def import_installations(request: HttpRequest, payload: InstallationImportIn) -> Status[Any]:
    """All rows valid, or nothing is written; declared before the ``{installation_id}`` routes."""
    records = list(csv.DictReader(io.StringIO(payload.csv.lstrip("\ufeff"))))
    result = services.installations_import(actor=_actor(request), records=records)
    return Status(201, {"rows": result.rows, "created": result.created})


@router.get(
    "/installed-base/installations/{installation_id}", response={200: InstallationOut, **ERRORS}
)
def get_installation(request: HttpRequest, installation_id: int) -> Any:
    return _one(selectors.access_installation(_actor(request), installation_id))


@router.patch(
    "/installed-base/installations/{installation_id}", response={200: InstallationOut, **ERRORS}
)
def update_installation(
    request: HttpRequest, installation_id: int, payload: InstallationPatch
) -> Any:
    actor = _actor(request)
    installation = selectors.access_installation(actor, installation_id)
    updated = services.installation_update(
        actor=actor, installation=installation, changes=payload.dict(exclude_unset=True)
    )
    return _one(updated)


@router.post(
    "/installed-base/installations/{installation_id}/remove", response={204: None, **ERRORS}
)
def remove_installation(
    request: HttpRequest, installation_id: int, payload: RemoveIn
) -> Status[None]:
    actor = _actor(request)
    installation = selectors.access_installation(actor, installation_id)
    services.installation_remove(actor=actor, installation=installation, reason=payload.reason)
    return Status(204, None)


class ComplianceFilters(Schema):
    on: dt.date | None = None
    partner_id: int | None = None
    customer_id: int | None = None
    component: str | None = None
    state: Lifecycle | None = None


@router.get(
    "/installed-base/compliance",
    response={200: ComplianceOut, **ERRORS},
    summary="End-of-life exposure per partner and customer; format=csv for the installation list",
)
def compliance(
    request: HttpRequest,
    filters: Query[ComplianceFilters],
    format: Literal["json", "csv"] = "json",
) -> Any:
    report = selectors.compliance_report(actor=_actor(request), **filters.dict())
    if format == "csv":
        return _compliance_csv(report)
    return {
        "on": report.on,
        "totals": dict(report.totals),
        "by_partner": [_exposure(row) for row in report.by_partner],
        "by_customer": [_exposure(row) for row in report.by_customer],
        "mismatches": [
            {"customer_id": m.customer.pk, "environment": m.environment, "releases": m.releases}
            for m in report.mismatches
        ],
        "installations": [_installation_out(state) for state in report.states],
    }


def _compliance_csv(report: selectors.ComplianceReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="compliance-{report.on}.csv"'
    write_compliance_csv(report, response)
    return response


@router.get("/installed-base/forecast", response=list[ForecastPointOut], summary="States by month")
def forecast(
    request: HttpRequest,
    months: int = Query(12, ge=1, le=36),  # type: ignore[type-arg]
    partner_id: int | None = None,
) -> Any:
    points = selectors.lifecycle_forecast(
        actor=_actor(request), months=months, partner_id=partner_id
    )
    return [{"on": day, "counts": dict(counts)} for day, counts in points]


@router.get("/installed-base/notices", response=list[NoticeOut], summary="End-of-life notices")
@paginate(Pages)
def list_notices(request: HttpRequest, customer_id: int | None = None) -> Any:
    return selectors.notice_list(actor=_actor(request), customer_id=customer_id)


@router.get(
    "/installed-base/gate",
    response={200: GateOut, **ERRORS},
    summary="Would the vendor take a case against this version, or must it be upgraded first?",
)
def escalation_gate(
    request: HttpRequest, customer_id: int, component: str, version: str, priority: str = "P3"
) -> Any:
    customer = _customer(_actor(request), customer_id)
    answer = gate.escalation_gate(
        customer=customer, component=component, version=version, priority=priority
    )
    return {**vars(answer), "supported_versions": list(answer.supported_versions)}
