"""Full-text search over the cases a person may see: titles, descriptions, guideline fields,
messages and file names, each text found only by the audience that reads it.

The index is :class:`~casebridge.cases.models.SearchEntry`, one row per text, written in the
transaction of the write that adds or changes the text (one query per write). PostgreSQL
searches a ``tsvector`` column under a GIN index with ``websearch_to_tsquery``; SQLite (the
embedded default) an FTS5 table that triggers keep in step. Both read the same query syntax,
parsed here so that a query either means the same on both or is refused with its reason:

- words: every one must occur (``printer offline``), in any form (``crash`` finds "crashed");
- ``"a quoted phrase"``: the words in that order;
- ``or`` between two terms: either will do (``timeout or deadlock``);
- ``-word`` or ``-"a phrase"``: cases with it are left out.

A case number (``CB-2026-000123``) is not searched: it goes straight to the case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection, models, transaction
from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import CombinedExpression, RawSQL

from casebridge.cases.choices import Audience, CustomerStatus, SearchSource
from casebridge.cases.models import (
    GUIDELINE_FIELDS,
    Attachment,
    Case,
    Comment,
    Engagement,
    SearchEntry,
)
from casebridge.cases.querysets import audience_visibility, case_visibility
from casebridge.cases.selectors import access_case_by_number, case_number_in
from casebridge.cases.text import plain_text
from casebridge.core.errors import NotFound, ValidationFailed
from casebridge.parties.models import Person

#: PostgreSQL's text-search configuration; SQLite's FTS5 table uses the Porter stemmer to match.
CONFIG = "english"
#: The longest query accepted, in characters.
MAX_QUERY = 200
#: The most terms a query may have.
MAX_TERMS = 12
#: The best-matching texts a search ranks; the cases they belong to are the results.
RESULT_CAP = 1000
PAGE_SIZE = 25
#: The guideline fields that hold free text (the others are a flag, a time, a count, a code).
TEXT_GUIDELINES = tuple(
    name
    for name in GUIDELINE_FIELDS
    if isinstance(model_field := Case._meta.get_field(name), models.TextField | models.CharField)
    and not model_field.choices
)
#: Around a matched word in a highlight; control characters no stored text contains.
START, STOP = "\x02", "\x03"
FTS_TABLE = "cases_searchentry_fts"
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


# -- the query ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a phrase (several words in order)."""

    words: tuple[str, ...]

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class Query:
    """Every group must match (any of its terms will do); no excluded term may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    def websearch(self) -> str:
        """The query in PostgreSQL's ``websearch_to_tsquery`` syntax."""
        parts = [" or ".join(_websearch_term(term) for term in group) for group in self.groups]
        parts += [f"-{_websearch_term(term)}" for term in self.excluded]
        return " ".join(parts)

    def fts5(self) -> str:
        """The query as an FTS5 ``MATCH`` expression (every term a quoted string, so nothing
        the searcher types is read as FTS5 syntax)."""
        wanted = " AND ".join(
            "(" + " OR ".join(_fts5_term(term) for term in group) + ")" for group in self.groups
        )
        if not self.excluded:
            return wanted
        unwanted = " OR ".join(_fts5_term(term) for term in self.excluded)
        return f"({wanted}) NOT ({unwanted})"


def _websearch_term(term: Term) -> str:
    text = " ".join(term.words)
    return f'"{text}"' if term.phrase else text


def _fts5_term(term: Term) -> str:
    return '"' + " ".join(term.words).replace('"', '""') + '"'


def _words(text: str) -> tuple[str, ...]:
    """The searchable words of ``text``: what has a letter or a digit, split where both
    engines split (``ORA-00600`` is the phrase "ORA 00600"), lower-cased."""
    return tuple(piece.lower() for piece in re.findall(r"\w+", text, re.UNICODE))


