"""Check every migration of casebridge's apps for backward compatibility, so old and new nodes can
run side by side on one database during a rolling upgrade (docs/deployment.md).

django-migration-linter reads the SQL each migration runs on PostgreSQL (the cluster's
database) and refuses what breaks the code of the version before: a dropped or renamed column or
table, a NOT NULL column without a database default, a changed column type, and the like. The
SQL comes from `sqlmigrate` against an empty scratch database created here and dropped after:
the server is the one of LINT_DATABASE_URL, else CASEBRIDGE_TEST_DATABASE_URL, else the local
one (postgres://postgres@127.0.0.1:5432). Nothing leaves the machine.

Migrations listed in .ci/migrations-accepted.txt are not checked, each with its reason.
Usage: python .ci/lint_migrations.py (make lint runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "src" / "casebridge"
ACCEPTED = ROOT / ".ci" / "migrations-accepted.txt"
LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def accepted() -> dict[str, str]:
    """``app/name`` → reason, from the accepted list; a line without its reason is refused."""
    found: dict[str, str] = {}
    for number, line in enumerate(ACCEPTED.read_text().splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        name, _, reason = entry.partition(" ")
        if not reason.strip():
            sys.exit(f"{ACCEPTED.name}:{number}: {name} needs its reason after the name")
        found[name] = reason.strip()
    return found


def migrations() -> dict[str, Path]:
    return {
        f"{path.parent.parent.name}/{path.stem}": path
        for path in sorted(APPS.glob("*/migrations/0*.py"))
    }


def main() -> int:
    known = migrations()
    skipped = accepted()
    stale = sorted(set(skipped) - set(known))
    if stale:
        sys.exit(f"{ACCEPTED.name} lists migrations that do not exist: {', '.join(stale)}")
    checked = [path for name, path in known.items() if name not in skipped]
    print(f"== migrations: {len(checked)} to check, {len(skipped)} accepted without a check")
    if not checked:
        return 0

    import psycopg

    server = (
        os.environ.get("LINT_DATABASE_URL")
        or os.environ.get("CASEBRIDGE_TEST_DATABASE_URL")
        or LOCAL_SERVER
    )
    parts = urlsplit(server)
    admin = urlunsplit(parts._replace(path="/postgres"))
    scratch = f"casebridge_lint_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{scratch}"')
    except psycopg.OperationalError as error:
        sys.exit(
            f"The migration lint needs a PostgreSQL server ({admin}): {error}\n"
            "Start one, or name one with LINT_DATABASE_URL."
        )
    try:
        with tempfile.TemporaryDirectory() as folder:
            listing = Path(folder) / "migrations.txt"
            listing.write_text("".join(f"{path}\n" for path in checked))
            env = {
                **os.environ,
                "DATABASE_URL": urlunsplit(parts._replace(path=f"/{scratch}")),
                "DJANGO_SETTINGS_MODULE": "lint_settings",
                "PYTHONPATH": str(ROOT / ".ci"),
                "CASEBRIDGE_MODE": "development",
                "CASEBRIDGE_VAR_DIR": folder,
            }
            done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
                [
                    str(Path(sys.executable).parent / "casebridge"),
                    "lintmigrations",
                    "--no-cache",
                    "--sql-analyser",
                    "postgresql",
                    "--include-migrations-from",
                    str(listing),
                    "--quiet",
                    "ok",
                ],
                env=env,
                cwd=ROOT,
                check=False,
            )
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
