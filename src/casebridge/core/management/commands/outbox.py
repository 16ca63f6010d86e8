"""``casebridge outbox``: inspect, drain and retry the transactional outbox."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count

from casebridge.core.models import OutboxDelivery
from casebridge.core.outbox import outbox_drain, outbox_retry_failed


class Command(BaseCommand):
    help = "Show outbox delivery counts (`status`), deliver due events (`drain`), retry failures."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Count deliveries by handler and status.")
        sub.add_parser("drain", help="Deliver every due event now.")
        retry = sub.add_parser("retry", help="Queue failed deliveries again.")
        retry.add_argument("ids", nargs="*", type=int, help="Delivery ids (default: all failed).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            rows = (
                OutboxDelivery.objects.values("handler", "status")
                .annotate(count=Count("id"))
                .order_by("handler", "status")
            )
            for row in rows:
                self.stdout.write(f"{row['handler']:<40} {row['status']:<10} {row['count']}")
            return
        if action == "drain":
            result = outbox_drain(limit=10_000)
            self.stdout.write(
                f"delivered {result.delivered}, retrying {result.retried}, failed {result.failed}"
            )
            return
        count = outbox_retry_failed(delivery_ids=options["ids"] or None)
        self.stdout.write(f"queued {count} failed deliveries again")
