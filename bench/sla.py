"""Benchmarks of the service-level clocks.

Usage: ``make bench`` or ``.venv/bin/python bench/sla.py [--cases N] [--due N] [--events N]``.
Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL named by
BENCH_DATABASE_URL, which it migrates and EMPTIES first) and measures:

* one clock computed from a history of N events (pure, and with the query that reads them), and
  a write's refresh of the case's clocks: moved on from the stored ledger, and replayed;
* the sweep over N open cases of which a few are due: the 1,000 due cases are opened through
  the services (real histories) and the rest are bulk-inserted with clocks due later, so the
  sweep index holds every open case. The sweep's query plan is printed: it must read only the
  due rows through ``case_clock_sweep_idx``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import measure, setup_django

H = dt.timedelta(hours=1)
#: Monday 09:00 in Amsterdam, when the bench's cases open.
START = dt.datetime(2026, 6, 15, 7, 0, tzinfo=dt.UTC)


def build_parties() -> dict[str, object]:
    from casebridge.parties.models import (
        CustomerRelationship,
        Organisation,
        Person,
        PersonRole,
    )

    vendor = Organisation.objects.create(name="Bench Vendor", slug="vendor", kind="vendor")
    partner = Organisation.objects.create(name="Bench Partner", slug="partner", kind="partner")
    customer = Organisation.objects.create(name="Bench Customer", slug="customer", kind="customer")
    CustomerRelationship.objects.create(
        customer=customer,
        partner=partner,
        operating_model_id="model_1",
        scenario="cloud",
        support_plan_id="standard",
        time_zone="Europe/Amsterdam",
        country="NL",
    )
    agent = Person.objects.create(
        email="agent@partner.example",
        full_name="Agent",
        organisation=partner,
        support_level="l1_basic",
    )
    PersonRole.objects.create(person=agent, role="agent")
    contact = Person.objects.create(
        email="it@customer.example", full_name="Contact", organisation=customer
    )
    PersonRole.objects.create(person=contact, role="customer_contact")
    return {
        "vendor": vendor,
        "partner": partner,
        "customer": customer,
        "agent": Person.objects.select_related("organisation").get(pk=agent.pk),
        "contact": Person.objects.select_related("organisation").get(pk=contact.pk),
    }


def open_case(people: dict[str, object]):  # type: ignore[no-untyped-def]
    from casebridge.cases import services

    case, _ = services.case_open(
        actor=people["contact"],
        customer=people["customer"],
        title="Callers hear silence",
        description="No call reaches an agent.",
        category="incident",
        impact="high",
        urgency="high",
        guidelines={},
    )
    return case


def long_history(people: dict[str, object], events: int):  # type: ignore[no-untyped-def]
    """A case whose customer engagement has ``events`` events: messages, waits and replies."""
    import time_machine

    from casebridge.cases import services

    moment = START
    with time_machine.travel(moment, tick=False) as travel:
        case = open_case(people)
        services.case_transition(
            actor=people["agent"], case=case, action="start", expected_revision=None
        )
        made = 3
        while made < events:
            moment += dt.timedelta(minutes=37)
            travel.move_to(moment)
            if made % 10 == 0:
                services.case_transition(
                    actor=people["agent"],
                    case=case,
                    action="wait_on_customer",
                    expected_revision=None,
                )
                moment += dt.timedelta(hours=5)
                travel.move_to(moment)
                services.case_comment(
                    actor=people["contact"], case=case, audience="public", body="Reply."
                )
                made += 3  # wait, the comment and the resume it causes
            else:
                services.case_comment(
                    actor=people["agent"], case=case, audience="public", body="Update."
                )
                made += 1
    return case, moment


CASE_COLUMNS = (
    "created_at, updated_at, number, title, description, category, impact, urgency, priority,"
    " tier, revision, causes_ruled_out, customer_id, partner_id, reporter_id, matrix_version_id,"
    " priority_override_reason, version, expected_behaviour, actual_behaviour, error_messages,"
    " steps_to_reproduce, frequency, business_impact, actions_taken, evidence,"
    " version_override_reason, version_override_request, cause_attribution, external_reference,"
    " customer_status, vendor_status"
)
CASE_VALUES = (
    "%s, %s, 'BN-' || n, 'Filler', 'Filler', 'incident', 'medium', 'medium', 'P3', 'l1_basic',"
    " 1, '[]', %s, %s, %s, %s, '', '', '', '', '', '', '', '', '', '', '', '', '', '',"
    " 'in_progress', ''"
)


def fill_open_cases(people: dict[str, object], count: int) -> None:
    """``count`` open P3 cases in progress whose two clocks come due from 3 hours to 30 days
    after the bench's start (none of them at the sweep).

    Set-based SQL (``INSERT ... SELECT`` over a generated sequence) because a million rows
    through the ORM take most of an hour on SQLite with the case table's indexes; the rows are
    those the services write for such a case."""
    from django.db import connection, transaction

    from casebridge.cases.models import CaseClock
    from casebridge.rasci.models import MatrixVersion

    version = MatrixVersion.objects.get(operating_model_id="model_1", status="published")
    at = connection.ops.adapt_datetimefield_value(START)
    ids = [people["customer"].pk, people["partner"].pk, people["contact"].pk, version.pk]
    if connection.vendor == "postgresql":
        insert_cases = (
            f"INSERT INTO cases_case ({CASE_COLUMNS}) SELECT {CASE_VALUES}"
            " FROM generate_series(0, %s - 1) AS seq(n)",
            [at, at, *ids, count],
        )
        later = "%s::timestamptz + make_interval(mins => (180 + c.id % 43200)::int)"
    else:
        insert_cases = (
            "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < %s - 1)"
            f" INSERT INTO cases_case ({CASE_COLUMNS}) SELECT {CASE_VALUES} FROM seq",
            [count, at, at, *ids],
        )
        later = "datetime(%s, '+' || (180 + c.id % 43200) || ' minutes')"
    later = later.replace("%", "%%").replace("%%s", "%s")
    target = CaseClock._meta.get_field("target")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*insert_cases)
        cursor.execute(
            "INSERT INTO cases_engagement (created_at, updated_at, kind, status, tier, opened_at,"
            " status_changed_at, case_id) SELECT %s, %s, 'customer', 'in_progress', 'l1_basic',"
            " %s, %s, c.id FROM cases_case c WHERE c.title = 'Filler'",
            [at, at, at, at],
        )
        for metric, hours in (("first_response", 8), ("resolution", 40)):
            cursor.execute(
                "INSERT INTO cases_caseclock (case_id, engagement, metric, status, plan, priority,"
                " calendar, target, started_at, due_at, warn_at, cycle, warned_cycle,"
                " breached_cycle, next_check_at, computed_at) SELECT c.id, 'customer', %s,"
                f" 'running', 'standard', 'P3', 'business-hours', %s, %s, {later}, {later},"
                f" 1, 0, 0, {later}, %s FROM cases_case c WHERE c.title = 'Filler'",
                [
                    metric,
                    target.get_db_prep_value(dt.timedelta(hours=hours), connection),
                    at,
                    at,
                    at,
                    at,
                    at,
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        )
        os.environ["CASEBRIDGE_VAR_DIR"] = folder
        setup_django(database_url)
        import time_machine
        from django.core.management import call_command
        from django.db import connection, transaction

        if "postgres" in database_url:
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        from casebridge.cases.clocks import engagement_clocks, history_of

        # Flushing PostgreSQL empties the rows the migrations loaded: load them again.
        from casebridge.cases.defaults import ensure_case_defaults
        from casebridge.cases.models import Case, CaseClock, CaseEvent
        from casebridge.cases.selectors import case_facts, case_readings, case_terms
        from casebridge.cases.services.clocks import clocks_refresh, clocks_sweep
        from casebridge.parties.defaults import ensure_default_operating_models
        from casebridge.parties.models import OperatingModel
        from casebridge.rasci.defaults import ensure_default_matrices
        from casebridge.sla.defaults import ensure_service_level_defaults
        from casebridge.sla.selectors import PolicyBook

        ensure_default_operating_models(OperatingModel)
        ensure_default_matrices()
        ensure_case_defaults()
        ensure_service_level_defaults()
        people = build_parties()
        rows = []

        # 1. One clock from a long history.
        case, last = long_history(people, args.events)
        events = CaseEvent.objects.filter(case=case).count()
        facts = case_facts(case)
        book = PolicyBook.load()
        terms = case_terms(case)
        policy_for = lambda priority: book.policy(  # noqa: E731
            terms.customer_plan, priority, time_zone=terms.time_zone, country=terms.country
        )
        now = last + H
        rows.append(
            measure(
                f"clocks of one engagement from {events} events (pure)",
                lambda: engagement_clocks(history_of("customer", facts), policy_for, now),
                args.repeat,
            )
        )
        rows.append(
            measure(
                f"clocks of one case from {events} events (read + compute)",
                lambda: case_readings(case, now=now, book=book, terms=terms),
                args.repeat,
            )
        )

        def refresh(replay: bool) -> None:
            with transaction.atomic():
                locked = Case.objects.select_for_update().get(pk=case.pk)
                clocks_refresh(locked, book=book, replay=replay)

        rows.append(
            measure(
                f"a write's clock refresh on {events} events, moved on from the ledger",
                lambda: refresh(False),
                args.repeat,
            )
        )
        rows.append(
            measure(
                f"a write's clock refresh on {events} events, replayed (the repair path)",
                lambda: refresh(True),
                args.repeat,
            )
        )

        # 2. The sweep over many open cases, a few of them due.
        started = time.perf_counter()
        with time_machine.travel(START, tick=False):
            for _ in range(args.due):
                open_case(people)
        fill_open_cases(people, max(args.cases - args.due, 0))
        built = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        sweep_at = START + 2 * H  # the due cases' first response (1 h) has passed
        due_query = (
            CaseClock.objects.filter(next_check_at__lte=sweep_at)
            .order_by("next_check_at")
            .values_list("case_id", flat=True)[:500]
        )
        plan = due_query.explain()
        due_rows = CaseClock.objects.filter(next_check_at__lte=sweep_at).count()
        with time_machine.travel(sweep_at, tick=False):
            begin = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                profiler = cProfile.Profile()
                raised = profiler.runcall(clocks_sweep, now=sweep_at)
                profiler.dump_stats(os.environ["BENCH_PROFILE"])
            else:
                raised = clocks_sweep(now=sweep_at)
            sweep_ms = (time.perf_counter() - begin) * 1000
            rows.append(
                measure(
                    "sweep again with nothing due (the steady per-minute cost)",
                    lambda: clocks_sweep(now=sweep_at),
                    args.repeat,
                )
            )
        total_clocks = CaseClock.objects.count()

        print(f"# casebridge SLA benchmark — {dt.datetime.now(dt.UTC).date().isoformat()}")
        print(
            f"database {connection.vendor}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, {platform.machine()}; {args.cases} open cases "
            f"({total_clocks} clock rows), {due_rows} clock rows due; built in {built:.0f} s"
        )
        print()
        print("| measurement | median ms | p95 ms | queries |")
        print("|---|---:|---:|---:|")
        for name, median, p95, queries in rows:
            print(f"| {name} | {median:.2f} | {p95:.2f} | {queries} |")
        print(
            f"| sweep raising {raised} breaches on {args.due} due cases (one run) | "
            f"{sweep_ms:.0f} | - | - |"
        )
        print(f"\nper due case: {sweep_ms / max(args.due, 1):.1f} ms")
        print("\nquery plan of the sweep's read:\n")
        print("    " + plan.replace("\n", "\n    "))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
