"""``casebridge worker``: every task queue, each on threads of its own, and the periodic schedule,
in one process.

The ``default`` queue (the outbox drain — e-mail among it — and the periodic jobs) runs on the
main thread; every other queue of ``CASEBRIDGE_WORKER_THREADS`` (``webhooks``: sending to
receivers) on its own threads. A slow queue therefore never delays another. A heartbeat thread
keeps the process's row in ``WorkerHeartbeat`` fresh (readiness and `casebridge check` read it).
Any number of workers may run on any number of machines: every claim is in the database."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from casebridge.core import clock
from casebridge.core.heartbeats import heartbeat_beat, heartbeat_interval, heartbeat_stop
from casebridge.core.schedule import schedule_due_jobs
from casebridge.core.tasks import periodic_job_enqueue

logger = logging.getLogger("casebridge.worker")

MAIN_QUEUE = "default"


def queue_threads(overrides: list[str]) -> dict[str, int]:
    """Threads per queue: the settings, with ``QUEUE=N`` overrides from the command line."""
    threads = {queue: 1 for queue in settings.TASKS["default"].get("QUEUES", [MAIN_QUEUE])}
    threads.update(settings.CASEBRIDGE_WORKER_THREADS)
    for override in overrides:
        name, _, count = override.partition("=")
        if name not in threads or not count.isdigit():
            known = ", ".join(sorted(threads))
            raise CommandError(f"--threads takes QUEUE=N with a queue of {known}, not {override!r}")
        threads[name] = int(count)
    if threads.get(MAIN_QUEUE, 0) < 1:
        raise CommandError(f"the {MAIN_QUEUE!r} queue needs its thread")
    return threads


class Command(BaseCommand):
    help = (
        "Run the background worker: the outbox (e-mail), the periodic schedule and, on threads "
        "of their own, webhook deliveries."
    )

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
        parser.add_argument(
            "--threads",
            action="append",
            default=[],
            metavar="QUEUE=N",
            help=(
                "Threads for a queue (default: CASEBRIDGE_WORKER_THREADS, i.e. default=1 and "
                "webhooks=CASEBRIDGE_WEBHOOK_CONCURRENCY); webhooks=0 leaves webhooks to "
                "another worker."
            ),
        )

    def handle(
        self,
        *args: Any,
        tick: float,
        interval: float,
        no_schedule: bool,
        threads: list[str],
        **options: Any,
    ) -> None:
        if tick <= 0 or interval <= 0:
            raise CommandError("--tick and --interval must be positive")
        counts = queue_threads(threads)
        stop = threading.Event()
        worker_id = get_random_string(32)
        running = ", ".join(f"{name}: {count}" for name, count in counts.items() if count)
        heartbeat = threading.Thread(
            target=self._heartbeat_loop,
            args=(worker_id, running, not no_schedule, stop),
            name="casebridge-heartbeat",
            daemon=True,
        )
        heartbeat.start()
        if not no_schedule:
            threading.Thread(
                target=self._schedule_loop,
                args=(tick, stop),
                name="casebridge-schedule",
                daemon=True,
            ).start()
        side_workers = self._start_side_queues(counts, interval, worker_id)
        self.stdout.write(
            f"casebridge worker: running tasks ({running})"
            + ("" if no_schedule else " and the periodic schedule")
        )
        try:
            call_command(
                "db_worker",
                queue_name=MAIN_QUEUE,
                interval=interval,
                reload=False,
                worker_id=worker_id,  # the tasks it runs name the heartbeat row
                verbosity=options.get("verbosity", 1),
            )
        finally:
            stop.set()
            for worker, _ in side_workers:
                worker.running = False  # finish the task in hand, take no other
            # An attempt in hand ends by its deadline; one cut short is claimed again after
            # the lease, so nothing is lost either way.
            deadline = time.monotonic() + settings.CASEBRIDGE_WEBHOOK_TIMEOUT + 2
            for _, thread in side_workers:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            heartbeat.join(timeout=5)  # a beat in hand would write the row again
            try:
                heartbeat_stop(worker_id=worker_id)
            except DatabaseError:  # the row goes stale instead
                logger.warning("worker.heartbeat_stop_failed", extra={"worker_id": worker_id})

    def _start_side_queues(
        self, counts: dict[str, int], interval: float, worker_id: str
    ) -> list[tuple[Worker, threading.Thread]]:
        started = []
        for name, count in counts.items():
            if name == MAIN_QUEUE:
                continue
            for number in range(count):
                worker = Worker(
                    queue_names=[name],
                    interval=interval,
                    batch=False,
                    backend_name="default",
                    startup_delay=True,
                    max_tasks=None,
                    worker_id=f"{worker_id}-{name}-{number + 1}"[:64],
                    excluded_queue_names=[],
                )
                thread = threading.Thread(
                    target=self._side_loop,
                    args=(worker,),
                    name=f"casebridge-{name}-{number + 1}",
                    daemon=True,
                )
                thread.start()
                started.append((worker, thread))
        return started

    def _side_loop(self, worker: Worker) -> None:
        """A queue's thread: the database worker's loop, restarted after a database hiccup."""
        while worker.running:
            try:
                worker.run()
            except Exception:
                logger.exception("worker.queue_failed", extra={"queues": worker.queue_names})
                close_old_connections()
                threading.Event().wait(1.0)
        connection.close()

    def _heartbeat_loop(
        self, worker_id: str, queues: str, runs_schedule: bool, stop: threading.Event
    ) -> None:
        started = clock.now()
        every = heartbeat_interval().total_seconds()
        while not stop.is_set():
            try:
                heartbeat_beat(
                    worker_id=worker_id,
                    queues=queues,
                    runs_schedule=runs_schedule,
                    started_at=started,
                )
            except DatabaseError:  # the database is away: beat again next time
                logger.warning("worker.heartbeat_failed", extra={"worker_id": worker_id})
            finally:
                close_old_connections()
            stop.wait(every)
        connection.close()

    def _schedule_loop(self, tick: float, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                schedule_due_jobs(enqueue=periodic_job_enqueue)
            except Exception:  # keep ticking: a database hiccup must not stop the schedule
                logger.exception("schedule.tick_failed")
            finally:
                close_old_connections()
            stop.wait(tick)
        connection.close()
