"""Search: the cases the caller may see whose texts (those the caller may read) match a query,
best first, a page at a time (:mod:`casebridge.cases.search`)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from casebridge.api.cases import CaseOut
from casebridge.api.schemas import ErrorOut
from casebridge.cases import audiences, search
from casebridge.cases.choices import SearchSource
from casebridge.parties.models import Person

router = Router(tags=["cases"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class SearchIn(Schema):
    q: str = Field(
        ...,
        max_length=search.MAX_QUERY,
        description=(
            'Words (all must occur, in any form), "quoted phrases", `or` between alternatives, '
            "`-word` to leave cases out; or a case number, which returns that case alone."
        ),
        examples=['"sip trunk" frankfurt -test'],
    )
    page: int = Field(1, ge=1, le=1000)


class PieceOut(Schema):
    text: str
    match: bool = Field(..., description="A word the query matched.")


class HitOut(Schema):
    case: CaseOut
    found_in: str = Field(
        ...,
        description=f"Where the best match is: {', '.join(SearchSource.values)}, or number "
        "(the query was this case's number).",
    )
    title: list[PieceOut] = Field(..., description="The case's title, matched words marked.")
    snippet: list[PieceOut] = Field(..., description="The best-matching text around its matches.")


class SearchOut(Schema):
    query: str
    total: int = Field(..., description="Cases found (a lower bound when capped).")
    capped: bool = Field(
        ..., description=f"More than the best {search.RESULT_CAP} matching texts were found."
    )
    page: int
    pages: int
    exact: bool = Field(..., description="The query was the number of a case the caller sees.")
    items: list[HitOut]


def _pieces(pieces: tuple[tuple[str, bool], ...]) -> list[dict[str, Any]]:
    return [{"text": text, "match": match} for text, match in pieces]


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search cases")
def case_search(request: HttpRequest, query: Query[SearchIn]) -> Any:
    """Full-text search over titles, descriptions, guideline fields, messages and file names,
    scoped to what the caller may read; a malformed query is a 422 on ``q`` with the reason."""
    actor: Person = request.auth  # type: ignore[attr-defined]
    found = search.search_cases(actor, query.q, page=query.page)
    return {
        "query": query.q,
        "total": found.total,
        "capped": found.capped,
        "page": found.page,
        "pages": found.pages,
        "exact": found.exact is not None,
        "items": [
            {
                "case": audiences.case_read(actor, hit.case),
                "found_in": hit.source,
                "title": _pieces(hit.title),
                "snippet": _pieces(hit.snippet),
            }
            for hit in found.hits
        ],
    }
