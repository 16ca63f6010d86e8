"""``casebridge serve``: gunicorn in front of the WSGI app, optionally with the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _default_workers() -> int:
    return max(2, min(4, (os.cpu_count() or 1) * 2))


class Command(BaseCommand):
    help = "Serve the portal and API with gunicorn; --with-worker also runs the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="HOST:PORT (default: %(default)s)"
        )
        parser.add_argument(
            "--workers", type=int, default=_default_workers(), help="gunicorn worker processes"
        )
        parser.add_argument(
            "--log-file",
            help="append the server's and the worker's log lines to this file instead of the "
            "terminal (make run does, so the terminal stays readable)",
        )
        parser.add_argument(
            "--banner",
            help="a text file printed once the server runs, last (make run: the demo sign-ins)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also start `casebridge worker`; Ctrl-C stops both.",
        )

    def handle(
        self,
        *args: Any,
        bind: str,
        workers: int,
        with_worker: bool,
        log_file: str | None = None,
        banner: str | None = None,
        **options: Any,
    ) -> None:
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if ":" not in bind:
            raise CommandError(f"--bind must be HOST:PORT, not {bind!r}")
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "casebridge.config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        log = None
        if log_file:
            path = Path(log_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            log = path.open("ab")
        output: dict[str, Any] = {"stdout": log, "stderr": subprocess.STDOUT} if log else {}
        processes: list[subprocess.Popen[bytes]] = []
        try:
            if with_worker:
                processes.append(
                    subprocess.Popen([sys.executable, "-m", "casebridge", "worker"], **output)
                )
            processes.append(subprocess.Popen(web, **output))  # noqa: S603
            self.stdout.write(f"casebridge is serving at http://{bind}/ (Ctrl-C stops)")
            if log_file:
                self.stdout.write(f"Log lines go to {log_file}.")
            if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
                where = settings.EMAIL_FILE_PATH
                self.stdout.write(f"Outgoing e-mail is written to files in {where}/.")
            if banner:
                self.stdout.write(Path(banner).read_text(encoding="utf-8").rstrip())
            self._supervise(processes)
        finally:
            if log is not None:
                log.close()

    def _supervise(self, processes: list[subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(process.poll() is None for process in processes):
                time.sleep(0.3)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p.returncode for p in processes if p.returncode not in (0, -signal.SIGTERM)]
        if failed and not stopping:
            raise CommandError(f"a casebridge process stopped unexpectedly (exit {failed[0]})")
        self.stdout.write("casebridge stopped")
