"""Reads of the installed base: the release catalogue, lifecycle states, bundle mismatches, the
compliance report and its forecast, and the escalation gate's answer."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from casebridge.core import clock
from casebridge.core.errors import NotFound
from casebridge.installed_base.choices import Lifecycle, ManagingParty
from casebridge.installed_base.lifecycle import (
    EffectiveDates,
    PolicyTerms,
    ReleaseDates,
    add_months,
    effective_dates,
    lifecycle_on,
)
from casebridge.installed_base.models import (
    BundleItem,
    Component,
    EndOfLifeNotice,
    EndOfLifePolicy,
    Installation,
    Release,
)
from casebridge.parties.models import Organisation, Person
from casebridge.rasci.selectors import vendor_organisation


def component_list() -> QuerySet[Component]:
    return Component.objects.order_by("update_order", "code")


def current_policy() -> EndOfLifePolicy | None:
    return EndOfLifePolicy.objects.order_by("-id").first()


def policy_terms(policy: EndOfLifePolicy | None) -> PolicyTerms:
    if policy is None:
        return PolicyTerms()
    return PolicyTerms(
        kind=policy.kind,
        supported_releases=policy.supported_releases,
        months_after_successor=policy.months_after_successor,
        ending_soon_days=policy.ending_soon_days,
    )


@dataclass
class Catalogue:
    """Every release with its effective dates and bundle, loaded once (three queries)."""

    terms: PolicyTerms
    releases: dict[str, Release]
    dates: dict[str, EffectiveDates]
    release_of: dict[tuple[str, str], str]
    bundles: dict[str, dict[str, str]]
    tracked: set[str] = field(default_factory=set)

    @classmethod
    def load(cls) -> Catalogue:
        terms = policy_terms(current_policy())
        releases = {release.version: release for release in Release.objects.all()}
        dates = effective_dates(
            [
                ReleaseDates(r.version, r.released_on, r.end_of_support_on, r.end_of_life_on)
                for r in releases.values()
            ],
            terms,
        )
        release_of: dict[tuple[str, str], str] = {}
        bundles: dict[str, dict[str, str]] = defaultdict(dict)
        for item in BundleItem.objects.select_related("release").values_list(
            "release__version", "component_id", "component_version"
        ):
            version, component, component_version = item
            release_of[(component, component_version)] = version
            bundles[version][component] = component_version
        tracked = set(
            Component.objects.filter(released_by_vendor=True).values_list("code", flat=True)
        )
        return cls(terms, releases, dates, release_of, dict(bundles), tracked)

    def end_of_life(self, release_version: str) -> dt.date | None:
        return self.dates[release_version].end_of_life_on

    def state(self, component: str, version: str, day: dt.date) -> tuple[str, str | None]:
        """The lifecycle state of a component version on ``day``, with its release."""
        if component not in self.tracked:
            return Lifecycle.NOT_TRACKED, None
        release = self.release_of.get((component, version))
        if release is None:
            return Lifecycle.UNKNOWN_VERSION, None
        return lifecycle_on(self.end_of_life(release), day, self.terms.ending_soon_days), release

    def supported_versions(self, component: str, day: dt.date) -> list[str]:
        """The component's versions that are supported (or ending soon) on ``day``, newest first."""
        versions = [
            (self.releases[release].released_on, version)
            for (code, version), release in self.release_of.items()
            if code == component
            and lifecycle_on(self.end_of_life(release), day, self.terms.ending_soon_days)
            != Lifecycle.UNSUPPORTED
        ]
        return [version for _, version in sorted(versions, reverse=True)]


@dataclass(frozen=True)
class InstallationState:
    installation: Installation
    state: str
    release: str | None
    end_of_life_on: dt.date | None


def installation_list(
    *,
    actor: Person,
    customer_id: int | None = None,
    partner_id: int | None = None,
    component: str | None = None,
) -> QuerySet[Installation]:
    installations = Installation.objects.visible_to(actor).select_related(
        "customer__relationship__partner", "component"
    )
    if customer_id is not None:
        installations = installations.filter(customer_id=customer_id)
    if partner_id is not None:
        installations = installations.filter(customer__relationship__partner_id=partner_id)
    if component:
        installations = installations.filter(component_id=component)
    return installations.order_by("customer__name", "component__update_order", "environment", "id")


def access_installation(actor: Person, installation_id: int) -> Installation:
    installation = (
        Installation.objects.visible_to(actor)
        .select_related("customer__relationship", "component")
        .filter(pk=installation_id)
        .first()
    )
    if installation is None:
        raise NotFound("No such installation.")
    return installation


def states_of(
    installations: list[Installation], *, on: dt.date | None = None, catalogue: Catalogue | None
) -> list[InstallationState]:
    day = on or clock.today()
    catalogue = catalogue or Catalogue.load()
    result = []
    for installation in installations:
        state, release = catalogue.state(installation.component_id, installation.version, day)
        result.append(
            InstallationState(
                installation=installation,
                state=state,
                release=release,
                end_of_life_on=catalogue.end_of_life(release) if release else None,
            )
        )
    return result


@dataclass(frozen=True)
class BundleMismatch:
    """A customer environment whose vendor components come from more than one release."""

    customer: Organisation
    environment: str
    releases: dict[str, list[str]]

    def __str__(self) -> str:
        parts = "; ".join(f"{r}: {', '.join(c)}" for r, c in sorted(self.releases.items()))
        return f"{self.customer.name} ({self.environment}) mixes releases: {parts}"


