"""``casebridge mail``: take e-mail in, from an MTA pipe or as an SMTP/LMTP server."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from asgiref.sync import sync_to_async
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from casebridge.notifications.inbound import ingest


def _ingest_once(content: bytes, recipients: list[str]) -> Any:
    """Ingest in the listener's worker thread, and give its database connection back after
    (as a web request does), so a broken or idle connection never lingers."""
    try:
        return ingest(content, recipients=recipients)
    finally:
        connection.close()


class Relay:
    """aiosmtpd handler: every accepted message goes through :func:`ingest` once."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        record = await sync_to_async(_ingest_once, thread_sensitive=True)(
            bytes(content), [str(r).lower() for r in envelope.rcpt_tos]
        )
        return f"250 {record.outcome}"


def listener(host: str, port: int, *, lmtp: bool) -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.lmtp import LMTP

    if lmtp:

        class LmtpController(Controller):
            def factory(self) -> LMTP:
                return LMTP(self.handler)

        return LmtpController(Relay(), hostname=host, port=port)
    return Controller(Relay(), hostname=host, port=port, data_size_limit=None)


class Command(BaseCommand):
    help = "Take e-mail in: 'ingest' one message from standard input, or 'serve' SMTP/LMTP."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        take = sub.add_parser("ingest", help="Read one RFC 5322 message from standard input.")
        take.add_argument(
            "--recipient", action="append", default=[], help="The envelope recipient(s)."
        )
        serve = sub.add_parser("serve", help="Listen for SMTP (or LMTP with --lmtp).")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8025)
        serve.add_argument("--lmtp", action="store_true")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "ingest":
            raw = sys.stdin.buffer.read()
            if not raw.strip():
                raise CommandError("no message on standard input")
            record = ingest(raw, recipients=[r.lower() for r in options["recipient"]] or None)
            reason = f": {record.reason}" if record.reason else ""
            self.stdout.write(f"{record.message_id} {record.outcome}{reason}")
            return
        controller = listener(options["host"], options["port"], lmtp=options["lmtp"])
        controller.start()
        protocol = "LMTP" if options["lmtp"] else "SMTP"
        self.stdout.write(f"casebridge mail: {protocol} on {options['host']}:{options['port']}")
        stop = asyncio.Event()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            loop.run_until_complete(stop.wait())
        finally:
            controller.stop()
            loop.close()