#: Words too common to tell one problem from another: a suggestion's query leaves them out,
#: and a search of nothing else is refused (PostgreSQL's English search drops them, so it would
#: find nothing, silently).
STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but
    by can cannot could did do does doing done for from had has have having he her here his how
    i if in into is it its just me more most my no nor not now of on once only or other our out
    over own same she should since so some still such than that the their them then there these
    they this those through to too under until up very was we were what when where which while
    who why will with would you your""".split()  # noqa: SIM905 - a list to read
)


def query_parse(text: str) -> Query:
    """The query ``text`` says; a :class:`ValidationFailed` on ``q`` says why it cannot be run."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Type something to search for.", fields={"q": "Required."})
    if len(text) > MAX_QUERY:
        raise ValidationFailed(
            "The search is too long.",
            fields={"q": f"At most {MAX_QUERY} characters (this one has {len(text)})."},
        )
    if text.count('"') % 2:
        raise ValidationFailed(
            "The search has a quote that is not closed.",
            fields={"q": 'Close the phrase with a second " or remove the quote.'},
        )
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            if not groups or pending_or:
                raise ValidationFailed(
                    "The search has an 'or' with nothing before it.",
                    fields={"q": "Put a word or a phrase on each side of 'or'."},
                )
            pending_or = True
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = _words(quoted if quoted is not None else bare)
        if not words:
            continue  # punctuation on its own: neither engine would search it
        term = Term(words)
        if negated:
            if pending_or:
                raise ValidationFailed(
                    "The search has 'or' before a left-out term.",
                    fields={"q": "'or' joins two terms to find; leave 'or' out before -term."},
                )
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        raise ValidationFailed(
            "The search ends with 'or'.",
            fields={"q": "Put a word or a phrase on each side of 'or'."},
        )
    if not groups:
        raise ValidationFailed(
            "The search has no word to look for.",
            fields={
                "q": "Type at least one word or number to find"
                + (" (terms with - only leave cases out)." if excluded else ".")
            },
        )
    wanted = {word for group in groups for term in group for word in term.words}
    if wanted <= STOP_WORDS:
        raise ValidationFailed(
            "The search has only common words.",
            fields={
                "q": f"Words such as {', '.join(repr(w) for w in sorted(wanted)[:3])} are too "
                "common to search for: add a word that tells the case apart."
            },
        )
    if sum(len(group) for group in groups) + len(excluded) > MAX_TERMS:
        raise ValidationFailed(
            "The search has too many terms.",
            fields={"q": f"At most {MAX_TERMS} words or phrases."},
        )
    return Query(tuple(tuple(group) for group in groups), tuple(excluded))


# -- the index ---------------------------------------------------------------------------------


def _document(title: str, body: str) -> CombinedExpression | None:
    """The ``tsvector`` to store with a text (PostgreSQL); SQLite's triggers index it."""
    if connection.vendor != "postgresql":
        return None
    return SearchVector(Value(title), weight="A", config=CONFIG) + SearchVector(
        Value(body), weight="B", config=CONFIG
    )


def details_text(case: Case) -> tuple[str, str]:
    """The title and the body of the case's details entry."""
    texts = [case.description, *(getattr(case, name) for name in TEXT_GUIDELINES)]
    return case.title, "\n".join(text for text in texts if text)


def _details_entry(case: Case) -> SearchEntry:
    title, body = details_text(case)
    return SearchEntry(
        case_id=case.pk,
        source=SearchSource.DETAILS,
        source_id=case.pk,
        audience=Audience.PUBLIC,
        title=title,
        body=body,
    )


def _comment_entry(pk: int, case_id: int, audience: str, body: str) -> SearchEntry:
    return SearchEntry(
        case_id=case_id, source=SearchSource.COMMENT, source_id=pk, audience=audience, body=body
    )


def _attachment_entry(pk: int, case_id: int, audience: str, name: str) -> SearchEntry:
    return SearchEntry(
        case_id=case_id, source=SearchSource.ATTACHMENT, source_id=pk, audience=audience, body=name
    )


def _write(entry: SearchEntry) -> None:
    """Store one new entry with its ``tsvector`` (one query)."""
    entry.document = _document(entry.title, entry.body)
    entry.save(force_insert=True)


def index_new_case(case: Case) -> None:
    """Index a case just opened (one query)."""
    _write(_details_entry(case))


def index_case(case: Case) -> None:
    """Index the case's changed details (one query): its entry is rewritten, or written when a
    case has none yet."""
    entry = _details_entry(case)
    updated = SearchEntry.objects.filter(source=SearchSource.DETAILS, source_id=case.pk).update(
        title=entry.title, body=entry.body, document=_document(entry.title, entry.body)
    )
    if not updated:
        _write(entry)


def index_comment(comment: Comment) -> None:
    """Index a new message for its audience (one query): its words, not its Markdown."""
    _write(
        _comment_entry(comment.pk, comment.case_id, comment.audience, plain_text(comment.body_html))
    )


def index_attachment(attachment: Attachment) -> None:
    """Index a new file's name for its audience (one query)."""
    _write(
        _attachment_entry(
            attachment.pk, attachment.case_id, attachment.audience, attachment.original_name
        )
    )


def _every_entry(batch_size: int) -> Iterator[SearchEntry]:
    """Every case's entries, read from the cases, messages and files a batch at a time."""
    fields = ("id", "title", "description", *TEXT_GUIDELINES)
    for case in Case.objects.only(*fields).iterator(chunk_size=batch_size):
        yield _details_entry(case)
    comments = Comment.objects.values_list("id", "case_id", "audience", "body_html")
    for pk, case_id, audience, rendered in comments.iterator(chunk_size=batch_size):
        yield _comment_entry(pk, case_id, audience, plain_text(rendered))
    files = Attachment.objects.values_list("id", "case_id", "audience", "original_name")
    for row in files.iterator(chunk_size=batch_size):
        yield _attachment_entry(*row)


