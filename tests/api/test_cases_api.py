import pytest

from casebridge.cases.models import Case, Comment
from casebridge.parties.models import AuthorisedSubmitter
from tests.cases.helpers import COMPLETE

BODY = {
    "title": "Callers hear silence",
    "description": "Since this morning no call reaches an agent.",
    "category": "incident",
    "impact": "high",
    "urgency": "medium",
}


def opened(api_as, actor, customer, **extra):
    response = api_as(actor).post("/api/v1/cases", {"customer_id": customer.pk, **BODY, **extra})
    assert response.status_code == 201, response.content
    return response


def test_open_returns_the_case_with_an_etag_and_allowed_actions(desk, api_as):
    response = opened(api_as, desk.partner_a_agent, desk.customer_a)

    body = response.json()
    assert body["priority"] == "P2"
    assert body["matrix_version"] == "model_1 v1"
    assert response["ETag"] == 'W/"1"'
    assert body["allowed_actions"] == ["triage", "start"]


def test_a_retried_create_with_the_same_key_returns_the_first_case(desk, api_as):
    client = api_as(desk.partner_a_agent)
    payload = {"customer_id": desk.customer_a.pk, **BODY}

    first = client.client.post(
        "/api/v1/cases",
        payload,
        content_type="application/json",
        headers={**client.headers, "Idempotency-Key": "sync-1"},
    )
    again = client.client.post(
        "/api/v1/cases",
        payload,
        content_type="application/json",
        headers={**client.headers, "Idempotency-Key": "sync-1"},
    )

    assert first.json()["id"] == again.json()["id"]
    assert (first.status_code, again.status_code) == (201, 201)
    assert Case.objects.count() == 1


def test_the_same_idempotency_key_with_another_payload_is_refused(desk, api_as):
    client = api_as(desk.partner_a_agent)
    headers = {**client.headers, "Idempotency-Key": "sync-2"}
    payload = {"customer_id": desk.customer_a.pk, **BODY}
    first = client.client.post(
        "/api/v1/cases", payload, content_type="application/json", headers=headers
    )

    other = client.client.post(
        "/api/v1/cases",
        {**payload, "title": "Another problem altogether"},
        content_type="application/json",
        headers=headers,
    )
    retry = client.client.post(
        "/api/v1/cases",
        dict(reversed(list(payload.items()))),  # the same payload, keys in another order
        content_type="application/json",
        headers=headers,
    )

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["fields"] == {
        "Idempotency-Key": [
            f"Already used for {first.json()['number']} with another payload; use a new key."
        ]
    }
    assert (retry.status_code, retry.json()["id"]) == (201, first.json()["id"])
    assert Case.objects.count() == 1


@pytest.mark.parametrize("key", ["k" * 201, "line\tbreak", "nul\x00"], ids=["long", "tab", "nul"])
def test_an_idempotency_key_that_is_no_single_line_of_200_is_refused(desk, api_as, key):
    client = api_as(desk.partner_a_agent)

    response = client.client.post(
        "/api/v1/cases",
        {"customer_id": desk.customer_a.pk, **BODY},
        content_type="application/json",
        headers={**client.headers, "Idempotency-Key": key},
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not Case.objects.exists()


def test_a_stale_if_match_answers_412_and_changes_nothing(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]
    client = api_as(desk.partner_a_agent)
    headers = {**client.headers, "If-Match": 'W/"1"'}

    first = client.client.post(
        f"/api/v1/cases/{case_id}/actions/triage",
        {},
        content_type="application/json",
        headers=headers,
    )
    stale = client.client.post(
        f"/api/v1/cases/{case_id}/actions/start",
        {},
        content_type="application/json",
        headers=headers,
    )

    assert first.status_code == 200
    assert first["ETag"] == 'W/"2"'
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_revision"
    assert Case.objects.get().revision == 2


def test_an_illegal_transition_answers_409_with_the_allowed_actions(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]

    response = api_as(desk.partner_a_agent).post(f"/api/v1/cases/{case_id}/actions/close")

    assert response.status_code == 409
    assert response.json()["fields"] == {"allowed": ["triage", "start"]}


def test_an_incomplete_escalation_answers_422_listing_every_item(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]
    api_as(desk.partner_a_agent).post(f"/api/v1/cases/{case_id}/actions/start")

    check = api_as(desk.partner_a_manager).get(f"/api/v1/cases/{case_id}/escalation-check")
    response = api_as(desk.partner_a_manager).post(f"/api/v1/cases/{case_id}/actions/escalate")

    assert check.json()["ready"] is False
    assert response.status_code == 422
    assert response.json()["code"] == "escalation_gate"
    assert set(response.json()["fields"]) == set(check.json()["problems"])
    assert len(response.json()["fields"]) == 13


def test_a_complete_escalation_reaches_the_vendor_queue(desk, api_as):
    case_id = opened(
        api_as,
        desk.partner_a_agent,
        desk.customer_a,
        component="sbc",
        **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in COMPLETE.items()},
    ).json()["id"]
    api_as(desk.partner_a_agent).post(f"/api/v1/cases/{case_id}/actions/start")
    assert api_as(desk.vendor_engineer).get(f"/api/v1/cases/{case_id}").status_code == 404

    escalated = api_as(desk.partner_a_manager).post(f"/api/v1/cases/{case_id}/actions/escalate")
    queue = api_as(desk.vendor_engineer).get(
        "/api/v1/cases", engagement="vendor", status="submitted"
    )

    assert escalated.status_code == 200, escalated.content
    assert [c["id"] for c in queue.json()["items"]] == [case_id]
    assert api_as(desk.vendor_engineer).get(f"/api/v1/cases/{case_id}").json()[
        "allowed_actions"
    ] == ["accept", "return"]


