"""The world most tests start from: one vendor, two partners each with a customer, and a
model-2 customer served by the vendor directly; people in each with and without rights."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from pytest_django.plugin import blocking_manager_key

from casebridge.cases import services as case_services
from casebridge.cases.defaults import ensure_case_defaults
from casebridge.core.caching import VersionedCache
from casebridge.core.outbox import outbox_drain
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.defaults import ensure_default_catalogue
from casebridge.parties.choices import DefaultOperatingModel, Role, TokenScope
from casebridge.parties.models import CustomerRelationship, Organisation, Person
from casebridge.parties.models import Person as PersonModel
from casebridge.parties.tokens import api_token_create
from casebridge.rasci.defaults import ensure_default_matrices
from casebridge.rasci.selectors import relationships
from casebridge.sla.defaults import ensure_service_level_defaults
from tests.cases.helpers import act
from tests.factories import (
    CertificationFactory,
    CustomerFactory,
    PartnerFactory,
    PersonFactory,
    RelationshipFactory,
    SubmitterFactory,
    VendorFactory,
    operating_model,
)
from tests.processes import RedisServer, drop_migrated_template
from tests.processes import migrated_template as migrated_template_url

# The heaviest end-to-end tests start first, so that parallel workers never wait on one of them
# at the end of a run (then the rest in file order). xdist hands each worker two tests at a time
# (--maxschedchunk 2 in the Makefile): the first two below go to one worker, one after the other
# (about 215 s: the cluster and crash safety, the two that start most processes, never side by
# side), the next two to the other (about 100 s), which then takes the rest as it comes.
SLOWEST_FIRST = (
    "tests/deployment/test_cluster.py",
    "tests/security/test_crash_safety.py",
    "tests/bench/test_bench.py::test_the_tiny_profile_runs_end_to_end",
    "tests/security/test_slow_receiver.py",
    "tests/security/test_api_fuzzing.py",
    "tests/browser/",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests are end-to-end tests too; e2e tests are scheduled first, longest first."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.e2e)

    def rank(item: pytest.Item) -> int:
        for position, prefix in enumerate(SLOWEST_FIRST):
            if item.nodeid.startswith(prefix):
                return position
        return len(SLOWEST_FIRST) if item.get_closest_marker("e2e") else len(SLOWEST_FIRST) + 1

    items.sort(key=rank)  # stable: within a rank, the collection order stays


ALL_SCOPES = TokenScope.values


@pytest.fixture
def back_to_the_latest_migrations():
    """For a test that migrates the database back and forth: afterwards every app is at its
    latest migration again, so the tests after it on the same worker find every table."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started only once the test database exists: started
    before, it still sees SQLite's ``:memory:`` name, takes the database for an in-memory one
    and hands the test thread's connection to every request thread, which then share one
    SQLite connection (warnings, and once in a while a segmentation fault)."""
    return live_server


def _restore_migration_data() -> None:
    """What the data migrations wrote, again: a transactional test (a live server, real
    processes) ends with Django emptying every table, the migrations' rows too."""
    from casebridge.parties.defaults import ensure_default_operating_models
    from casebridge.parties.models import OperatingModel

    ensure_default_operating_models(OperatingModel)
    ensure_service_level_defaults()
    ensure_default_matrices()
    ensure_default_catalogue()
    ensure_case_defaults()


