"""Benchmarks at scale: generate, budget the selectors, load the HTTP API, read peak memory.

Usage: ``.venv/bin/python bench/scale.py --profile tiny|small|large [--database-url URL]``
(``make bench`` runs small, ``make bench-large`` large). For each size of the profile it builds
a fresh database — a SQLite file in a temporary folder, or the PostgreSQL database named by
``--database-url`` / ``BENCH_DATABASE_URL``, which it DROPS and creates again — with
``casebridge bench generate``, times the selectors with ``casebridge bench budgets``, then at
the profile's load size starts ``casebridge serve`` (production settings, its default web
workers) and ``casebridge worker``, drives them with ``casebridge bench load`` and reads the
processes' peak RSS. Prints a markdown report; ``--json FILE`` keeps the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BIN = Path(sys.executable).parent
PROFILES = {
    # sizes, the size loaded over HTTP, generator parties, budget runs, load requests
    "tiny": {"sizes": [300], "load": 300, "partners": 10, "customers": 200, "repeat": 2,
             "requests": 20, "seconds": 20, "strict": False},
    "small": {"sizes": [10_000], "load": 10_000, "partners": 500, "customers": 20_000,
              "repeat": 30, "requests": 400, "seconds": 30, "strict": True},
    "large": {"sizes": [10_000, 100_000, 1_000_000], "load": 1_000_000, "partners": 500,
              "customers": 20_000, "repeat": 30, "requests": 1000, "seconds": 30,
              "strict": True},
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Database:
    """A fresh database per size: a new SQLite file, or the PostgreSQL one dropped and made;
    a copy of ``template`` when one is given (a database already migrated, on the same server)."""

    def __init__(self, url: str | None, folder: Path, template: str | None = None) -> None:
        self.url = url
        self.folder = folder
        self.template = template

    @contextlib.contextmanager
    def fresh(self, size: int) -> Iterator[str]:
        if not self.url:
            path = self.folder / f"bench-{size}.sqlite3"
            if self.template:
                with (
                    contextlib.closing(sqlite3.connect(_sqlite_path(self.template))) as source,
                    contextlib.closing(sqlite3.connect(path)) as copy,
                ):
                    source.backup(copy)
            yield f"sqlite:///{path}"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        import psycopg

        parts = urlsplit(self.url)
        name = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if self.template:
                template = urlsplit(self.template).path.lstrip("/")
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            else:
                connection.execute(f'CREATE DATABASE "{name}"')
        yield self.url


def _sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise SystemExit(f"--template {url!r}: a SQLite run copies a SQLite file (sqlite:///…)")
    return url.removeprefix("sqlite:///")


def environment(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBRIDGE_")}
    env.update(
        {
            "CASEBRIDGE_MODE": "production",
            "CASEBRIDGE_VAR_DIR": str(folder),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "casebridge.config.settings",
            "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            # The load uses one token per connection; the limit is not what is measured.
            "CASEBRIDGE_API_RATE_PER_MINUTE": "1000000",
            # The generated submitters have no second factor; sign-in is not what is measured.
            "CASEBRIDGE_MFA_REQUIRED_FOR": "none",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    return env


def casebridge(env: dict[str, str], *args: str, timeout: float = 7200) -> str:
    done = subprocess.run(  # noqa: S603 (our own command)
        [str(BIN / "casebridge"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"casebridge {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    every, todo = [], [pid]
    while todo:
        current = todo.pop()
        every.append(current)
        todo.extend(_children(current))
    return every


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen, subprocess.Popen]]:
    import httpx

    port = _free_port()
    web = subprocess.Popen(  # noqa: S603 (our own command)
        [str(BIN / "casebridge"), "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # noqa: S603 (our own command)
        [str(BIN / "casebridge"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/login/", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline or web.poll() is not None:
                raise SystemExit("casebridge serve did not start")
            time.sleep(0.5)
        yield url, web, worker
    finally:
        for process in (web, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def run(profile: str, database_url: str | None, template: str | None = None) -> dict[str, object]:
    settings = PROFILES[profile]
    results: dict[str, object] = {
        "profile": profile,
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "python": platform.python_version(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "database": "postgresql" if database_url else "sqlite",
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        databases = Database(database_url, folder, template)
        for size in settings["sizes"]:
            with databases.fresh(size) as url:
                env = environment(url, folder)
                # From a template too: it brings a copy up to date (and costs a second or two).
                casebridge(env, "migrate", "--noinput", "-v", "0")
                started = time.perf_counter()
                summary = casebridge(
                    env,
                    "bench",
                    "generate",
                    "--cases",
                    str(size),
                    "--partners",
                    str(settings["partners"]),
                    "--customers",
                    str(settings["customers"]),
                    "--quiet",
                )
                built = time.perf_counter() - started
                print(f"# {size:,} cases: {summary.strip()}", file=sys.stderr)
                budgets = json.loads(_budgets(env, settings["repeat"], strict=settings["strict"]))
                entry: dict[str, object] = {
                    "built_seconds": round(built, 1),
                    "generated": summary.strip(),
                    "budgets": budgets,
                }
                if size == settings["load"]:
                    entry.update(_load(env, settings))
                if database_url:
                    import psycopg

                    with psycopg.connect(url) as connection:
                        row = connection.execute("SHOW server_version").fetchone()
                    entry["postgresql"] = str(row[0]).split()[0] if row else "?"
                results["sizes"][str(size)] = entry  # type: ignore[index]
    return results


def _budgets(env: dict[str, str], repeat: int, *, strict: bool) -> str:
    done = subprocess.run(  # noqa: S603 (our own command)
        [str(BIN / "casebridge"), "bench", "budgets", "--repeat", str(repeat), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0 and (strict or not done.stdout.strip()):
        raise SystemExit(f"casebridge bench budgets failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout


def _load(env: dict[str, str], settings: dict[str, object]) -> dict[str, object]:
    with serving(env) as (url, web, worker):
        report = casebridge(
            env,
            "bench",
            "load",
            "--url",
            url,
            "--requests",
            str(settings["requests"]),
            "--seconds",
            str(settings["seconds"]),
            "--format",
            "json",
        )
        time.sleep(2)  # let the worker take the outbox rows the load wrote
        web_workers = [pid for pid in _descendants(web.pid) if pid != web.pid]
        memory = {
            "web_worker_peak_rss_mb": round(max(map(peak_rss_mb, web_workers), default=0.0), 1),
            "worker_peak_rss_mb": round(
                max(map(peak_rss_mb, _descendants(worker.pid)), default=0.0), 1
            ),
        }
    return {"load": json.loads(report), **memory}


def render(results: dict[str, object]) -> str:
    sizes: dict[str, dict[str, object]] = results["sizes"]  # type: ignore[assignment]
    lines = [
        f"## {results['date']}, {results['database']}, profile {results['profile']}",
        "",
        f"Python {results['python']}, {results['machine']}"
        + (
            f", PostgreSQL {next(iter(sizes.values())).get('postgresql')}"
            if results["database"] == "postgresql"
            else ""
        ),
        "",
    ]
    for size, entry in sizes.items():
        lines.append(f"- {int(size):,} cases: {entry['generated']}")
    names = [budget["name"] for budget in next(iter(sizes.values()))["budgets"]]  # type: ignore[index]
    budgets = {size: entry["budgets"] for size, entry in sizes.items()}
    lines += [
        "",
        "Whole call, median / p95 ms (growth from the first size):",
        "",
        "| selector | " + " | ".join(f"{int(size):,} cases" for size in sizes) + " | queries |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    first, last = next(iter(budgets.values())), list(budgets.values())[-1]
    for n, name in enumerate(names):
        cells = [f"{b[n]['median_ms']:.2f} / {b[n]['p95_ms']:.2f}" for b in budgets.values()]  # type: ignore[index]
        if len(sizes) > 1 and first[n]["median_ms"]:  # type: ignore[index]
            cells[-1] += f" (x{last[n]['median_ms'] / first[n]['median_ms']:.2f})"  # type: ignore[index]
        lines.append(f"| {name} | {' | '.join(cells)} | {last[n]['queries']} |")  # type: ignore[index]
    lines += [
        "",
        "Its deciding query alone, median ms (rows returned), and the plan at the largest size:",
        "",
        "| selector | " + " | ".join(f"{int(size):,} cases" for size in sizes) + " | plan |",
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for n, name in enumerate(names):
        if not last[n].get("plan"):  # type: ignore[index]
            continue
        cells = [f"{b[n].get('db_ms', 0):.2f} ({b[n].get('rows', 0)})" for b in budgets.values()]  # type: ignore[index]
        plan = "indexed" if last[n]["plan_ok"] else "FULL SCAN"  # type: ignore[index]
        lines.append(f"| {name} | {' | '.join(cells)} | {plan} |")
    for size, entry in sizes.items():
        if "load" not in entry:
            continue
        load = entry["load"]
        lines += [
            "",
            f"HTTP load at {int(size):,} cases, concurrency {load['concurrency']}; peak RSS: web "
            f"worker {entry['web_worker_peak_rss_mb']} MB, background worker "
            f"{entry['worker_peak_rss_mb']} MB",
            "",
            "| operation | requests | errors | per second | p50 ms | p95 ms | p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for op in load["operations"]:
            lines.append(
                f"| {op['operation']} | {op['requests']} | {op['errors']} | {op['per_second']} "
                f"| {op['p50_ms']} | {op['p95_ms']} | {op['p99_ms']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="small")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL database to DROP and rebuild (default: SQLite in a temp folder)",
    )
    parser.add_argument(
        "--template",
        help="copy this migrated database instead of migrating from nothing (the tests' CI smoke;"
        " a SQLite file, or a database on the same PostgreSQL server nobody is connected to)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = run(args.profile, args.database_url, args.template)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    sys.stdout.write(render(results))


if __name__ == "__main__":
    main()
