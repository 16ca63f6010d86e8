"""Saved views in the API: saved, listed with counts, their cases paged, removed — within the
caller's desk, with every filter the portal's queue knows and a 422 for what it does not."""

import pytest

from casebridge.cases.models import Case, SavedView


@pytest.fixture
def cases(desk, open_case):
    p1 = open_case(impact="high", urgency="high")
    mine = open_case(impact="low", urgency="low")
    Case.objects.filter(pk=mine.pk).update(assignee=desk.partner_a_agent)
    return {"p1": p1, "mine": mine}


def test_a_view_is_saved_listed_with_its_count_and_pages_its_cases(
    desk, cases, api_as, django_assert_max_num_queries
):
    agent = api_as(desk.partner_a_agent)

    saved = agent.post("/api/v1/me/views", {"name": "Mine", "filters": {"assignee": "me"}})

    assert saved.status_code == 201, saved.json()
    view = saved.json()
    assert (view["name"], view["filters"], view["count"], view["mine"]) == (
        "Mine",
        {"assignee": "me"},
        1,
        True,
    )
    with django_assert_max_num_queries(8):
        listed = agent.get("/api/v1/me/views").json()
    assert [item["name"] for item in listed["items"]] == ["Mine"]
    page = agent.get(f"/api/v1/me/views/{view['id']}/cases").json()
    assert [item["number"] for item in page["items"]] == [cases["mine"].number]
    assert agent.get(f"/api/v1/me/views/{view['id']}").json()["count"] == 1
    assert agent.delete(f"/api/v1/me/views/{view['id']}").status_code == 204
    assert not SavedView.objects.exists()


def test_unknown_filters_and_values_are_refused_by_field_and_nothing_is_saved(desk, api_as):
    agent = api_as(desk.partner_a_agent)

    refused = agent.post(
        "/api/v1/me/views",
        {"name": "Odd", "filters": {"priority": "P9", "colour": "red", "due": "soon"}},
    )

    assert refused.status_code == 422
    fields = refused.json()["fields"]
    assert set(fields) == {"filters.priority", "filters.colour"}
    assert agent.post("/api/v1/me/views", {"name": " ", "filters": {}}).status_code == 422
    assert not SavedView.objects.exists()


def test_a_desk_view_is_the_desks_only(desk, cases, api_as):
    manager = api_as(desk.partner_a_manager)
    shared = manager.post(
        "/api/v1/me/views", {"name": "Desk P1s", "filters": {"priority": "P1"}, "shared": True}
    ).json()

    agent_list = api_as(desk.partner_a_agent).get("/api/v1/me/views").json()["items"]

    assert [(item["name"], item["mine"], item["count"]) for item in agent_list] == [
        ("Desk P1s", False, 1)
    ]
    other = api_as(desk.partner_b_agent)
    assert other.get("/api/v1/me/views").json()["items"] == []
    assert other.get(f"/api/v1/me/views/{shared['id']}/cases").status_code == 404
    assert other.delete(f"/api/v1/me/views/{shared['id']}").status_code == 404
    refused = api_as(desk.partner_a_agent).post(
        "/api/v1/me/views", {"name": "Mine too", "filters": {}, "shared": True}
    )
    assert refused.status_code == 422
    assert "shared" in refused.json()["fields"]


def test_the_queue_filters_unassigned_and_due_in_the_api(desk, cases, api_as):
    agent = api_as(desk.partner_a_agent)

    unassigned = agent.get("/api/v1/cases", unassigned=True).json()["items"]

    assert [item["number"] for item in unassigned] == [cases["p1"].number]
    assert agent.get("/api/v1/cases", due="tomorrow").status_code == 422
