"""The benchmark suite stays alive: the generator's data is what the services would have
written, the budgets and the load driver run, and the tiny profile runs end to end."""

import datetime as dt
import os
import random
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command

from casebridge.bench.budgets import full_scans, run_budgets
from casebridge.bench.generator import (
    CaseBuilder,
    Customer,
    NotEmpty,
    World,
    generate,
    host_words,
)
from casebridge.bench.load import LoadError, run_load
from casebridge.cases import search, services
from casebridge.cases.models import Case, CaseEvent, CaseSequence, Engagement, SearchEntry
from casebridge.cases.selectors import QueueFilters, case_queue, case_readings
from casebridge.parties.models import Organisation, Person

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 6, 15, 9, 0)  # noqa: DTZ001 (the generator works in naive UTC)


def _builder(seed):
    world = World(
        vendor_engineers=[(1, "e1@v.example"), (2, "e2@v.example")],
        agents={10: [(11, "a@p.example")]},
        managers={10: [(12, "m@p.example")]},
        customers=[
            Customer(20, 10, "model_1", "standard", (21, "c@c.example")),
            Customer(30, None, "model_2", "premium_plus", (31, "d@d.example")),
        ],
        matrix={"model_1": 1, "model_2": 2},
    )
    builder = CaseBuilder(random.Random(seed), world, NOW, dt.timedelta(days=365), 400)
    for case_id in range(1, 401):
        builder.add(case_id)
    return builder.pending


def test_the_same_seed_builds_the_same_cases_and_another_seed_does_not():
    first, again, other = _builder(7), _builder(7), _builder(8)

    assert first == again
    assert first["cases"] != other["cases"]


def test_generated_histories_follow_the_workflow_and_stay_before_now():
    pending = _builder(3)
    statuses = Counter(row[21] for row in pending["cases"])
    escalated = [row for row in pending["cases"] if row[22]]

    assert statuses["closed"] > 300  # most cases of the past year are closed
    assert set(statuses) <= {
        "new",
        "triage",
        "in_progress",
        "waiting_on_customer",
        "escalated",
        "solution_proposed",
        "resolved",
        "closed",
    }
    assert escalated
    assert all(row[5] is not None for row in escalated)  # never a model-2 case
    assert all(event[1] <= NOW.isoformat(" ") for event in pending["events"])
    assert Counter(event[0] for event in pending["events"]).most_common(1)[0][1] < 40


@pytest.fixture
def generated(db):
    totals = generate(cases=120, seed=5, partners=3, customers=12, people_per_partner=4)
    return totals


def test_generated_rows_agree_with_what_the_services_read(generated):
    assert generated.cases == Case.objects.count() == 120
    assert generated.events == CaseEvent.objects.count()
    for case in Case.objects.prefetch_related("engagements")[:120]:
        sides = {e.kind: e.status for e in case.engagements.all()}
        assert case.customer_status == sides["customer"]
        assert case.vendor_status == sides.get("vendor", "")
        assert (case.partner_id is None) <= (case.vendor_status == "")
        assert case_readings(case)  # the history is one the clocks understand
    numbers = Case.objects.values_list("number", flat=True)
    years = Counter(number.split("-")[1] for number in numbers)
    assert {str(s.year): s.last for s in CaseSequence.objects.all()} == dict(years)


def test_the_services_carry_on_after_a_generated_set(generated):
    contact = Person.objects.select_related("organisation").filter(email__startswith="contact")[0]
    case, _ = services.case_open(
        actor=contact,
        customer=contact.organisation,
        title="After the bulk load",
        description="A new case numbers on from the generated ones.",
        category="question",
        impact="low",
        urgency="low",
        guidelines={},
    )

    assert Case.objects.filter(number=case.number).count() == 1
    assert case.pk > 120
    assert Engagement.objects.filter(case=case).count() == 1
    agent = Person.objects.select_related("organisation").filter(organisation__kind="partner")[0]
    assert list(case_queue(actor=agent, filters=QueueFilters(sort="due"))[:50])


def test_the_generated_cases_are_searchable_by_their_host_names(generated):
    case = Case.objects.exclude(partner=None).order_by("id").first()
    agent = Person.objects.filter(organisation_id=case.partner_id).first()

    found = search.search_cases(agent, " ".join(host_words(case.pk)))

    assert case.pk in [hit.case.pk for hit in found.hits]
    assert SearchEntry.objects.count() >= Case.objects.count()


def test_generate_refuses_a_database_that_holds_data(db):
    Organisation.objects.create(name="Real Vendor", slug="real", kind="vendor")

    with pytest.raises(NotEmpty):
        generate(cases=1, partners=1, customers=1)
    with pytest.raises(CommandError, match="empty database"):
        call_command("bench", "generate", "--cases", "1", "--quiet")
    with pytest.raises(CommandError, match="--partners"):
        call_command("bench", "generate", "--cases", "1", "--partners", "0")


def test_generated_cases_are_counted_in_the_report_rollups(generated):
    from django.db.models import Sum

    from casebridge.reports.models import ReportCount

    opened = ReportCount.objects.filter(measure="opened", customer__isnull=False).aggregate(
        cases=Sum("count")
    )

    assert generated.report_entries > generated.cases
    assert opened["cases"] == 120


def test_budgets_run_and_name_full_scans(generated):
    budgets = run_budgets(repeat=1)

    assert len(budgets) == 14
    assert sum(budget.name.startswith("search:") for budget in budgets) == 3
    assert sum(budget.name.startswith("reports:") for budget in budgets) == 2
    assert all(budget.queries >= 1 and budget.median_ms > 0 for budget in budgets)
    assert full_scans(["Seq Scan on cases_case  (cost=0.00..1.00)"]) or full_scans(
        ["SCAN cases_case"]
    )


def test_the_load_driver_only_drives_loopback(generated):
    with pytest.raises(LoadError, match="loopback"):
        run_load(url="http://example.com", requests=1)
    with pytest.raises(CommandError, match="loopback"):
        call_command("bench", "load", "--url", "https://10.0.0.1:8000", "--requests", "1")


def _fresh_postgres():
    server = os.environ.get("CASEBRIDGE_TEST_DATABASE_URL")
    if not server:
        return None
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/casebridge_bench_{uuid.uuid4().hex[:8]}"))


@pytest.mark.e2e
def test_the_tiny_profile_runs_end_to_end(tmp_path, migrated_template):
    """Generate, budget, serve in production settings, load and read memory: the CI smoke. The
    database is a copy of the run's migrated template (the migration is tested elsewhere)."""
    database = _fresh_postgres()
    command = [sys.executable, str(ROOT / "bench" / "scale.py"), "--profile", "tiny"]
    command += ["--json", str(tmp_path / "tiny.json"), "--template", migrated_template]
    if database:
        command += ["--database-url", database]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        done = subprocess.run(  # noqa: S603 (our own script)
            command, env=env, capture_output=True, text=True, timeout=600, check=False
        )
    finally:
        if database:
            import psycopg

            admin = urlunsplit(urlsplit(database)._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as connection:
                name = urlsplit(database).path.lstrip("/")
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert done.returncode == 0, done.stderr[-3000:]
    assert "| create case | 20 | 0 |" in done.stdout
    assert "| escalate |" in done.stdout
    assert "peak RSS: web worker" in done.stdout
