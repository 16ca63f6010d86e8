"""Full-text search: the query syntax, the index kept by every write, and who finds what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given
from hypothesis import strategies as st

from casebridge.cases import search
from casebridge.cases import services as case_services
from casebridge.cases.models import Case, Comment, SearchEntry
from casebridge.core.errors import ValidationFailed
from tests.cases.helpers import COMPLETE, act


def numbers(page: search.SearchPage) -> list[str]:
    return [hit.case.number for hit in page.hits]


def comment(case, actor, body, audience="public"):
    return case_services.case_comment(actor=actor, case=case, audience=audience, body=body)


# -- the query syntax ------------------------------------------------------------------------


def test_words_phrases_alternatives_and_exclusions_parse_for_both_engines():
    query = search.query_parse('printer "paper jam" or toner -"tray 2" -fax')

    assert query.websearch() == 'printer "paper jam" or toner -"tray 2" -fax'
    assert query.fts5() == '(("printer") AND ("paper jam" OR "toner")) NOT ("tray 2" OR "fax")'


def test_codes_with_punctuation_are_phrases_of_their_parts():
    query = search.query_parse("ORA-00600 0x80070005!")

    assert query.fts5() == '("ora 00600") AND ("0x80070005")'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Required."),
        ("   ", "Required."),
        ('"paper jam', 'Close the phrase with a second " or remove the quote.'),
        ("or printer", "Put a word or a phrase on each side of 'or'."),
        ("printer or", "Put a word or a phrase on each side of 'or'."),
        ("printer or or toner", "Put a word or a phrase on each side of 'or'."),
        (
            "-printer",
            "Type at least one word or number to find (terms with - only leave cases out).",
        ),
        ("&& || !!", "Type at least one word or number to find."),
        ("x" * 201, "At most 200 characters (this one has 201)."),
        (" ".join(f"w{n}" for n in range(13)), "At most 12 words or phrases."),
        (
            '"To be" or THE -printer',
            "Words such as 'be', 'the', 'to' are too common to search for: add a word that "
            "tells the case apart.",
        ),
    ],
)
def test_a_query_that_cannot_run_is_refused_with_its_reason(text, reason):
    with pytest.raises(ValidationFailed) as refused:
        search.query_parse(text)

    assert refused.value.fields == {"q": [reason]}


@given(st.text(max_size=120))
def test_any_text_either_parses_or_is_refused_on_q(text):
    try:
        query = search.query_parse(text)
    except ValidationFailed as refused:
        assert set(refused.fields) == {"q"}  # noqa: PT017 - either outcome is the property
    else:
        assert query.groups
        # Every term is one quoted FTS5 string: nothing typed is read as FTS5 syntax.
        assert query.fts5().count('"') % 2 == 0


# -- the index follows every write -----------------------------------------------------------


def test_every_text_is_indexed_in_the_write_that_adds_it(desk, open_case):
    case = open_case(error_messages="ERR_QUEUE_STALLED in the dialer log")
    comment(case, desk.partner_a_agent, "Restarted the media gateway", "partner_internal")
    case_services.case_attach(
        actor=desk.partner_a_agent,
        case=case,
        upload=SimpleUploadedFile("gateway-trace.txt", b"trace\n", content_type="text/plain"),
        audience="partner_vendor",
    )

    entries = {
        (entry.source, entry.audience): entry.body
        for entry in SearchEntry.objects.filter(case=case)
    }

    assert entries == {
        ("details", "public"): "Since this morning no call reaches an agent.\n"
        "ERR_QUEUE_STALLED in the dialer log",
        ("comment", "partner_internal"): "Restarted the media gateway",
        ("attachment", "partner_vendor"): "gateway-trace.txt",
    }


def test_changed_details_are_found_by_their_new_words_only(desk, open_case):
    case = open_case()
    case_services.case_update_details(
        actor=desk.partner_a_agent,
        case=case,
        expected_revision=None,
        changes={"title": "Dialer drops every outbound call"},
    )

    assert numbers(search.search_cases(desk.partner_a_agent, "outbound dialer")) == [case.number]
    assert numbers(search.search_cases(desk.partner_a_agent, "silence")) == []


def test_the_index_adds_one_query_to_a_message(desk, open_case, django_assert_num_queries):
    case = open_case()
    message = Comment.objects.create(
        case=case,
        author=desk.partner_a_agent,
        audience="public",
        body="Counted",
        body_html="<p>Counted</p>",
        created_at=case.created_at,
    )

    with django_assert_num_queries(1):
        search.index_comment(message)


def test_rebuilding_writes_the_same_entries_again(desk, open_case):
    case = open_case(actions_taken="Rebooted the switch")
    comment(case, desk.partner_a_agent, "Firmware 4.2 on the switch")
    before = sorted(SearchEntry.objects.values_list("source", "source_id", "audience", "body"))

    assert search.index_rebuild() == len(before)

    after = sorted(SearchEntry.objects.values_list("source", "source_id", "audience", "body"))
    assert after == before
    assert numbers(search.search_cases(desk.partner_a_agent, "firmware")) == [case.number]


def test_the_rebuild_command_says_how_many_texts_it_indexed(desk, open_case, capsys):
    open_case()
    SearchEntry.objects.all().delete()

    call_command("search", "rebuild")

    assert capsys.readouterr().out.strip() == "search index rebuilt: 1 texts"
    assert numbers(search.search_cases(desk.partner_a_agent, "silence")) != []


# -- finding ---------------------------------------------------------------------------------


def test_a_phrase_from_a_message_finds_its_case_highlighted(desk, open_case):
    wanted = open_case()
    open_case()
    comment(wanted, desk.partner_a_agent, "The SIP trunk to Frankfurt rejects every INVITE.")

    page = search.search_cases(desk.partner_a_agent, '"sip trunk" frankfurt')

    assert numbers(page) == [wanted.number]
    [hit] = page.hits
    assert hit.source == "comment"
    marked = " ".join(text.lower() for text, matched in hit.snippet if matched).split()
    assert {"sip", "trunk", "frankfurt"} <= set(marked)


def test_words_are_found_in_any_form_and_titles_rank_first(desk, open_case):
    in_title = open_case()
    case_services.case_update_details(
        actor=desk.partner_a_agent,
        case=in_title,
        expected_revision=None,
        changes={"title": "Reports crash at login"},
    )
    in_message = open_case()
    comment(in_message, desk.partner_a_agent, "The report viewer crashed twice today.")

    page = search.search_cases(desk.partner_a_agent, "crashing")

    assert numbers(page) == [in_title.number, in_message.number]
    assert ("crash", True) in [(text.lower(), matched) for text, matched in page.hits[0].title]


def test_or_and_exclusions_narrow_the_results(desk, open_case):
    timeout, deadlock, both = open_case(), open_case(), open_case()
    comment(timeout, desk.partner_a_agent, "Database timeout on save")
    comment(deadlock, desk.partner_a_agent, "Database deadlock on save")
    comment(both, desk.partner_a_agent, "Database timeout and deadlock on save")

    agent = desk.partner_a_agent
    assert set(numbers(search.search_cases(agent, "timeout or deadlock"))) == {
        timeout.number,
        deadlock.number,
        both.number,
    }
    assert numbers(search.search_cases(agent, "database -deadlock")) == [timeout.number]


def test_a_case_number_goes_straight_to_the_case_the_searcher_sees(desk, open_case):
    case = open_case()

    assert search.search_cases(desk.partner_a_agent, f" {case.number.lower()} ").exact == case
    other = search.search_cases(desk.partner_b_agent, case.number)
    assert other.exact is None
    assert other.hits == []


def test_a_customer_never_finds_internal_text(desk, open_case):
    case = open_case()
    comment(case, desk.partner_a_agent, "Customer firewall misconfigured", "partner_internal")
    comment(case, desk.partner_a_agent, "Escalation draft about the firewall", "partner_vendor")
    comment(case, desk.partner_a_agent, "We are looking at the firewall", "public")

    customer = search.search_cases(desk.customer_a_contact, "firewall")
    assert numbers(customer) == [case.number]
    assert "misconfigured" not in str(customer.hits[0].snippet)
    assert search.search_cases(desk.customer_a_contact, "misconfigured").hits == []
    assert search.search_cases(desk.customer_a_contact, "draft").hits == []
    assert numbers(search.search_cases(desk.partner_a_agent, "misconfigured")) == [case.number]


def test_a_partner_never_finds_another_partners_cases(desk, open_case):
    theirs = open_case(actor=desk.customer_b_contact, customer=desk.customer_b)
    comment(theirs, desk.partner_b_agent, "Voicemail store is full", "public")

    assert search.search_cases(desk.partner_a_agent, "voicemail").hits == []
    assert search.search_cases(desk.customer_a_contact, "voicemail").hits == []
    assert numbers(search.search_cases(desk.partner_b_agent, "voicemail")) == [theirs.number]


def test_the_vendor_finds_escalated_cases_but_not_the_partners_internal_notes(desk, open_case):
    case = open_case(**COMPLETE)
    comment(case, desk.partner_a_agent, "Kestrel node suspected", "partner_internal")
    comment(case, desk.partner_a_agent, "Kestrel node trace attached", "partner_vendor")
    vendor = desk.vendor_engineer

    assert search.search_cases(vendor, "kestrel").hits == []  # not escalated: not the vendor's
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    case_services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    page = search.search_cases(vendor, "kestrel")
    assert numbers(page) == [case.number]
    assert "suspected" not in str(page.hits[0].snippet)
    assert search.search_cases(vendor, "suspected").hits == []


def test_a_model_2_customer_reads_partner_and_vendor_text(desk, open_case):
    case = open_case(actor=desk.customer_direct_admin, customer=desk.customer_direct)
    comment(case, desk.vendor_engineer, "Licence server unreachable", "partner_vendor")
    comment(case, desk.vendor_engineer, "Licence server owned by team Orca", "vendor_internal")

    admin = desk.customer_direct_admin
    assert numbers(search.search_cases(admin, "unreachable")) == [case.number]
    assert search.search_cases(admin, "orca").hits == []


def test_results_are_paginated_one_case_per_row(desk, open_case):
    cases = [open_case() for _ in range(search.PAGE_SIZE + 2)]
    for case in cases:
        comment(case, desk.partner_a_agent, "Paging test alpha")
        comment(case, desk.partner_a_agent, "Paging test alpha again")

    first = search.search_cases(desk.partner_a_agent, "alpha")
    second = search.search_cases(desk.partner_a_agent, "alpha", page=2)

    assert (first.total, first.pages, len(first.hits), len(second.hits)) == (27, 2, 25, 2)
    assert not set(numbers(first)) & set(numbers(second))
    assert not first.capped


def test_a_search_runs_a_fixed_number_of_queries(desk, open_case, django_assert_max_num_queries):
    for _ in range(5):
        comment(open_case(), desk.partner_a_agent, "Query budget probe")
    agent = desk.partner_a_agent
    agent.organisation  # noqa: B018 - the signed-in person comes with the organisation

    with django_assert_max_num_queries(4):
        page = search.search_cases(agent, "budget probe")
    assert len(page.hits) == 5


def test_highlights_cannot_inject_markup(desk, open_case):
    case = open_case()
    comment(case, desk.partner_a_agent, "<script>alert(1)</script> gateway", "public")

    [hit] = search.search_cases(desk.partner_a_agent, "gateway").hits

    # Plain text pieces, escaped when shown (the portal's test); PostgreSQL drops tag-like words.
    assert ("gateway", True) in hit.snippet
    assert search.START not in str(hit.snippet)


def test_sqlite_index_is_kept_by_triggers_when_entries_go(desk, open_case):
    if connection.vendor != "sqlite":
        pytest.skip("The FTS5 table exists on SQLite only.")
    case = open_case()
    comment(case, desk.partner_a_agent, "Ephemeral zebra")
    SearchEntry.objects.filter(case=case, source="comment").delete()

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH 'zebra'"  # noqa: S608
        )
        assert cursor.fetchone() == (0,)


# -- similar cases -----------------------------------------------------------------------------


def resolve(case, desk):
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")
    act(case, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")


def test_similar_cases_are_resolved_ones_sharing_the_telling_words(desk, open_case):
    solved = open_case()
    comment(solved, desk.partner_a_agent, "Wallboard freezes when the queue exceeds 99 callers")
    resolve(solved, desk)
    still_open = open_case()
    comment(still_open, desk.partner_a_agent, "Wallboard freezes with many callers")
    unrelated = open_case()
    comment(unrelated, desk.partner_a_agent, "Printer driver update")
    resolve(unrelated, desk)

    found = search.similar_cases(desk.partner_a_agent, "The wallboard freezes again")

    assert [hit.case.pk for hit in found] == [solved.pk]
    assert search.similar_cases(desk.partner_a_agent, "the and of it") == []
    assert search.similar_cases(desk.partner_a_agent, "wallboard", exclude=solved.pk) == []


def test_similar_cases_keep_to_what_the_writer_may_see(desk, open_case):
    solved = open_case()
    comment(solved, desk.partner_a_agent, "Gateway quokka firmware bug", "partner_internal")
    resolve(solved, desk)

    assert [hit.case.pk for hit in search.similar_cases(desk.partner_a_agent, "quokka")] == [
        solved.pk
    ]
    assert search.similar_cases(desk.customer_a_contact, "quokka") == []
    assert search.similar_cases(desk.partner_b_agent, "quokka") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_the_migration_indexes_the_texts_already_stored(desk, open_case):
    case = open_case(actions_taken="Swapped the capybara cable")
    comment(case, desk.partner_a_agent, "Internal: capybara firmware", "partner_internal")
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0013_saved_views")])
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0014_search")])

    assert sorted(SearchEntry.objects.values_list("source", "audience")) == [
        ("comment", "partner_internal"),
        ("details", "public"),
    ]
    assert numbers(search.search_cases(desk.partner_a_agent, "capybara")) == [case.number]
    assert search.search_cases(desk.customer_a_contact, "firmware").hits == []


def test_a_message_is_found_and_quoted_by_its_words_not_its_markdown(desk, open_case):
    case = open_case()
    comment(case, desk.partner_a_agent, "The **gateway** drops `INVITE` &amp; retries", "public")

    [hit] = search.search_cases(desk.partner_a_agent, "gateway invite").hits

    quoted = "".join(text for text, _ in hit.snippet)
    assert "gateway" in quoted
    assert "**" not in quoted
    assert "`" not in quoted
    assert "&amp;" not in quoted
    rebuilt = search.index_rebuild()  # the repair path indexes the same words
    assert rebuilt >= 2
    [again] = search.search_cases(desk.partner_a_agent, "gateway invite").hits
    assert "**" not in "".join(text for text, _ in again.snippet)