def test_other_organisations_cases_are_404(desk, api_as):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]

    for actor in (desk.partner_b_agent, desk.customer_b_contact):
        client = api_as(actor)
        assert client.get(f"/api/v1/cases/{case_id}").status_code == 404
        assert (
            client.post(
                f"/api/v1/cases/{case_id}/comments", {"audience": "public", "body": "x"}
            ).status_code
            == 404
        )
        assert client.post(f"/api/v1/cases/{case_id}/actions/triage").status_code == 404
    assert not Comment.objects.exists()


def test_a_customer_never_sees_internal_notes(desk, api_as):
    case_id = opened(api_as, desk.customer_a_contact, desk.customer_a).json()["id"]
    api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/comments", {"audience": "public", "body": "On it"}
    )
    api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/comments", {"audience": "partner_internal", "body": "Secret"}
    )

    comments = api_as(desk.customer_a_contact).get(f"/api/v1/cases/{case_id}/comments").json()
    events = api_as(desk.customer_a_contact).get(f"/api/v1/cases/{case_id}/events").json()

    assert [c["body"] for c in comments] == ["On it"]
    assert [e["audience"] for e in events] == ["public", "public"]


def test_cursor_pagination_walks_the_queue_once(desk, api_as):
    ids = [opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"] for _ in range(5)]
    client = api_as(desk.partner_a_agent)

    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/cases", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == list(reversed(ids))
    assert client.get("/api/v1/cases", cursor="garbage!").status_code == 422


def test_queue_query_budget(desk, api_as, django_assert_max_num_queries):
    for _ in range(10):
        opened(api_as, desk.partner_a_agent, desk.customer_a)
    client = api_as(desk.partner_a_agent)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/cases", status="new", priority="P2")

    assert len(response.json()["items"]) == 10


def test_caller_lookup_lists_open_p1s(desk, api_as):
    case_id = opened(
        api_as, desk.partner_a_agent, desk.customer_a, impact="high", urgency="high"
    ).json()["id"]
    phone = AuthorisedSubmitter.objects.get(person=desk.partner_a_manager).phone

    response = api_as(desk.partner_a_agent).get("/api/v1/callers/lookup", phone=phone)

    assert [c["id"] for c in response.json()["open_p1_cases"]] == [case_id]


@pytest.mark.parametrize("audience", ["vendor_internal", "nonsense"])
def test_bad_audiences_answer_422(desk, api_as, audience):
    case_id = opened(api_as, desk.partner_a_agent, desk.customer_a).json()["id"]

    response = api_as(desk.partner_a_agent).post(
        f"/api/v1/cases/{case_id}/comments", {"audience": audience, "body": "x"}
    )

    assert response.status_code == 422


@pytest.mark.parametrize("sort", ["updated", "created", "priority", "due"])
def test_every_order_pages_through_each_case_once(desk, api_as, sort):
    levels = [
        ("low", "low"),
        ("high", "high"),
        ("medium", "medium"),
        ("high", "medium"),
        ("low", "high"),
    ]
    ids = [
        opened(api_as, desk.partner_a_agent, desk.customer_a, impact=i, urgency=u).json()["id"]
        for i, u in levels
    ]
    client = api_as(desk.partner_a_agent)
    everything = [
        c["id"] for c in client.get("/api/v1/cases", sort=sort, limit=100).json()["items"]
    ]

    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/cases", **params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == everything
    assert sorted(seen) == sorted(ids)
    if sort == "priority":
        priorities = [Case.objects.get(pk=pk).priority for pk in seen]
        assert priorities == sorted(priorities)


def test_an_unknown_order_answers_422(desk, api_as):
    assert api_as(desk.partner_a_agent).get("/api/v1/cases", sort="random").status_code == 422


def test_a_time_without_a_zone_answers_422(desk, api_as):
    response = api_as(desk.partner_a_agent).post(
        "/api/v1/cases",
        {"customer_id": desk.customer_a.pk, **BODY, "occurred_at": "2026-06-01T09:30:00"},
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "occurred_at": ["Give a time zone, e.g. 2026-06-01T09:30:00Z."]
    }
    assert not Case.objects.exists()
