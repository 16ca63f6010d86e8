"""Every event kind is declared once (``core/events.py``): each kind the code records, each kind
a handler subscribes to, each step of the workflow table, and the documentation's list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.management import call_command

import casebridge
from casebridge.cases import workflow
from casebridge.core.events import declared_kinds
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import registered_handlers

SOURCE = Path(casebridge.__file__).parent
DOCS = SOURCE.parents[1] / "docs" / "integration.md"
#: What records an outbox event, and where its kind is (keyword or first argument).
EMITTERS = {"outbox_record", "outbox_record_many", "PendingEvent", "_announce", "emit"}
#: The one kind still built from a string: the SLA sweep names its warnings and breaches after
#: their history kinds (``cases/services/clocks.py``), and builds these.
BUILT = {"f'case.{kind}'": {"case.sla_warning", "case.sla_breached"}}


def _spelt_kinds() -> tuple[list[str], set[str]]:
    """Emitter calls whose kind is a string literal or an f-string (besides :data:`BUILT`), and
    the kinds the built ones make."""
    spelt, built = [], set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", getattr(node.func, "attr", "")) not in EMITTERS:
                continue
            for value in [k.value for k in node.keywords if k.arg == "kind"] + node.args[:1]:
                text = ast.unparse(value)
                if text in BUILT:
                    built |= BUILT[text]
                elif isinstance(value, (ast.Constant, ast.JoinedStr)):
                    spelt.append(f"{path.relative_to(SOURCE)}:{node.lineno}: {text}")
    return spelt, built


def test_no_kind_is_spelt_where_it_is_recorded():
    spelt, built = _spelt_kinds()

    assert spelt == []
    assert built <= set(declared_kinds())


def test_every_subscribed_kind_is_declared():
    subscribed = {kind for handler in registered_handlers() for kind in handler.kinds} - {"*"}

    assert "case.resolve" in subscribed
    assert subscribed - set(declared_kinds()) == set()


def test_every_step_of_the_table_records_its_own_declared_kind():
    events = [transition.event for transition in workflow.TRANSITIONS]

    assert len(set(events)) == len(events)
    assert set(events) <= set(declared_kinds())


def test_the_documentation_lists_every_declared_kind_and_nothing_else():
    listed = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", DOCS.read_text(), re.MULTILINE))

    assert listed == set(declared_kinds())


@pytest.mark.django_db
def test_every_kind_the_demo_records_is_declared():
    call_command("demo")
    recorded = set(OutboxEvent.objects.values_list("kind", flat=True))

    assert {"case.opened", "case.escalated", "case.commented", "person.created"} <= recorded
    assert recorded - set(declared_kinds()) == set()