def bundle_mismatches(states: list[InstallationState]) -> list[BundleMismatch]:
    """Customer environments running vendor components of different releases."""
    groups: dict[tuple[int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    customers: dict[int, Organisation] = {}
    for item in states:
        if item.release is None:
            continue
        installation = item.installation
        key = (installation.customer_id, installation.environment)
        groups[key][item.release].append(installation.component_id)
        customers[installation.customer_id] = installation.customer
    return [
        BundleMismatch(
            customers[customer_id], environment, {r: sorted(c) for r, c in releases.items()}
        )
        for (customer_id, environment), releases in groups.items()
        if len(releases) > 1
    ]


# --- Compliance report ---


@dataclass
class ExposureRow:
    organisation: Organisation | None
    counts: Counter[str]

    @property
    def exposed(self) -> int:
        return self.counts[Lifecycle.UNSUPPORTED] + self.counts[Lifecycle.ENDING_SOON]


@dataclass
class ComplianceReport:
    on: dt.date
    states: list[InstallationState]
    by_customer: list[ExposureRow]
    by_partner: list[ExposureRow]
    mismatches: list[BundleMismatch]
    totals: Counter[str]


def compliance_report(
    *,
    actor: Person,
    on: dt.date | None = None,
    partner_id: int | None = None,
    customer_id: int | None = None,
    component: str | None = None,
    state: str | None = None,
) -> ComplianceReport:
    """Exposure per customer and per partner on ``on``: counts by state and the installations."""
    day = on or clock.today()
    catalogue = Catalogue.load()
    installations = list(
        installation_list(
            actor=actor, customer_id=customer_id, partner_id=partner_id, component=component
        )
    )
    states = states_of(installations, on=day, catalogue=catalogue)
    mismatches = bundle_mismatches(states)
    if state:
        states = [item for item in states if item.state == state]
    by_customer: dict[int, ExposureRow] = {}
    by_partner: dict[int | None, ExposureRow] = {}
    totals: Counter[str] = Counter()
    for item in states:
        customer = item.installation.customer
        relationship = getattr(customer, "relationship", None)
        partner = relationship.partner if relationship is not None else None
        by_customer.setdefault(customer.pk, ExposureRow(customer, Counter())).counts[
            item.state
        ] += 1
        by_partner.setdefault(
            partner.pk if partner else None, ExposureRow(partner, Counter())
        ).counts[item.state] += 1
        totals[item.state] += 1
    order = lambda row: (-row.exposed, row.organisation.name if row.organisation else "")  # noqa: E731
    return ComplianceReport(
        on=day,
        states=states,
        by_customer=sorted(by_customer.values(), key=order),
        by_partner=sorted(by_partner.values(), key=order),
        mismatches=mismatches,
        totals=totals,
    )


def lifecycle_forecast(
    *, actor: Person, months: int = 12, on: dt.date | None = None, partner_id: int | None = None
) -> list[tuple[dt.date, Counter[str]]]:
    """Installations by lifecycle state on the first of each coming month (for the chart)."""
    day = on or clock.today()
    catalogue = Catalogue.load()
    installations = list(installation_list(actor=actor, partner_id=partner_id))
    first = day.replace(day=1)
    points = [day] + [add_months(first, offset) for offset in range(1, months + 1)]
    return [
        (point, Counter(s.state for s in states_of(installations, on=point, catalogue=catalogue)))
        for point in points
    ]


def notice_list(*, actor: Person, customer_id: int | None = None) -> QuerySet[EndOfLifeNotice]:
    notices = EndOfLifeNotice.objects.filter(
        installation__in=Installation.objects.visible_to(actor)
    ).select_related("installation__component", "installation__customer", "organisation", "release")
    if customer_id is not None:
        notices = notices.filter(installation__customer_id=customer_id)
    return notices.order_by("-recorded_at", "-id")


@dataclass(frozen=True)
class CaseSystem:
    """The system a case is about, as its page shows it: the component and version, their
    lifecycle state today, and the installation record when the reader may see it (which
    environment, and which party manages it)."""

    component: Component | None
    version: str
    state: str
    release: str | None
    end_of_life_on: dt.date | None
    installation: Installation | None
    #: The organisation that manages the installation, by name ("" without an installation).
    managed_by: str = ""


def case_system(
    actor: Person,
    *,
    component_id: str | None,
    version: str,
    installation_id: int | None,
    partner: Organisation | None = None,
) -> CaseSystem | None:
    """What the installed base says about a case's system; None when the case names none. The
    managing party is named: the customer, the ``partner`` serving it, or the vendor."""
    if component_id is None and installation_id is None:
        return None
    installation = (
        Installation.objects.visible_to(actor)
        .select_related("component", "customer")
        .filter(pk=installation_id)
        .first()
        if installation_id is not None
        else None
    )
    if installation is not None and component_id in (None, installation.component_id):
        component = installation.component
    elif component_id is not None:
        component = Component.objects.filter(pk=component_id).first()
    else:
        component = None
    if component is None:
        return None
    version = version or (installation.version if installation is not None else "")
    catalogue = Catalogue.load()
    state, release = catalogue.state(component.code, version, clock.today())
    return CaseSystem(
        component=component,
        version=version,
        state=state,
        release=release,
        end_of_life_on=catalogue.end_of_life(release) if release else None,
        installation=installation,
        managed_by=_managing_name(installation, partner) if installation else "",
    )


def _managing_name(installation: Installation, partner: Organisation | None) -> str:
    party = installation.managing_party
    if party == ManagingParty.CUSTOMER:
        return installation.customer.name
    if party == ManagingParty.PARTNER and partner is not None:
        return partner.name
    if party == ManagingParty.VENDOR:
        vendor = vendor_organisation()
        if vendor is not None:
            return vendor.name
    return str(ManagingParty(party).label)