@transaction.atomic
def index_rebuild(*, batch_size: int = 1000) -> int:
    """Write every case's entries again from the cases, messages and files (after a bulk load
    or to repair the index); returns how many entries there are. One transaction."""
    SearchEntry.objects.all().delete()
    total = 0
    entries = _every_entry(batch_size)
    while batch := list(islice(entries, batch_size)):
        SearchEntry.objects.bulk_create(batch)
        total += len(batch)
    if connection.vendor == "postgresql":
        SearchEntry.objects.update(
            document=SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("body", weight="B", config=CONFIG)
        )
    return total


# -- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A case the search found, with the best-matching text: ``title`` and ``snippet`` are
    pieces of text, each with whether it is a matched word."""

    case: Case
    source: str
    title: tuple[tuple[str, bool], ...]
    snippet: tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class SearchPage:
    text: str
    hits: list[Hit]
    page: int
    pages: int
    #: The cases found (at most those of the best :data:`RESULT_CAP` texts).
    total: int
    #: More texts matched than were ranked: ``total`` is a lower bound.
    capped: bool
    #: The text was the number of a case the searcher sees: open it.
    exact: Case | None = None
    errors: dict[str, str] = field(default_factory=dict)


def pieces(text: str) -> tuple[tuple[str, bool], ...]:
    """``text`` with its highlight marks, as (piece, matched) pairs."""
    found: list[tuple[str, bool]] = []
    for index, part in enumerate(re.split(f"[{START}{STOP}]", text or "")):
        if part:
            found.append((part, index % 2 == 1))
    return tuple(found)


def _readable_entries(actor: Person) -> QuerySet[SearchEntry]:
    """The entries of the cases the actor sees, of the audiences the actor reads there."""
    visible = case_visibility(actor, "case__")
    if visible is None:
        return SearchEntry.objects.none()
    return SearchEntry.objects.filter(visible).filter(audience_visibility(actor, "case__"))


def _tsquery(query: Query) -> SearchQuery:
    return SearchQuery(query.websearch(), search_type="websearch", config=CONFIG)


def _ranked(
    actor: Person, query: Query, *, cases: Q | None = None, cap: int = RESULT_CAP
) -> list[tuple[int, int]]:
    """(entry id, case id) of the best ``cap`` texts the actor may read, best first; ``cases``
    narrows the cases (a condition on the entry's ``case__`` columns)."""
    entries = _readable_entries(actor)
    if cases is not None:
        entries = entries.filter(cases)
    if connection.vendor == "postgresql":
        tsquery = _tsquery(query)
        ranked = (
            entries.filter(document=tsquery)
            .annotate(rank=SearchRank(F("document"), tsquery))
            .order_by("-rank", "-id")
        )
        return list(ranked.values_list("id", "case_id")[:cap])
    # SQLite: the FTS5 table joined by rowid; bm25 ranks (lower is better), title counts more.
    ranked = entries.extra(  # noqa: S610 - FTS5 has no ORM expression; the query is a parameter
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = cases_searchentry.id", f"{FTS_TABLE} MATCH %s"],
        params=[query.fts5()],
        select={"rank": f"bm25({FTS_TABLE}, 4.0, 1.0)"},
        order_by=["rank", "-id"],
    )
    return list(ranked.values_list("id", "case_id")[:cap])


def matching_cases(actor: Person, text: str) -> QuerySet[SearchEntry, Any]:
    """The ids (``case_id``) of the cases the actor may see with a text the actor may read that
    matches ``text``: a subquery for a queue's text filter. Refuses a query that cannot run
    (:class:`ValidationFailed` on ``q``)."""
    query = query_parse(text)
    entries = _readable_entries(actor)
    if connection.vendor == "postgresql":
        return entries.filter(document=_tsquery(query)).values("case_id")
    # In a subquery the entries table has an alias, so the FTS5 table gives its matching rowids
    # (the entries' ids) as a subquery of its own.
    matched = RawSQL(  # noqa: S611 - a constant statement; the query is a parameter
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
        [query.fts5()],
    )
    return entries.filter(pk__in=matched).values("case_id")


def _highlights(entry_ids: Sequence[int], query: Query) -> dict[int, tuple[str, str, str]]:
    """entry id → (source, highlighted title, highlighted snippet) for a page's entries."""
    if not entry_ids:
        return {}
    entries = SearchEntry.objects.filter(pk__in=entry_ids)
    if connection.vendor == "postgresql":
        tsquery = _tsquery(query)
        rows = entries.annotate(
            title_marked=SearchHeadline(
                "title",
                tsquery,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                highlight_all=True,
            ),
            body_marked=SearchHeadline(
                "body",
                tsquery,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        ).values_list("id", "source", "title_marked", "body_marked")
    else:
        rows = entries.extra(  # noqa: S610 - FTS5's highlight functions; values are parameters
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = cases_searchentry.id", f"{FTS_TABLE} MATCH %s"],
            params=[query.fts5()],
            select={
                "title_marked": f"highlight({FTS_TABLE}, 0, %s, %s)",
                "body_marked": f"snippet({FTS_TABLE}, 1, %s, %s, ' … ', 24)",
            },
            select_params=[START, STOP, START, STOP],
        ).values_list("id", "source", "title_marked", "body_marked")
    return {pk: (source, title, body) for pk, source, title, body in rows}


def _hits(actor: Person, shown: list[int], best: dict[int, int], query: Query) -> list[Hit]:
    """The cases ``shown`` (ids, in order) as hits, each with its best entry highlighted."""
    cases = (
        Case.objects.visible_to(actor)
        .select_related("customer", "partner", "assignee", "matrix_version")
        .prefetch_related(Prefetch("engagements", queryset=Engagement.objects.order_by("kind")))
        .in_bulk(shown)
    )
    marked = _highlights([best[case_id] for case_id in shown], query)
    hits = []
    for case_id in shown:
        if case_id not in cases:
            continue  # moved out of the actor's sight since it was ranked
        source, title, body = marked.get(best[case_id], (SearchSource.DETAILS, "", ""))
        case = cases[case_id]
        title_pieces = pieces(title) if source == SearchSource.DETAILS and title else ()
        hits.append(
            Hit(
                case=case,
                source=source,
                title=title_pieces or ((case.title, False),),
                snippet=pieces(body),
            )
        )
    return hits


#: The most words of a text a suggestion searches for.
SIMILAR_WORDS = 10


def similar_cases(
    actor: Person, text: str, *, exclude: int | None = None, limit: int = 5
) -> list[Hit]:
    """Resolved and closed cases the actor may see whose texts share the most telling words of
    ``text`` (a new case's title and description, or a case's own), best first; nothing for a
    text without such words. ``exclude`` leaves one case out (the case itself)."""
    words: list[str] = []
    for word in _words(text):
        if len(word) > 2 and word not in STOP_WORDS and word not in words:
            words.append(word)
    if not words:
        return []
    query = Query((tuple(Term((word,)) for word in words[:SIMILAR_WORDS]),))
    done = Q(case__customer_status__in=(CustomerStatus.RESOLVED, CustomerStatus.CLOSED))
    if exclude is not None:
        done &= ~Q(case_id=exclude)
    best: dict[int, int] = {}
    for entry_id, case_id in _ranked(actor, query, cases=done, cap=limit * 20):
        best.setdefault(case_id, entry_id)
        if len(best) == limit:
            break
    return _hits(actor, list(best), best, query)


def similar_to_case(actor: Person, case: Case, *, limit: int = 5) -> list[Hit]:
    """The resolved cases most like ``case`` (its title and details), the case itself left out."""
    title, body = details_text(case)
    return similar_cases(actor, f"{title} {body[:2000]}", exclude=case.pk, limit=limit)


def search_cases(actor: Person, text: str, *, page: int = 1) -> SearchPage:
    """The cases the actor may see whose texts (those the actor may read) match ``text``, best
    first, a page at a time. A case number the actor sees comes back as ``exact``. Refuses an
    empty or malformed query with a :class:`ValidationFailed` on ``q``."""
    number = case_number_in(text)
    if number is not None:
        try:
            case = access_case_by_number(actor, number)
        except NotFound:
            pass  # not a case the actor sees: its number is searched as words
        else:
            hit = Hit(case=case, source="number", title=((case.title, False),), snippet=())
            return SearchPage(text, [hit], 1, 1, 1, False, exact=case)
    query = query_parse(text)
    if page < 1:
        raise ValidationFailed("No such page.", fields={"page": "Pages start at 1."})
    best: dict[int, int] = {}
    ranked = _ranked(actor, query)
    for entry_id, case_id in ranked:
        best.setdefault(case_id, entry_id)
    case_ids = list(best)
    pages = max(1, -(-len(case_ids) // PAGE_SIZE))
    if page > pages:
        page = pages
    shown = case_ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    hits = _hits(actor, shown, best, query)
    return SearchPage(
        text,
        hits,
        page,
        pages,
        total=len(case_ids),
        capped=len(ranked) >= RESULT_CAP,
    )