def _flushes(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = item.get_closest_marker("django_db")
    return marker is not None and bool(marker.kwargs.get("transaction"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a test that flushed the database (once every fixture is torn down), the next test
    on this worker still finds the defaults the migrations load, whatever the order."""
    result = yield
    if nextitem is not None and _flushes(item):
        with item.config.stash[blocking_manager_key].unblock():
            _restore_migration_data()
    return result


@dataclass
class World:
    vendor: Organisation
    partner_a: Organisation
    partner_b: Organisation
    customer_a: Organisation
    customer_b: Organisation
    customer_direct: Organisation
    vendor_admin: Person
    vendor_engineer: Person
    partner_a_manager: Person
    partner_a_agent: Person
    partner_b_manager: Person
    partner_b_agent: Person
    customer_a_contact: Person
    customer_b_contact: Person
    customer_direct_admin: Person


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """A test's rows are rolled back after it: the process caches must not keep them."""
    VersionedCache.clear_all()
    yield
    VersionedCache.clear_all()


@pytest.fixture
def world(db: None) -> World:
    ensure_service_level_defaults()  # loaded by migration; reloaded if a live-server test flushed
    vendor = VendorFactory()
    partner_a = PartnerFactory(name="Partner A")
    partner_b = PartnerFactory(name="Partner B")
    customer_a = CustomerFactory(name="Customer of A")
    customer_b = CustomerFactory(name="Customer of B")
    customer_direct = CustomerFactory(name="Direct customer")
    RelationshipFactory(customer=customer_a, partner=partner_a)
    RelationshipFactory(customer=customer_b, partner=partner_b)
    RelationshipFactory(
        customer=customer_direct,
        partner=None,
        operating_model=operating_model(DefaultOperatingModel.VENDOR_IMPLEMENTATION),
    )
    return World(
        vendor=vendor,
        partner_a=partner_a,
        partner_b=partner_b,
        customer_a=customer_a,
        customer_b=customer_b,
        customer_direct=customer_direct,
        vendor_admin=PersonFactory(
            organisation=vendor,
            email="admin@vendor.example",
            roles=[Role.ADMIN, Role.MANAGER],
            is_staff=True,
        ),
        vendor_engineer=PersonFactory(
            organisation=vendor, email="engineer@vendor.example", roles=[Role.ENGINEER]
        ),
        partner_a_manager=PersonFactory(
            organisation=partner_a, email="manager@a.example", roles=[Role.MANAGER]
        ),
        partner_a_agent=PersonFactory(
            organisation=partner_a, email="agent@a.example", roles=[Role.AGENT]
        ),
        partner_b_manager=PersonFactory(
            organisation=partner_b, email="manager@b.example", roles=[Role.MANAGER]
        ),
        partner_b_agent=PersonFactory(
            organisation=partner_b, email="agent@b.example", roles=[Role.AGENT]
        ),
        customer_a_contact=PersonFactory(
            organisation=customer_a,
            email="contact@customer-a.example",
            roles=[Role.CUSTOMER_CONTACT],
        ),
        customer_b_contact=PersonFactory(
            organisation=customer_b,
            email="contact@customer-b.example",
            roles=[Role.CUSTOMER_CONTACT],
        ),
        customer_direct_admin=PersonFactory(
            organisation=customer_direct,
            email="admin@direct.example",
            roles=[Role.ADMIN, Role.CUSTOMER_CONTACT],
        ),
    )


class ApiClient:
    """Calls the API as a person, with a bearer token (no session, no CSRF)."""

    def __init__(self, person: Person | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if person is not None:
            _, raw = api_token_create(actor=person, name="tests", scopes=ALL_SCOPES)
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params: object):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: object = None):
        return self.client.post(
            path, data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data: object):
        return self.client.patch(path, data, content_type="application/json", headers=self.headers)

    def put(self, path: str, data: object):
        return self.client.put(path, data, content_type="application/json", headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_as(db: None):
    """``api_as(person)`` → a client authenticated with a fresh token of that person."""
    return ApiClient


@pytest.fixture
def matrices(db: None) -> None:
    """The default matrices (loaded by migration; reloaded if a transactional test flushed them)."""
    ensure_default_matrices()


INSTALLED_BASE_TODAY = dt.date(2026, 6, 15)
RELEASES = [
    ("2024.10", dt.date(2024, 10, 15)),
    ("2025.04", dt.date(2025, 4, 10)),
    ("2025.08", dt.date(2025, 8, 1)),
]


@pytest.fixture
def catalogue(db: None) -> None:
    ensure_default_catalogue()


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield INSTALLED_BASE_TODAY


@pytest.fixture
def releases(world, catalogue, frozen):
    """Every customer of the world on premises, and three releases. Under the default policy
    (12 months after the next release), on 2026-06-15: 2024.10 ended 2026-04-10 (unsupported),
    2025.04 ends 2026-08-01 (ending soon), 2025.08 has no end yet (supported)."""
    CustomerRelationship.objects.update(scenario="on_premises")
    relationships.invalidate()  # an update in bulk sends no signal the process cache hears
    return {
        version: installed_base_services.release_create(
            actor=None,
            version=version,
            released_on=released,
            bundle={"server_core": f"{version}.1", "wallboard": f"{version}.0"},
        )
        for version, released in RELEASES
    }


@pytest.fixture
def desk(world, matrices):
    """Partner A qualified, its manager an authorised L2 engineer, the vendor's engineer at L3."""
    ensure_case_defaults()
    ensure_default_catalogue()
    PersonModel.objects.filter(pk=world.vendor_engineer.pk).update(support_level="l3_expert")
    PersonModel.objects.filter(pk=world.partner_a_manager.pk).update(
        support_level="l2_intermediate"
    )
    PersonModel.objects.filter(pk=world.partner_a_agent.pk).update(support_level="l1_basic")
    for person in (world.partner_a_manager, world.partner_a_agent):
        person.refresh_from_db()
        CertificationFactory(person=person, level="l1_basic", issued_on=dt.date(2026, 1, 1))
        CertificationFactory(person=person, level="l2_intermediate", issued_on=dt.date(2026, 1, 1))
    world.vendor_engineer.refresh_from_db()
    SubmitterFactory(
        person=world.partner_a_manager, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    return world


@pytest.fixture
def open_case(desk):
    def make(*, actor=None, customer=None, impact="high", urgency="medium", **guidelines):
        case, _ = case_services.case_open(
            actor=actor or desk.customer_a_contact,
            customer=customer or desk.customer_a,
            title="Callers hear silence",
            description="Since this morning no call reaches an agent.",
            category="incident",
            impact=impact,
            urgency=urgency,
            guidelines=guidelines,
        )
        return case

    return make


@pytest.fixture
def resolved_p1(desk, open_case):
    """``resolved_p1(attribution)`` → a Priority 1 of Customer of A, resolved, with its RCA."""

    def make(attribution="customer_infrastructure", *, customer=None, worker=None, drain=True):
        worker = worker or desk.partner_a_agent
        case = open_case(
            impact="high",
            urgency="high",
            actor=worker if customer else None,
            customer=customer,
        )
        assert case.priority == "P1"
        act(case, worker, "start")
        act(case, worker, "propose_solution")
        act(case, worker, "resolve", attribution=attribution)
        if drain:
            outbox_drain()
        case.refresh_from_db()
        return case

    return make


def _run_folder(config: pytest.Config) -> Path:
    """The run's temporary folder, the same for the xdist controller and every worker (a
    worker's own basetemp is a folder inside it)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def migrated_template(request: pytest.FixtureRequest) -> str:
    """A database migrated once for the run; scratch_database() copies it (tests/processes.py)."""
    return migrated_template_url(_run_folder(request.config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, after every worker ended
        drop_migrated_template(_run_folder(session.config))


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own on a free port (never the machine's shared one)."""
    folder = tmp_path / "redis"
    folder.mkdir()
    try:
        server = RedisServer(folder)
    except FileNotFoundError:
        message = "redis-server is missing: install Debian's redis-server package"
        if os.environ.get("CASEBRIDGE_REQUIRE_REDIS"):
            pytest.fail(message)
        pytest.skip(message)
    server.start()
    yield server
    server.kill()


from tests.notifications.conftest import receiver, smtp_server  # noqa: E402,F401
