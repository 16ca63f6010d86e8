"""The portal's search: the header box, results with highlights, refusals beside the field."""

from django.test import Client

from casebridge.cases import services
from tests.cases.helpers import act


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_header_box_searches_and_highlights_what_it_found(desk, open_case):
    case = open_case()
    services.case_comment(
        actor=desk.partner_a_agent,
        case=case,
        audience="public",
        body="The <b>voicemail</b> store is full since the upgrade.",
    )

    page = signed_in(desk.partner_a_agent).get("/", follow=True).content.decode()
    assert 'action="/search/"' in page

    response = signed_in(desk.partner_a_agent).get("/search/", {"q": "voicemail upgrade"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "1 case found" in html
    assert case.number in html
    assert "<mark>voicemail</mark>" in html or "<mark>upgrade</mark>" in html
    assert "In a message" in html
    assert "<b>voicemail</b>" not in html  # the message's markup is text, never HTML


def test_a_refused_search_says_why_beside_the_field(desk):
    response = signed_in(desk.partner_a_agent).get("/search/", {"q": '"paper jam'})
    html = response.content.decode()

    assert response.status_code == 422
    assert 'aria-invalid="true"' in html
    assert 'id="search-q-error"' in html
    assert "Close the phrase with a second" in html


def test_an_empty_search_is_refused_and_no_query_shows_the_form(desk):
    client = signed_in(desk.partner_a_agent)

    assert client.get("/search/", {"q": "  "}).status_code == 422
    blank = client.get("/search/")
    assert blank.status_code == 200
    assert "search-results" not in blank.content.decode()


def test_a_customer_does_not_find_internal_notes_in_the_portal(desk, open_case):
    case = open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Quokka suspect"
    )

    html = signed_in(desk.customer_a_contact).get("/search/", {"q": "quokka"}).content.decode()

    assert "Nothing found" in html
    assert case.number not in html


def test_the_results_page_runs_few_queries(desk, open_case, django_assert_max_num_queries):
    for _ in range(8):
        case = open_case()
        services.case_comment(
            actor=desk.partner_a_agent, case=case, audience="public", body="Budget lantern"
        )
    client = signed_in(desk.partner_a_agent)
    client.get("/search/", {"q": "lantern"})

    with django_assert_max_num_queries(12):
        response = client.get("/search/", {"q": "lantern"})
    assert response.content.decode().count('data-testid="hit"') == 8


def test_the_new_case_form_suggests_resolved_cases_as_one_types(desk, open_case):
    solved = open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=solved, audience="public", body="Headset crackles"
    )
    for action in ("start", "propose_solution"):
        act(solved, desk.partner_a_agent, action)
    act(solved, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")
    client = signed_in(desk.partner_a_agent)

    form = client.get("/cases/new/").content.decode()
    assert 'hx-get="/cases/similar/"' in form
    typed = client.get("/cases/similar/", {"title": "Headset crackles", "description": ""})
    assert solved.number in typed.content.decode()
    nothing = client.get("/cases/similar/", {"title": "zzz qqq"}).content.decode()
    assert 'data-testid="similar-none"' in nothing

    other = open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=other, audience="public", body="Headset crackles too"
    )
    on_page = client.get(f"/cases/{other.pk}/similar/").content.decode()
    assert solved.number in on_page
    assert client.get(f"/cases/{solved.pk}/similar/").content.decode().strip() == ""
    assert signed_in(desk.partner_b_agent).get(f"/cases/{other.pk}/similar/").status_code == 404
