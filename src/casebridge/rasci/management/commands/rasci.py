"""``casebridge rasci``: show, import, diff and publish matrices; ask who is responsible."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casebridge.core.errors import DomainError
from casebridge.parties.models import Organisation
from casebridge.rasci import policy, selectors, services
from casebridge.rasci.letters import NAMES, format_letters
from casebridge.rasci.models import MatrixVersion


def _model_code(value: str) -> str:
    """``1`` → ``model_1``; anything else is taken as the code itself."""
    return f"model_{value}" if value.isdigit() else value


class Command(BaseCommand):
    help = "RASCI matrices: show, import, diff, publish; who is responsible for an activity."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        show = sub.add_parser("show", help="Print a matrix as Markdown, CSV or HTML.")
        show.add_argument("--model", required=True, help="Operating model: 1, 2 or its code.")
        show.add_argument("--version", type=int, help="Version number (default: published).")
        show.add_argument("--format", default="md", choices=sorted(selectors.EXPORT_FORMATS))
        show.add_argument("--output", help="Write to this file instead of standard output.")

        imported = sub.add_parser("import", help="Create drafts from a CSV file (see `show`).")
        imported.add_argument("file", help="CSV with columns model, code, activity, vendor, ...")
        imported.add_argument("--publish", action="store_true", help="Publish the drafts too.")

        who = sub.add_parser("who", help="Who is responsible for ACTIVITY at a customer.")
        who.add_argument("activity", help="Activity code, e.g. case.submit")
        who.add_argument("--customer", required=True, help="The customer's slug.")
        who.add_argument(
            "--letters",
            default="RA",
            choices=["RA", "S", "C", "I"],
            help="RA: responsible and accountable (default); S, C or I.",
        )

        diff = sub.add_parser("diff", help="What changed between two versions of a model.")
        diff.add_argument("--model", required=True)
        diff.add_argument("--from", dest="from_number", type=int, required=True)
        diff.add_argument("--to", dest="to_number", type=int, required=True)

        publish = sub.add_parser("publish", help="Publish a model's draft.")
        publish.add_argument("--model", required=True)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(self._describe(error)) from error

    @staticmethod
    def _describe(error: DomainError) -> str:
        lines = [error.detail]
        for field, problems in error.fields.items():
            lines.extend(
                f"  {problem}" if field == "file" else f"  {field}: {problem}"
                for problem in problems
            )
        return "\n".join(lines)

    def _version(self, model: str, number: int | None) -> MatrixVersion:
        code = _model_code(model)
        operating_model = selectors.operating_model_get(code)
        if number is None:
            version = selectors.published_version(operating_model)
            if version is None:
                raise CommandError(f"{code} has no published version")
            return version
        version = selectors.version_list(operating_model=code).filter(number=number).first()
        if version is None:
            raise CommandError(f"{code} has no version {number}")
        return version

    def _show(
        self, *, model: str, version: int | None, format: str, output: str | None, **_: Any
    ) -> None:
        matrix = self._version(model, version)
        text = selectors.version_export(matrix, format).body
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {output}")
        else:
            self.stdout.write(text, ending="")

    def _import(self, *, file: str, publish: bool, **_: Any) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} is not UTF-8 text") from error
        versions = services.matrices_import(actor=None, text=text, publish=publish)
        for matrix in versions:
            self.stdout.write(f"{matrix.label}: {matrix.status}")

    def _who(self, *, activity: str, customer: str, letters: str, **_: Any) -> None:
        organisation = Organisation.objects.filter(slug=customer, kind="customer").first()
        if organisation is None:
            raise CommandError(f"no customer with the slug {customer!r}")
        ask = {
            "RA": policy.responsible_for,
            "S": policy.supporting,
            "C": policy.to_consult,
            "I": policy.to_inform,
        }[letters]
        matrix = selectors.matrix_for(organisation)
        self.stdout.write(
            f"{activity} for {organisation.name} under {matrix.version.label}"
            f"{' (pinned)' if matrix.pinned else ''}:"
        )
        holders = ask(activity, organisation)
        if not holders:
            self.stdout.write("  nobody holds these letters")
        for holder in holders:
            name = holder.organisation.name if holder.organisation else "(none)"
            meaning = " and ".join(NAMES[letter] for letter in holder.letters[::-1])
            self.stdout.write(
                f"  {format_letters(holder.letters):<4} {holder.party:<9} {name} ({meaning})"
            )
            for person in holder.people:
                roles = ", ".join(sorted(person.role_codes))
                self.stdout.write(f"         {person.full_name} <{person.email}> [{roles}]")
            if not holder.people and letters == "RA":
                self.stdout.write("         (nobody of this party may act on it now)")
            elif not holder.people:
                self.stdout.write("         (no active person in the activity's roles)")

    def _diff(self, *, model: str, from_number: int, to_number: int, **_: Any) -> None:
        old, new = self._version(model, from_number), self._version(model, to_number)
        change = selectors.matrix_diff(old, new)
        if change.is_empty:
            self.stdout.write(f"{old.label} and {new.label} are the same")
            return
        for code in change.added:
            self.stdout.write(f"+ {code}")
        for code in change.removed:
            self.stdout.write(f"- {code}")
        for code, before, after in change.renamed:
            self.stdout.write(f"~ {code}: name {before!r} -> {after!r}")
        for letter in change.letters:
            self.stdout.write(
                f"~ {letter.activity} {letter.party}: "
                f"{format_letters(letter.before) or '-'} -> {format_letters(letter.after) or '-'}"
            )

    def _publish(self, *, model: str, **_: Any) -> None:
        code = _model_code(model)
        draft = selectors.version_list(operating_model=code).filter(status="draft").first()
        if draft is None:
            raise CommandError(f"{code} has no draft to publish")
        published = services.version_publish(actor=None, version=draft)
        self.stdout.write(f"{published.label}: published")
