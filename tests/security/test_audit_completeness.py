"""Every write service leaves a trace: an audit row or a case event.

The registry is the code itself: every public function of a ``services`` module that runs in a
transaction (``@transaction.atomic``, or a block in ``case_write``) is a write service. Each must
call, directly or through a helper of its own module, one of the functions that append to the
audit trail or the case history. A new service without a trace fails here."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import casebridge

#: ``record`` is ``CaseWrite.record``, the case history's one writer.
TRACES = {"audit_record", "_case_event", "record", "CaseEvent"}
#: Writes whose trace is elsewhere, each with the reason.
EXEMPT = {
    # The preference is the person's own setting; nothing of another party changes.
    "casebridge.notifications.services.preference_set",
    "casebridge.notifications.services.preferences_set",
    # Deliveries of events already traced: the Notification rows are themselves the record of
    # what was sent (webhook deliveries live in notifications.deliveries, their log likewise).
    "casebridge.notifications.services.notify_event",
    # The case write path itself: the blocks written in it are the services checked here.
    "casebridge.cases.services.writing.case_write",
    "casebridge.cases.services.writing.case_write_new",
}
#: What opens a write's transaction.
OPENERS = ("transaction.atomic", "case_write(", "case_write_new(")


def service_modules():
    root = Path(casebridge.__file__).parent
    for info in pkgutil.walk_packages([str(root)], prefix="casebridge."):
        if ".services" in info.name or info.name.endswith(".services"):
            yield importlib.import_module(info.name)


def _is_atomic(function: ast.FunctionDef) -> bool:
    """Decorated with ``transaction.atomic``, or opening one (``with transaction.atomic():``,
    ``with case_write(…)``)."""
    if any(ast.unparse(d) in ("transaction.atomic", "atomic") for d in function.decorator_list):
        return True
    return any(
        isinstance(node, ast.With)
        and any(ast.unparse(item.context_expr).startswith(OPENERS) for item in node.items)
        for node in ast.walk(function)
    )


def _called_names(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute):
                names.add(target.attr)
                if isinstance(target.value, ast.Attribute) and target.value.attr == "objects":
                    owner = target.value.value
                    if isinstance(owner, ast.Name) and owner.id == "CaseEvent":
                        names.add("_case_event")
    return names


def test_every_write_service_leaves_an_audit_row_or_a_case_event():
    untraced, checked = [], 0
    for module in service_modules():
        tree = ast.parse(Path(module.__file__).read_text())
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        calls = {name: _called_names(node) for name, node in functions.items()}

        def traced(name: str, seen: frozenset[str] = frozenset(), calls: dict = calls) -> bool:
            if name in seen:
                return False
            direct = calls.get(name, set())
            if direct & TRACES:
                return True
            imported_services = {
                c for c in direct if c.startswith(("case_", "rca_", "sla_")) and c not in calls
            }
            if imported_services:  # delegates to another service, checked on its own
                return True
            return any(traced(c, seen | {name}, calls) for c in direct if c in calls)

        for name, node in functions.items():
            if name.startswith("_") or not _is_atomic(node):
                continue
            checked += 1
            qualified = f"{module.__name__}.{name}"
            if qualified not in EXEMPT and not traced(name):
                untraced.append(qualified)
    assert untraced == [], "\n".join(untraced)
    assert checked >= 40
