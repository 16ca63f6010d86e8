"""The signed RCA as a printable HTML page and as a PDF, in the reader's version (the customer
gets the public one). The PDF is drawn with fpdf2 (pure Python, no system libraries) in the
DejaVu Sans font shipped in ``rca/fonts`` so any language prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from casebridge.cases.choices import CauseAttribution
from casebridge.core.errors import Conflict
from casebridge.parties.models import Person
from casebridge.rca.choices import ActionKind, ActionStatus
from casebridge.rca.models import Rca
from casebridge.rca.selectors import PUBLIC, published_content, view_of

FONTS = Path(__file__).parent / "fonts"
SECTIONS = (
    ("public_summary", "Summary"),
    ("impact", "Impact"),
    ("root_cause", "Root cause"),
    ("contributing_factors", "Contributing factors"),
)


class NothingSigned(Conflict):
    code = "rca_not_signed"


def export_content(actor: Person, rca: Rca) -> dict[str, Any]:
    """What an export shows: the latest signed revision in the reader's version."""
    content = published_content(actor, rca)
    if content is None:
        raise NothingSigned(
            "This RCA has no signed revision to export yet.", fields={"status": "Draft."}
        )
    attribution = content.get("attribution")
    return {
        **content,
        "public": view_of(actor, rca) == PUBLIC,
        "attribution_label": CauseAttribution(attribution).label if attribution else "",
        "sections": [(label, content[name]) for name, label in SECTIONS if content.get(name)],
        "actions": [
            {
                **action,
                "kind_label": ActionKind(action["kind"]).label,
                "status_label": ActionStatus(action["status"]).label,
            }
            for action in content.get("actions", [])
        ],
        "customer": rca.case.customer.name,
        "title": rca.case.title,
    }


def rca_html(actor: Person, rca: Rca) -> str:
    return render_to_string("rca/print.html", {"rca": rca, "doc": export_content(actor, rca)})


def _when(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def rca_pdf(actor: Person, rca: Rca) -> bytes:
    doc = export_content(actor, rca)
    pdf = FPDF(format="A4")
    pdf.set_title(f"RCA {doc['case']} revision {doc['revision']}")
    pdf.set_creator("casebridge")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line_block(text: str, height: float) -> None:
        # Each block starts on a new line at the left margin: fpdf2's default leaves the cursor
        # to the right of the cell, which pushed every following block off the page.
        pdf.multi_cell(width, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(text: str, size: int = 13) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        line_block(text, 7)

    def body(text: str) -> None:
        pdf.set_font("DejaVu", "", 10)
        line_block(text, 5)

    heading(f"Root-cause analysis · {doc['case']}", 16)
    body(f"{doc['title']} — {doc['customer']}")
    body(
        f"Revision {doc['revision']}, signed {_when(doc['signed_at'])} by {doc['signed_by']}"
        + (f" · cause: {doc['attribution_label']}" if doc["attribution_label"] else "")
        + (f" · owner: {doc['owner']}" if doc.get("owner") else "")
    )
    for label, text in doc["sections"]:
        heading(label)
        body(text)
    if doc.get("timeline"):
        heading("Timeline")
        for entry in doc["timeline"]:
            body(f"{_when(entry['at'])}  {entry['text']}")
    if doc["actions"]:
        heading("Corrective and preventive actions")
        for action in doc["actions"]:
            who = (
                f" · {action['owner']} ({action['owner_organisation']})"
                if "owner" in action
                else ""
            )
            body(
                f"{action['kind_label']}: {action['description']}\n"
                f"    due {action['due_on']} · {action['status_label']}{who}"
            )
    return bytes(pdf.output())
