"""The RCA PDF as a reader sees it: every line of text on the rendered pages starts at the left
margin and ends before the right one, and the lines run down the page in reading order. (Text
extraction alone reads the words even when they are drawn off the page.)"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from casebridge.rca import services
from casebridge.rca.exports import FONTS, rca_pdf
from casebridge.rca.models import Rca

MM = 72 / 25.4
MARGIN = 10 * MM  # fpdf2's default page margin, in points
LONG_WORD = "https://status.vendor.example/incidents/" + "a1b2c3d4" * 12


@dataclass(frozen=True)
class Run:
    page: int
    x: float
    y: float
    width: float
    size: float
    bold: bool
    text: str


def _measure() -> FPDF:
    measure = FPDF(unit="pt")
    measure.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    measure.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return measure


def runs_of(document: bytes) -> tuple[list[Run], float]:
    """Every text run drawn, with its position and its width in the font it is drawn in."""
    measure = _measure()
    found: list[Run] = []
    reader = PdfReader(io.BytesIO(document))
    for number, page in enumerate(reader.pages):

        def visit(text, cm, tm, font, size, number=number):
            if not text.strip():
                return
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            measure.set_font("DejaVu", "B" if bold else "", size)
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            width = measure.get_string_width(text.rstrip("\n"))
            found.append(Run(number, x, y, width, size, bold, text.rstrip("\n")))

        page.extract_text(visitor_text=visit)
    return found, float(reader.pages[0].mediabox.width)


@pytest.fixture
def signed_rca(desk, resolved_p1):
    case = resolved_p1()
    rca = Rca.objects.get(case=case)
    owner = desk.partner_a_manager
    services.rca_update(
        actor=owner,
        rca=rca,
        changes={
            "impact": "All inbound calls failed for 40 minutes. " * 6,
            "root_cause": f"An expired SBC certificate; see {LONG_WORD} for the trace.",
            "contributing_factors": "Internal: the renewal reminder went to a left employee.",
            "public_summary": "A certificate expired; it is renewed and now monitored.",
            "timeline": [
                {"at": f"2026-06-01T09:{minute:02d}:00+00:00", "text": f"Step {minute} " * 12}
                for minute in range(40)
            ],
        },
    )
    services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Renew the certificate and every other one that expires this year. " * 3,
            "owner": desk.partner_a_agent,
            "due_on": dt.date(2099, 12, 1),
        },
    )
    services.rca_sign(actor=owner, rca=rca)
    return Rca.objects.get(pk=rca.pk)


@pytest.mark.parametrize(
    ("reader", "pages"),
    [("partner_a_manager", 2), ("customer_a_contact", 1)],  # the public version has no timeline
)
def test_every_line_of_the_pdf_lies_within_the_margins(desk, signed_rca, reader, pages):
    runs, page_width = runs_of(rca_pdf(getattr(desk, reader), signed_rca))

    assert len({run.page for run in runs}) == pages
    outside = [
        run.text[:40]
        for run in runs
        if run.x < MARGIN - 0.5 or run.x + run.width > page_width - MARGIN + 0.5
    ]
    assert outside == []


def test_headings_and_text_share_the_left_margin(desk, signed_rca):
    runs, _ = runs_of(rca_pdf(desk.partner_a_manager, signed_rca))

    starts = {round(run.x, 1) for run in runs}
    headings = [run.text for run in runs if run.bold]

    assert len(starts) == 1
    assert headings[:3] == ["Root-cause analysis · " + signed_rca.case.number, "Summary", "Impact"]


def test_lines_run_down_each_page_without_overlapping(desk, signed_rca):
    runs, _ = runs_of(rca_pdf(desk.partner_a_manager, signed_rca))

    for before, after in itertools.pairwise(runs):
        if before.page == after.page:
            assert before.y - after.y >= after.size, (before.text[:30], after.text[:30])
        else:
            assert after.page == before.page + 1


def test_a_word_longer_than_a_line_is_broken_not_cut_off(desk, signed_rca):
    runs, _ = runs_of(rca_pdf(desk.partner_a_manager, signed_rca))

    text = "".join(run.text for run in runs if not run.bold)

    assert LONG_WORD in text.replace("\n", "")
