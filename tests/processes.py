"""casebridge as real processes for the tests that need them (crash safety, slow receivers, the
cluster): a database of their own, the `casebridge` command with a clean environment, spawned
and killed, and a Redis server of their own."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
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


def _server_admin() -> tuple[str, str] | None:
    """(the suite's PostgreSQL URL, the same server's ``postgres`` database), or None (SQLite)."""
    server = os.environ.get("CASEBRIDGE_TEST_DATABASE_URL")
    if not server:
        return None
    return server, urlunsplit(urlsplit(server)._replace(path="/postgres"))


def _drop_database(url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


TEMPLATE_STATE = "migrated-template.json"


def migrated_template(shared: Path) -> str:
    """The URL of a database `casebridge migrate` brought up to date once for the whole run, the
    first time a test asks (a SQLite file, or a database on the suite's PostgreSQL): the
    scratch databases are copies of it, so each process test no longer pays a migration from
    nothing (about 12 s of CPU each, more under load). ``shared`` is the folder every xdist
    worker of the run sees; a file lock there makes one worker migrate while the other waits.
    :func:`drop_migrated_template` drops it at the end of the run."""
    state = shared / TEMPLATE_STATE
    with open(shared / "migrated-template.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if state.exists():
            return json.loads(state.read_text())["url"]
        folder = shared / "migrated-template"
        folder.mkdir(exist_ok=True)
        postgres = _server_admin()
        if postgres is None:
            url = f"sqlite:///{folder / 'template.sqlite3'}"
        else:
            import psycopg

            server, admin = postgres
            name = f"casebridge_template_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        try:
            Deployment(url, folder).run("migrate", "--noinput")
        except BaseException:
            if postgres is not None:
                _drop_database(url)
            raise
        state.write_text(json.dumps({"url": url}))
        return url


def drop_migrated_template(shared: Path) -> None:
    """At the end of the run (the xdist controller, or the only process): drop the template."""
    state = shared / TEMPLATE_STATE
    if not state.exists():
        return
    url = json.loads(state.read_text())["url"]
    if not url.startswith("sqlite"):
        _drop_database(url)
    state.unlink()


@contextlib.contextmanager
def scratch_database(tmp_path: Path, label: str, *, template: str) -> Iterator[str]:
    """A migrated database of its own, a copy of ``template`` (see :func:`migrated_template`):
    a SQLite file, or a scratch database on the suite's PostgreSQL."""
    postgres = _server_admin()
    if postgres is None:
        path = tmp_path / f"{label}.sqlite3"
        with (
            contextlib.closing(sqlite3.connect(template.removeprefix("sqlite:///"))) as source,
            contextlib.closing(sqlite3.connect(path)) as copy,
        ):
            source.backup(copy)  # a consistent copy, whatever sits in the template's WAL
        yield f"sqlite:///{path}"
        return
    import psycopg

    server, admin = postgres
    name = f"casebridge_{label}_{uuid.uuid4().hex[:8]}"
    template_name = urlsplit(template).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        # Nobody is connected to the template (its migrate has exited), as a copy requires.
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        _drop_database(url)


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

    def spawn(self, *command: str, log: Path | None = None) -> subprocess.Popen:
        """Start ``casebridge COMMAND`` in a session of its own (its output to ``log``)."""
        output = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
        try:
            process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
                [str(BIN / "casebridge"), *command],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            if log is not None:
                output.close()
        self.processes.append(process)
        return process

    def kill_one(self, process: subprocess.Popen) -> None:
        """SIGKILL one spawned command with every process it started (gunicorn's workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.processes.remove(process)

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


def wait_until_answers(url: str, *, status: int = 200, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == status:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {within} s")


class RedisServer:
    """A redis-server of the test's own on a free loopback port, nothing kept on disk, never the
    machine's shared one; :meth:`restart` kills it (SIGKILL) and starts it again, empty."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (the Debian binary, fixed arguments)
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()
