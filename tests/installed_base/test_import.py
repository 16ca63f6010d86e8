import csv
import io

import pytest
from django.core.management import CommandError, call_command

from casebridge.core.errors import ValidationFailed
from casebridge.installed_base.models import Installation
from casebridge.installed_base.services import installations_import

GOOD = """customer,component,version,environment,label
customer-of-a,server_core,2025.08.1,production,
customer-of-a,wallboard,2025.08.0,production,Floor 1
customer-of-a,wallboard,2025.08.0,production,Floor 2
customer-of-b,tenant,,production,
"""


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_a_valid_file_is_imported_whole(world, releases):
    result = installations_import(actor=world.vendor_admin, records=rows(GOOD))

    assert (result.rows, result.created) == (4, 4)
    assert Installation.objects.count() == 4


def test_one_broken_row_means_nothing_is_written_and_every_problem_is_named(world, releases):
    text = GOOD + (
        "customer-of-b,gizmo,1,production,\n"
        "nobody,server_core,2025.08.1,production,\n"
        "customer-of-a,server_core,1999.01.1,test,\n"
        "customer-of-a,wallboard,2025.08.0,production,Floor 2\n"
    )

    with pytest.raises(ValidationFailed) as error:
        installations_import(actor=world.vendor_admin, records=rows(text))

    assert error.value.detail.startswith("Nothing was imported: 4 problem(s) in 8 row(s)")
    assert error.value.fields["file"] == [
        "row 6, component: Unknown component 'gizmo'.",
        "row 7, customer: no customer with the slug 'nobody'",
        "row 8, version: No release ships server_core 1999.01.1.",
        "row 9, label: This component is already recorded here; give a distinguishing label.",
    ]
    assert not Installation.objects.exists()


def test_a_partner_imports_only_for_its_own_customers(world, releases):
    with pytest.raises(ValidationFailed) as error:
        installations_import(actor=world.partner_a_manager, records=rows(GOOD))

    assert error.value.fields["file"] == ["row 5, customer: you may not record installations here"]
    assert not Installation.objects.exists()


def test_the_cli_imports_and_reports(world, releases, tmp_path, capsys):
    source = tmp_path / "base.csv"
    source.write_text(GOOD)

    call_command("installed_base", "import", str(source))

    assert "imported 4 installations from 4 rows" in capsys.readouterr().out


def test_the_cli_names_each_broken_row_and_writes_nothing(world, releases, tmp_path):
    source = tmp_path / "base.csv"
    source.write_text(GOOD + "customer-of-b,gizmo,1,production,\n")

    with pytest.raises(CommandError) as error:
        call_command("installed_base", "import", str(source))

    assert "row 6, component: Unknown component 'gizmo'." in str(error.value)
    assert "the file is applied only when every row is valid" in str(error.value)
    assert not Installation.objects.exists()


def test_the_cli_alias_with_a_hyphen(monkeypatch):
    from casebridge import cli

    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )

    cli.main(["installed-base", "import", "base.csv"])

    assert seen == [["casebridge", "installed_base", "import", "base.csv"]]
