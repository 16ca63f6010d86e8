"""Benchmarks of the parties' read paths at the product's scale: 500 partners, 20,000 customers.

Usage: ``make bench`` or ``.venv/bin/python bench/run.py [--partners N] [--customers N]``.
Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL named by
BENCH_DATABASE_URL, which it migrates and EMPTIES first), fills it in bulk, then times each
selector that backs a page or an endpoint, and prints medians and 95th percentiles in
milliseconds with the number of queries each made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def setup_django(database_url: str) -> None:
    os.environ["CASEBRIDGE_MODE"] = "production"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["CASEBRIDGE_DEBUG"] = "false"
    # The generated submitters have no second factor; sign-in is not what is measured.
    os.environ.setdefault("CASEBRIDGE_MFA_REQUIRED_FOR", "none")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "casebridge.config.settings"
    import django

    django.setup()


def generate(partners: int, customers: int, people_per_partner: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from casebridge.parties.models import (
        AuthorisedSubmitter,
        Certification,
        CustomerRelationship,
        Organisation,
        Person,
        PersonRole,
    )

    today = dt.datetime.now(dt.UTC).date()
    unusable = make_password(None)
    with transaction.atomic():
        Organisation.objects.create(name="Bench Vendor", slug="vendor", kind="vendor")
        partner_rows = Organisation.objects.bulk_create(
            Organisation(name=f"Partner {n:04d}", slug=f"partner-{n:04d}", kind="partner")
            for n in range(partners)
        )
        customer_rows = Organisation.objects.bulk_create(
            Organisation(name=f"Customer {n:05d}", slug=f"customer-{n:05d}", kind="customer")
            for n in range(customers)
        )
        CustomerRelationship.objects.bulk_create(
            CustomerRelationship(
                customer=customer,
                partner=partner_rows[n % partners] if n % 10 else None,
                operating_model_id="model_1" if n % 10 else "model_2",
                scenario="cloud" if n % 3 else "on_premises",
                support_plan_id="standard" if n % 4 else "premium_plus",
                time_zone="Europe/Amsterdam",
                country="NL",
            )
            for n, customer in enumerate(customer_rows)
        )
        people = Person.objects.bulk_create(
            [
                Person(
                    email=f"p{p}-{k}@partner{p}.example",
                    full_name=f"Person {p}-{k}",
                    organisation=partner,
                    password=unusable,
                    phone=f"+3120{p:04d}{k:03d}",
                )
                for p, partner in enumerate(partner_rows)
                for k in range(people_per_partner)
            ]
            + [
                Person(
                    email=f"contact{c}@customer{c}.example",
                    full_name=f"Contact {c}",
                    organisation=customer,
                    password=unusable,
                )
                for c, customer in enumerate(customer_rows)
            ],
            batch_size=2000,
        )
        partner_people = [p for p in people if p.email.startswith("p")]
        PersonRole.objects.bulk_create(
            (PersonRole(person=person, role="agent") for person in people), batch_size=5000
        )
        Certification.objects.bulk_create(
            (
                Certification(
                    person=person,
                    level="l1_basic" if n % 2 else "l2_intermediate",
                    issued_on=today - dt.timedelta(days=400),
                    expires_on=today + dt.timedelta(days=(n * 7) % 700 - 100),
                )
                for n, person in enumerate(partner_people)
            ),
            batch_size=5000,
        )
        AuthorisedSubmitter.objects.bulk_create(
            (
                AuthorisedSubmitter(
                    person=person,
                    email=person.email,
                    phone=person.phone,
                    verified_at=None if n % 5 == 0 else dt.datetime.now(dt.UTC),
                )
                for n, person in enumerate(partner_people)
                if n % 3 == 0
            ),
            batch_size=5000,
        )


def measure(
    name: str, function: Callable[[], object], repeat: int
) -> tuple[str, float, float, int]:
    """The name, median and 95th percentile in ms and the queries of one warm run (the timing
    is the budgets' own, :func:`casebridge.bench.budgets.measure`)."""
    from casebridge.bench.budgets import measure as budget

    result = budget(name, function, repeat)
    return result.name, result.median_ms, result.p95_ms, result.queries


def run(repeat: int) -> list[tuple[str, float, float, int]]:
    from casebridge.parties import selectors
    from casebridge.parties.models import AuthorisedSubmitter, Organisation, Person

    vendor_person = Person.objects.create(
        email="bench@vendor.example",
        full_name="Bench",
        organisation=Organisation.objects.get(kind="vendor"),
    )
    vendor_person = Person.objects.select_related("organisation").get(pk=vendor_person.pk)
    partner = Organisation.objects.filter(kind="partner").order_by("id")[251]  # serves 40 customers
    partner_person = (
        Person.objects.select_related("organisation").filter(organisation=partner).first()
    )
    phone = AuthorisedSubmitter.objects.order_by("id")[1000].phone
    typed = f"0{phone[3:5]} {phone[5:]}"  # national formatting, as an agent types it

    def first_page(queryset_factory: Callable[[], object], size: int = 50) -> Callable[[], object]:
        return lambda: list(queryset_factory()[:size])  # type: ignore[index]

    return [
        measure(
            "organisation list, vendor, first page",
            first_page(lambda: selectors.organisation_list(actor=vendor_person)),
            repeat,
        ),
        measure(
            "organisation list, partner, first page",
            first_page(lambda: selectors.organisation_list(actor=partner_person)),
            repeat,
        ),
        measure(
            "organisation search 'Customer 19', vendor",
            first_page(
                lambda: selectors.organisation_list(actor=vendor_person, search="Customer 19")
            ),
            repeat,
        ),
        measure(
            "people list, vendor, first page",
            first_page(lambda: selectors.person_list(actor=vendor_person)),
            repeat,
        ),
        measure(
            "people of one partner",
            first_page(
                lambda: selectors.person_list(actor=vendor_person, organisation_id=partner.pk)
            ),
            repeat,
        ),
        measure(
            "qualification of one partner",
            lambda: selectors.partner_is_qualified(partner),
            repeat,
        ),
        measure(
            "qualification of 50 partners (a list page)",
            lambda: selectors.partner_qualifications(
                list(Organisation.objects.partners().order_by("name")[:50])
            ),
            repeat,
        ),
        measure(
            "expiring certifications, vendor, first page",
            first_page(lambda: selectors.certifications_expiring(actor=vendor_person)),
            repeat,
        ),
        measure(
            "caller lookup by national number",
            lambda: selectors.caller_lookup(actor=vendor_person, phone=typed),
            repeat,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--people-per-partner", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database_url = (
            os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        )
        os.environ["CASEBRIDGE_VAR_DIR"] = folder
        setup_django(database_url)
        from django.core.management import call_command
        from django.db import connection

        call_command(
            "flush", interactive=False, verbosity=0
        ) if "postgres" in database_url else None
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args.partners, args.customers, args.people_per_partner)
        built = time.perf_counter() - started
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would leave them
            cursor.execute("ANALYZE")
        rows = run(args.repeat)

        print(f"# casebridge parties benchmark — {dt.datetime.now(dt.UTC).date().isoformat()}")
        print(
            f"database {connection.vendor}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, {platform.machine()}; {args.partners} partners, "
            f"{args.customers} customers, {args.people_per_partner} people per partner; "
            f"built in {built:.1f} s; {args.repeat} runs each"
        )
        print()
        print("| read | median ms | p95 ms | queries |")
        print("|---|---:|---:|---:|")
        for name, median, p95, queries in rows:
            print(f"| {name} | {median:.2f} | {p95:.2f} | {queries} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
