"""``casebridge bench generate | budgets | load``: the benchmark suite's commands."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def _progress_bar(stream: Any) -> Any:
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else 0.0
        stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} cases "
            f"{rate:,.0f}/s {elapsed:,.0f} s"
        )
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


class Command(BaseCommand):
    help = (
        "Benchmarks: 'generate' builds a realistic data set in bulk into an empty database; "
        "'budgets' times the selectors behind pages and lists and checks their query plans; "
        "'load' drives the HTTP API of a running server and reports latency percentiles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser("generate", help="build a data set (empty database only)")
        generate.add_argument("--cases", type=int, required=True, help="how many cases")
        generate.add_argument("--seed", type=int, default=1, help="same seed, same data")
        generate.add_argument("--partners", type=int, default=500)
        generate.add_argument("--customers", type=int, default=20_000)
        generate.add_argument("--people-per-partner", type=int, default=8)
        generate.add_argument("--quiet", action="store_true", help="no progress bar")

        budgets = actions.add_parser("budgets", help="time the selectors, check query plans")
        budgets.add_argument("--repeat", type=int, default=30, help="runs per selector")
        budgets.add_argument(
            "--format", choices=("md", "json"), default="md", help="markdown table or JSON"
        )

        load = actions.add_parser("load", help="drive a running server's API")
        load.add_argument("--url", default="http://127.0.0.1:8000", help="loopback only")
        load.add_argument("--concurrency", type=int, default=8)
        load.add_argument("--requests", type=int, default=400, help="per operation, at most")
        load.add_argument("--seconds", type=float, default=60.0, help="per operation, at most")
        load.add_argument("--seed", type=int, default=1)
        load.add_argument("--format", choices=("md", "json"), default="md")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "generate":
            self._generate(options)
        elif action == "budgets":
            self._budgets(options)
        else:
            self._load(options)

    def _generate(self, options: dict[str, Any]) -> None:
        from casebridge.bench.generator import NotEmpty, generate

        if options["cases"] < 0:
            raise CommandError("--cases must be 0 or more")
        for name in ("partners", "customers", "people_per_partner"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        started = time.perf_counter()
        try:
            totals = generate(
                cases=options["cases"],
                seed=options["seed"],
                partners=options["partners"],
                customers=options["customers"],
                people_per_partner=options["people_per_partner"],
                progress=None if options["quiet"] else _progress_bar(sys.stderr),
            )
        except NotEmpty as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"generated {totals.cases:,} cases, {totals.engagements:,} engagements, "
            f"{totals.events:,} events, {totals.comments:,} comments, {totals.clocks:,} clocks "
            f"in {time.perf_counter() - started:,.1f} s"
        )

    def _budgets(self, options: dict[str, Any]) -> None:
        from casebridge.bench.budgets import render, run_budgets

        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1")
        results = run_budgets(repeat=options["repeat"])
        self.stdout.write(render(results, options["format"]))
        failed = [result.name for result in results if not result.plan_ok]
        if failed:
            raise CommandError(f"query plan scans the whole case or event table: {failed}")

    def _load(self, options: dict[str, Any]) -> None:
        from casebridge.bench.load import LoadError, render, run_load

        if options["concurrency"] < 1 or options["requests"] < 1 or options["seconds"] <= 0:
            raise CommandError("--concurrency, --requests and --seconds must be positive")
        try:
            report = run_load(
                url=options["url"],
                concurrency=options["concurrency"],
                requests=options["requests"],
                seconds=options["seconds"],
                seed=options["seed"],
            )
        except LoadError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render(report, options["format"]))
        if report.failed:
            raise CommandError(f"{report.failed} request(s) did not get their success status")
