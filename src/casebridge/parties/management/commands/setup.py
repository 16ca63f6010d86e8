"""``casebridge setup``: the first start of a real deployment (the vendor and an administrator)."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from casebridge.core.errors import DomainError
from casebridge.parties import services
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Organisation


class Command(BaseCommand):
    help = "Create the vendor organisation and its first administrator (once per deployment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--vendor", required=True, help="The vendor's name.")
        parser.add_argument("--admin-email", required=True, help="The administrator's e-mail.")
        parser.add_argument("--admin-name", default="", help="The administrator's full name.")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input instead of prompting.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Organisation.objects.filter(kind=OrganisationKind.VENDOR).exists():
            raise CommandError("This deployment already has its vendor; setup runs once.")
        if options["password_stdin"]:
            password = self.stdin.readline().rstrip("\n") if hasattr(self, "stdin") else input()
        else:
            password = getpass.getpass("Administrator password: ")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError("password: " + " ".join(error.messages)) from error
        email = options["admin_email"]
        try:
            with transaction.atomic():
                vendor = services.organisation_create(
                    actor=None, name=options["vendor"], kind=OrganisationKind.VENDOR
                )
                services.person_create(
                    actor=None,
                    organisation=vendor,
                    email=email,
                    full_name=options["admin_name"] or email.split("@", 1)[0],
                    roles=[Role.ADMIN, Role.MANAGER],
                    password=password,
                    is_staff=True,
                )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Vendor {vendor.name!r} and {email} created."))
