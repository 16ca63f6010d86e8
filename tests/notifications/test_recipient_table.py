"""docs/integration.md's table of who is told of each case event is generated here from the
workflow table and the shipped matrix; the test fails when the document drifts from it."""

from __future__ import annotations

from pathlib import Path

from casebridge.cases import workflow
from casebridge.notifications.recipients import CASE_EVENTS
from casebridge.rasci.defaults import default_matrices
from casebridge.rasci.letters import performs

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"
START, END = "<!-- recipients:start -->", "<!-- recipients:end -->"
MATRIX = {
    model: {spec.code: spec for _, spec in rows} for model, rows in default_matrices().rows.items()
}
ORDER = ("vendor", "partner", "customer")


def kind_of(step: workflow.Transition) -> str:
    return "case.escalated" if step.action == "escalate" else f"case.{step.action}"


def reads(party: str, model: str, audience: str) -> bool:
    if audience == "public":
        return True
    return party != "customer" or model == "model_2"


def before_escalation(kind: str, model: str, party: str) -> bool:
    """Model 1: the vendor sees a case only once escalated; a customer-side event may come
    before that."""
    step = next((t for t in workflow.TRANSITIONS if kind_of(t) == kind), None)
    customer_side = kind == "case.opened" or (step is not None and step.engagement == "customer")
    return model == "model_1" and party == "vendor" and customer_side and kind != "case.escalated"


def cell(parties: list[str], kind: str, model: str, audience: str) -> str:
    shown = [
        f"{party}{'†' if before_escalation(kind, model, party) else ''}"
        for party in ORDER
        if party in parties and reads(party, model, audience)
    ]
    return ", ".join(shown) or "—"


def row(kind: str, model: str) -> list[str]:
    rule = CASE_EVENTS[kind]
    letters = MATRIX[model][rule.activity].letters
    waiting = rule.waiting
    if waiting is None:
        alerted = "—"
    elif waiting.customer_reply:
        alerted = "customer (its contacts)"
    else:
        acting = {
            party
            for activity in waiting.activities
            for party, held in MATRIX[model][activity].letters.items()
            if performs(held)
        }
        alerted = cell(sorted(acting), kind, model, rule.audience)
    consulted = cell([p for p, h in letters.items() if h == "C"], kind, model, rule.audience)
    informed = cell([p for p, h in letters.items() if h == "I"], kind, model, rule.audience)
    return [alerted, consulted, informed]


def generated() -> str:
    lines = [
        "| event | activity | model 1: alerted | consulted | informed "
        "| model 2: alerted | consulted | informed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, rule in CASE_EVENTS.items():
        cells = [f"`{kind}`", f"`{rule.activity}`", *row(kind, "model_1"), *row(kind, "model_2")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_documented_table_is_the_rule():
    text = DOC.read_text(encoding="utf-8")
    documented = text.split(START, 1)[1].split(END, 1)[0].strip()

    assert documented == generated()


def test_the_table_covers_every_step_of_the_workflow():
    kinds = {
        "case.escalated" if t.action == "escalate" else f"case.{t.action}"
        for t in workflow.TRANSITIONS
    }

    assert set(CASE_EVENTS) == {"case.opened", *kinds}
