"""Every case write goes through the write path, ``cases/services/writing.py``: nothing else
inserts, saves, updates or deletes ``Case``, ``Engagement`` or ``CaseClock`` rows."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import QuerySet

import casebridge
from casebridge.cases.models import Case, CaseClock, Engagement

SOURCE = Path(casebridge.__file__).parent
#: The modules that write the rows, each with the reason.
WRITERS = {
    # The write path.
    SOURCE / "cases" / "services" / "writing.py",
    # The clock rows and the queue keys, called by the write path (``clocks_refresh``), and the
    # SLA sweep and repair, which lock the case row themselves.
    SOURCE / "cases" / "services" / "clocks.py",
    # The benchmark's bulk data set, written into an empty database (never in a deployment).
    SOURCE / "bench" / "generator.py",
}
MODELS = {"Case", "Engagement", "CaseClock"}
WRITES = {"create", "bulk_create", "update", "bulk_update", "delete", "get_or_create"}


def _manager_writes(path: Path) -> list[str]:
    """``Case.objects….update(…)`` and the like, anywhere in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        chain = node.func.value
        while isinstance(chain, (ast.Attribute, ast.Call)):
            chain = chain.func if isinstance(chain, ast.Call) else chain.value
        if isinstance(chain, ast.Name) and chain.id in MODELS and ".objects" in ast.unparse(node):
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno}: {ast.unparse(node.func)}")
    return found


def test_only_the_write_path_writes_case_rows_through_their_managers():
    sources = [
        path
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts and path not in WRITERS
    ]
    found = [line for path in sources for line in _manager_writes(path)]

    assert len(sources) > 100
    assert found == []


def _writer_of_the_call() -> Path:
    """The casebridge module nearest on the stack (Django's own frames skipped)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(SOURCE) and path.name != "caching.py":
            return path
        frame = frame.f_back
    return Path("outside casebridge")


@pytest.mark.django_db
def test_a_demo_load_writes_case_rows_only_through_the_write_path(monkeypatch):
    """The demo loader uses the services like any client: every case it opens, moves, assigns
    and discusses is written by the write path."""
    writers: set[str] = set()
    for model in (Case, Engagement, CaseClock):
        original_save = model.save

        def save(self, *args, _original=original_save, **kwargs):
            writers.add(str(_writer_of_the_call().relative_to(SOURCE)))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(model, "save", save)
    for method in ("update", "bulk_create", "delete"):
        original = getattr(QuerySet, method)

        def spy(self, *args, _original=original, **kwargs):
            if self.model in (Case, Engagement, CaseClock):
                writers.add(str(_writer_of_the_call().relative_to(SOURCE)))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(QuerySet, method, spy)

    call_command("demo")

    assert Case.objects.count() >= 4
    assert writers == {"cases/services/writing.py", "cases/services/clocks.py"}
