"""casebridge as real processes for the tests that need them (crash safety, slow receivers): a
database of their own, the `casebridge` command with a clean environment, spawned and killed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def scratch_database(tmp_path: Path, label: str) -> Iterator[str]:
    """A database of its own: a SQLite file, or a scratch database on the suite's PostgreSQL."""
    server = os.environ.get("CASEBRIDGE_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
        return
    import psycopg

    name = f"casebridge_{label}_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(server)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Deployment:
    def __init__(self, database_url: str, folder: Path, **env: str) -> None:
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CASEBRIDGE_")},
            "CASEBRIDGE_MODE": "development",
            "CASEBRIDGE_VAR_DIR": str(folder),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "casebridge.config.settings",
            "SECRET_KEY": "process-test-only-" + "x" * 40,
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            **env,
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
            [str(BIN / "casebridge"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def python(self, code: str) -> object:
        return json.loads(self.run("shell", "-c", code).strip().splitlines()[-1])

    def spawn(self, *command: str) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [str(BIN / "casebridge"), *command],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start(self) -> None:
        """The web server and the worker; returns once the server answers."""
        self.spawn("serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2")
        self.spawn("worker", "--tick", "1", "--interval", "1")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("the server did not come up")

    def kill(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        self.processes = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"
