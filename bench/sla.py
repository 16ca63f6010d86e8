"""Benchmarks of the service-level clocks.

Usage: ``make bench`` or ``.venv/bin/python bench/sla.py [--cases N] [--due N] [--events N]``.
Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL named by
BENCH_DATABASE_URL, which it migrates and EMPTIES first) and measures:

* one clock computed from a history of N events (pure, and with the query that reads them);
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
        services.case_act(actor=people["agent"], case=case, action="start", expected_revision=None)
        made = 3
        while made < events:
            moment += dt.timedelta(minutes=37)
            travel.move_to(moment)
            if made % 10 == 0:
                services.case_act(
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


def fill_open_cases(people: dict[str, object], count: int, batch: int = 10_000) -> None:
    """``count`` open cases whose clocks come due from 3 hours to 30 days after the bench's
    start (none of them at the sweep), in bulk."""
    from django.db import transaction

    from casebridge.cases.models import Case, CaseClock, Engagement
    from casebridge.rasci.models import MatrixVersion

    version = MatrixVersion.objects.get(operating_model_id="model_1", status="published")
    now = START
    made = 0
    while made < count:
        size = min(batch, count - made)
        with transaction.atomic():
            cases = Case.objects.bulk_create(
                Case(
                    number=f"BN-{made + n:08d}",
                    customer=people["customer"],
                    partner=people["partner"],
                    reporter=people["contact"],
                    title="Filler",
                    description="Filler",
                    category="incident",
                    impact="medium",
                    urgency="medium",
                    priority="P3",
                    matrix_version=version,
                )
                for n in range(size)
            )
            Engagement.objects.bulk_create(
                Engagement(
                    case=case,
                    kind="customer",
                    status="in_progress",
                    tier="l1_basic",
                    opened_at=now,
                    status_changed_at=now,
                )
                for case in cases
            )
            clocks = []
            for n, case in enumerate(cases):
                later = now + dt.timedelta(minutes=180 + (made + n) % (30 * 24 * 60))
                for metric, target in (("first_response", 8 * H), ("resolution", 40 * H)):
                    clocks.append(
                        CaseClock(
                            case=case,
                            engagement="customer",
                            metric=metric,
                            status="running",
                            plan="standard",
                            priority="P3",
                            calendar="business-hours",
                            target=target,
                            started_at=now,
                            due_at=later,
                            warn_at=later,
                            cycle=1,
                            next_check_at=later,
                            computed_at=now,
                        )
                    )
            CaseClock.objects.bulk_create(clocks)
        made += size
        sys.stderr.write(f"\rfilled {made}/{count} open cases")
    sys.stderr.write("\n")


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
        from django.db import connection

        if "postgres" in database_url:
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        from casebridge.cases.clocks import engagement_clocks, history_of
        from casebridge.cases.models import CaseClock, CaseEvent
        from casebridge.cases.selectors import case_facts, case_readings, case_terms
        from casebridge.cases.services.clocks import clocks_sweep
        from casebridge.sla.defaults import ensure_service_level_defaults
        from casebridge.sla.selectors import PolicyBook

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
