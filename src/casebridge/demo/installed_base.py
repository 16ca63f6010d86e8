"""The demo's installed base: five releases six months apart, the newest about 100 days old, so
under the default policy (supported until 12 months after the next release) one release is
ending soon and older ones are unsupported; every customer runs the components of its scenario,
some on old versions, one with a bundle mismatch."""

from __future__ import annotations

import datetime as dt

from casebridge.core import clock
from casebridge.installed_base import services
from casebridge.installed_base.lifecycle import add_months
from casebridge.installed_base.models import Release
from casebridge.installed_base.services import InstallationInput
from casebridge.parties.models import Organisation

NEWEST_RELEASE_AGE_DAYS = 100
RELEASES = 5

# customer slug -> (release index for on-premises server parts and wallboards: 0 newest ...)
ON_PREMISES = {
    "delta-water-board": 2,  # ending soon
    "spree-logistics": 3,  # unsupported
    "alster-bank": 0,  # current
}
CLOUD_WALLBOARDS = {
    "rijnland-care-group": 0,
    "thames-mutual-insurance": 3,  # unsupported
    "pennine-housing": 2,  # ending soon
    "polder-energy": 1,
    "clyde-retail": 4,  # unsupported
}


def release_versions(today: dt.date) -> list[tuple[str, dt.date]]:
    """Newest first: (version, release date)."""
    newest = today - dt.timedelta(days=NEWEST_RELEASE_AGE_DAYS)
    dates = [add_months(newest, -6 * index) for index in range(RELEASES)]
    return [(f"{day.year}.{day.month:02d}", day) for day in dates]


def component_version(release: str, component: str) -> str:
    patch = {"server_core": 2, "sharepoint_template": 1, "server_services": 3, "wallboard": 0}
    return f"{release}.{patch[component]}"


def load_installed_base() -> None:
    """Create the demo releases and installations (the caller holds the transaction)."""
    if Release.objects.exists():
        return
    today = clock.today()
    versions = release_versions(today)
    for version, released_on in reversed(versions):
        services.release_create(
            actor=None,
            version=version,
            released_on=released_on,
            bundle={
                code: component_version(version, code)
                for code in ("server_core", "sharepoint_template", "server_services", "wallboard")
            },
            notes="Demo release.",
        )
    customers = {o.slug: o for o in Organisation.objects.filter(kind="customer")}
    for slug, customer in customers.items():
        base = [
            InstallationInput(component="tenant", version="", notes="Production tenant"),
            InstallationInput(component="sbc", version="7.2", label="SBC 1"),
            InstallationInput(component="sip_trunk", label="Main trunk"),
        ]
        if slug in ON_PREMISES:
            release = versions[ON_PREMISES[slug]][0]
            parts = ["server_core", "sharepoint_template", "server_services", "wallboard"]
            base += [
                InstallationInput(component=code, version=component_version(release, code))
                for code in parts
            ]
            base.append(
                InstallationInput(
                    component="server_core",
                    version=component_version(versions[0][0], "server_core"),
                    environment="test",
                )
            )
        else:
            base.append(InstallationInput(component="product_backend"))
            release = versions[CLOUD_WALLBOARDS.get(slug, 0)][0]
            base.append(
                InstallationInput(
                    component="wallboard",
                    version=component_version(release, "wallboard"),
                    label="Wallboard 1",
                )
            )
        if slug == "alster-bank":  # a half-finished upgrade: services still on the old release
            base = [
                item
                if item.component != "server_services"
                else InstallationInput(
                    component="server_services",
                    version=component_version(versions[1][0], "server_services"),
                )
                for item in base
            ]
        for item in base:
            services.installation_create(actor=None, customer=customer, data=item)
