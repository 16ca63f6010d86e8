"""``casebridge demo``: load the demo operating model (idempotent; demo mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casebridge.core.errors import DomainError
from casebridge.demo.parties import DEMO_PASSWORD, DemoConflict, load_parties


class Command(BaseCommand):
    help = "Load the demo vendor, partners, customers and people. Runs only in demo mode."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "The demo is off in this deployment (CASEBRIDGE_DEMO=false or production mode); "
                "demo passwords exist only in demo mode."
            )
        try:
            result = load_parties()
        except (DemoConflict, DomainError) as error:
            raise CommandError(str(error)) from error
        if result.created:
            self.stdout.write(self.style.SUCCESS("Demo operating model loaded."))
        else:
            self.stdout.write("Demo operating model already loaded; nothing changed.")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for label, email in result.logins:
            self.stdout.write(f"  {label:<38} {email}")
