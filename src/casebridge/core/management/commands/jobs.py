"""``casebridge jobs``: list the periodic jobs or run one now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casebridge.core.errors import NotFound
from casebridge.core.schedule import job_interval, job_run, registered_jobs


class Command(BaseCommand):
    help = "List the periodic jobs (`jobs list`) or run one in this process (`jobs run NAME`)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the registered periodic jobs.")
        run = sub.add_parser("run", help="Run one periodic job now.")
        run.add_argument("name", help="The job's name, as `jobs list` shows it.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "list":
            for job in registered_jobs():
                seconds = int(job_interval(job).total_seconds())
                self.stdout.write(f"{job.name:<32} every {seconds:>6}s  {job.description}")
            return
        try:
            outcome = job_run(options["name"])
        except NotFound as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{options['name']}: {outcome}")
