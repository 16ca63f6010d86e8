"""``casebridge worker``: the background worker and the periodic schedule in one process."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from casebridge.core.schedule import schedule_due_jobs
from casebridge.core.tasks import periodic_job_task

logger = logging.getLogger("casebridge.worker")


class Command(BaseCommand):
    help = "Run the background worker (tasks, outbox delivery) and the periodic schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tick",
            type=float,
            default=5.0,
            help="Seconds between checks of the periodic schedule (default: 5).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between polls when no task is queued (default: 1).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Only run queued tasks; another worker runs the periodic schedule.",
        )

    def handle(
        self, *args: Any, tick: float, interval: float, no_schedule: bool, **options: Any
    ) -> None:
        if tick <= 0 or interval <= 0:
            raise ValueError("--tick and --interval must be positive")
        stop = threading.Event()
        if not no_schedule:
            thread = threading.Thread(
                target=self._schedule_loop,
                args=(tick, stop),
                name="casebridge-schedule",
                daemon=True,
            )
            thread.start()
        self.stdout.write("casebridge worker: running tasks and the periodic schedule")
        try:
            call_command(
                "db_worker",
                queue_name="*",
                interval=interval,
                reload=False,
                verbosity=options.get("verbosity", 1),
            )
        finally:
            stop.set()

    def _schedule_loop(self, tick: float, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                for name in schedule_due_jobs():
                    periodic_job_task.enqueue(name)
            except Exception:  # keep ticking: a database hiccup must not stop the schedule
                logger.exception("schedule.tick_failed")
            finally:
                close_old_connections()
            stop.wait(tick)
        connection.close()
