"""GET /api/v1/search: the cases found as the caller reads them, marked pieces, pages, and a 422
on q with the reason for a query that cannot run."""

from casebridge.cases import services


def test_search_returns_the_cases_found_with_marked_pieces(desk, open_case, api_as):
    case = open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="public", body="Jitter on the SIP trunk"
    )
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Jitter: ISP"
    )

    found = api_as(desk.partner_a_agent).get("/api/v1/search?q=jitter")

    assert found.status_code == 200, found.json()
    body = found.json()
    assert (body["total"], body["pages"], body["capped"], body["exact"]) == (1, 1, False, False)
    [item] = body["items"]
    assert item["case"]["number"] == case.number
    assert item["found_in"] == "comment"
    assert {"text": "Jitter", "match": True} in item["snippet"]
    customer = api_as(desk.customer_a_contact).get("/api/v1/search?q=isp").json()
    assert customer["items"] == []


def test_a_case_number_is_exact_and_a_bad_query_is_a_422_on_q(desk, open_case, api_as):
    case = open_case()
    client = api_as(desk.partner_a_agent)

    exact = client.get(f"/api/v1/search?q={case.number}").json()
    assert exact["exact"] is True
    assert [item["case"]["id"] for item in exact["items"]] == [case.pk]
    refused = client.get("/api/v1/search?q=%22unclosed")
    assert refused.status_code == 422
    assert refused.json()["fields"]["q"] == [
        'Close the phrase with a second " or remove the quote.'
    ]
    assert client.get("/api/v1/search?q=" + "x" * 201).status_code == 422
    assert client.get("/api/v1/search?q=ok&page=0").status_code == 422


def test_the_case_list_takes_words(desk, open_case, api_as):
    wanted, other = open_case(), open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=wanted, audience="public", body="Nebula dashboard"
    )
    client = api_as(desk.partner_a_agent)

    listed = client.get("/api/v1/cases?q=nebula").json()

    assert [item["id"] for item in listed["items"]] == [wanted.pk]
    assert other.pk not in [item["id"] for item in listed["items"]]
    refused = client.get("/api/v1/cases?q=-nebula")
    assert refused.status_code == 422
    assert "q" in refused.json()["fields"]
