"""The ``casebridge`` command: casebridge's own commands plus every Django management command."""

from __future__ import annotations

import os
import sys

OVERVIEW = """\
usage: casebridge <command> [options]

casebridge runs a software vendor's support operations with its partners and customers.

Everyday commands:
  serve [--bind HOST:PORT] [--workers N] [--with-worker] [--log-file FILE] [--banner FILE]
                      serve the portal and API with gunicorn (with --with-worker, also the
                      background worker; Ctrl-C stops both); --log-file sends their log lines
                      to a file, --banner prints a file last (make run: the demo sign-ins)
  worker [--threads webhooks=N] [--no-schedule]
                      run background tasks, outbox delivery (e-mail) and the periodic
                      schedule, and webhook deliveries on threads of their own; any number
                      of workers on any machines (each keeps a heartbeat row)
  demo                load the demo operating model (idempotent; demo mode only)
  setup --vendor NAME --admin-email EMAIL
                      first start of a real deployment: the vendor and its first administrator
  check [--deploy]    check the configuration (--deploy: production readiness), this node's
                      readiness (database, shared cache, outbox lag, worker heartbeats, as
                      GET /readyz answers it) and the health of deliveries and inbound mail
  mail ingest | serve [--port 8025] [--lmtp]
                      take e-mail in: one message from standard input (an MTA pipe), or
                      listen for SMTP/LMTP
  migrate             create or update the database tables
  rasci show --model 1 [--format md|csv|html] | import FILE.csv | publish --model 1
        | diff --model 1 --from 1 --to 2 | who ACTIVITY --customer SLUG
                      the operating models' RASCI matrices, and who is responsible for what
  installed-base import FILE.csv
                      bulk-load installations (all rows valid, or nothing is written)
  sla explain CASE [--engagement customer|vendor] [--metric M] [--tz ZONE]
        | sweep | repair [--customer SLUG] | plans | calendars
                      service-level clocks: why a case is due when it is, raise due warnings
                      and breaches, recompute after a policy change, list plans and calendars
  search rebuild      write the full-text search index again from the cases, messages and
                      file names (after a bulk load or a restore)
  reports rebuild     count every case into the report rollups again, with a progress bar
                      (after a bulk load, a restore or a change of the measures)
  jobs list | jobs run NAME
                      the periodic jobs, or run one now
  outbox status | drain | retry [ID ...]
                      the transactional outbox's deliveries
  createsuperuser     add a back-office administrator to the vendor
  bench generate --cases N [--seed S] | budgets | load [--url URL] [--concurrency 8]
                      benchmarks: build a realistic data set into an empty database, time
                      the selectors and check their query plans, drive a running server's API

Every Django management command works too: `casebridge help --commands` lists them,
`casebridge help COMMAND` explains one. Settings come from the environment; see
docs/configuration.md; several nodes as one cluster: docs/deployment.md.
"""


#: Commands people type with a hyphen; Django's command modules use underscores.
ALIASES = {"installed-base": "installed_base"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebridge.config.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        sys.stdout.write(OVERVIEW)
        return
    if args[0] in {"--version", "version"}:
        from casebridge import __version__

        sys.stdout.write(f"casebridge {__version__}\n")
        return
    from django.core.management import execute_from_command_line

    args[0] = ALIASES.get(args[0], args[0])
    if args[0] == "check" and not any(arg.startswith("--database") for arg in args):
        args += ["--database", "default"]  # include the health of deliveries and inbound mail
    execute_from_command_line(["casebridge", *args])


if __name__ == "__main__":
    main()
