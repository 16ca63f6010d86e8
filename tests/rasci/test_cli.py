import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from casebridge.rasci.defaults import DEFAULTS_FILE
from casebridge.rasci.models import MatrixVersion
from tests.factories import SubmitterFactory


def test_show_markdown(matrices, capsys):
    call_command("rasci", "show", "--model", "1")

    out = capsys.readouterr().out
    assert out.startswith("## Model 1: partner provides implementation — v1 (published)")
    expected = (
        "| case.submit | File a fully detailed case with the vendor on the customer's behalf "
        "| I | A/R | C |"
    )
    assert expected in out


def test_show_csv_round_trips_the_shipped_file(matrices, capsys):
    call_command("rasci", "show", "--model", "model_1", "--format", "csv")
    call_command("rasci", "show", "--model", "2", "--format", "csv")

    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if not line.startswith("model,code")]
    shipped = DEFAULTS_FILE.read_text().splitlines()[1:]
    assert lines == shipped


def test_show_html_to_a_file(matrices, tmp_path, capsys):
    target = tmp_path / "matrix.html"

    call_command("rasci", "show", "--model", "2", "--format", "html", "--output", str(target))

    html = target.read_text()
    assert "<table>" in html
    assert "Model 2: vendor provides implementation" in html
    assert "Partner" not in html


def test_who_answers_with_the_people_who_may_act(world, matrices, capsys):
    SubmitterFactory(
        person=world.partner_a_agent, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    SubmitterFactory(person=world.partner_a_manager)  # not verified: cannot escalate

    call_command("rasci", "who", "case.submit", "--customer", world.customer_a.slug)

    out = capsys.readouterr().out
    assert "case.submit for Customer of A under model_1 v1:" in out
    assert "A/R  partner   Partner A (Accountable and Responsible)" in out
    assert "<agent@a.example> [agent]" in out
    assert "manager@a.example" not in out


def test_who_says_when_nobody_stands_behind_a_letter(world, matrices, capsys):
    call_command("rasci", "who", "case.submit", "--customer", world.customer_a.slug)

    assert "(nobody of this party may act on it now)" in capsys.readouterr().out


def test_who_names_an_unknown_customer(matrices):
    with pytest.raises(CommandError, match="no customer with the slug 'nobody'"):
        call_command("rasci", "who", "case.submit", "--customer", "nobody")


def test_import_refuses_a_bad_file_naming_row_and_column(world, matrices, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "model,code,activity,vendor,partner,customer\n"
        "model_1,case.submit,Submit,I,A/R,C\n"
        "model_1,case.assist,Assist,C,S,S\n"
    )

    with pytest.raises(CommandError) as error:
        call_command("rasci", "import", str(bad))

    message = str(error.value)
    assert "row 3, column vendor/partner/customer: no party is accountable (A)" in message
    assert "row 3, column vendor/partner/customer: no party is responsible (R)" in message
    assert MatrixVersion.objects.count() == 2


def test_import_publish_and_diff(world, matrices, tmp_path, capsys):
    text = DEFAULTS_FILE.read_text().replace(
        "File a fully detailed case with the vendor on the customer's behalf,,I,A/R,C",
        "File a fully detailed case with the vendor on the customer's behalf,,I,A/R,I",
    )
    source = tmp_path / "matrices.csv"
    source.write_text(text)

    call_command("rasci", "import", str(source))
    call_command("rasci", "publish", "--model", "1")
    call_command("rasci", "publish", "--model", "2")
    call_command("rasci", "diff", "--model", "1", "--from", "1", "--to", "2")

    out = capsys.readouterr().out
    assert "model_1 v2: draft" in out
    assert "model_1 v2: published" in out
    assert "~ case.submit customer: C -> I" in out


def test_publishing_without_a_draft_is_an_error(matrices):
    with pytest.raises(CommandError, match="model_1 has no draft to publish"):
        call_command("rasci", "publish", "--model", "1")


def test_an_unreadable_file_is_named(matrices, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("rasci", "import", str(tmp_path / "missing.csv"))
