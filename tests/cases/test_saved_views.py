"""Saved views: a queue's filters under a name, one's own or the desk's, counted on My work."""

import pytest
from django.test import Client

from casebridge.cases import saved_views
from casebridge.cases.models import Case, SavedView
from casebridge.core.errors import PermissionDenied, ValidationFailed


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def queue(desk, open_case):
    p1 = open_case(impact="high", urgency="high")
    mine = open_case(impact="low", urgency="low")
    Case.objects.filter(pk=mine.pk).update(assignee=desk.partner_a_agent)
    open_case(impact="medium", urgency="low")
    return {"p1": p1, "mine": mine}


def test_a_view_counts_what_its_queue_shows(desk, queue):
    agent = desk.partner_a_agent
    saved_views.saved_view_save(
        actor=agent, name="My P1s", params=saved_views.queue_params({"priority": "P1"})
    )
    saved_views.saved_view_save(
        actor=agent, name="Mine", params=saved_views.queue_params({"assignee": "me"})
    )

    counts = {
        view.name: (query, count) for view, query, count in saved_views.saved_view_counts(agent)
    }

    assert counts == {"Mine": ("assignee=me", 1), "My P1s": ("priority=P1", 1)}
    page = signed_in(agent).get("/cases/?assignee=me").content.decode()
    assert queue["mine"].number in page
    assert queue["p1"].number not in page


def test_unknown_parameters_are_dropped_and_the_same_name_replaces(desk, queue):
    agent = desk.partner_a_agent
    for priority in ("P1", "P3"):
        saved_views.saved_view_save(
            actor=agent,
            name="Urgent",
            params=saved_views.queue_params({"priority": priority, "evil": "1", "sort": "x"}),
        )

    [view] = SavedView.objects.filter(owner=agent)
    assert view.filters == {"priority": "P3"}


def test_a_desk_wide_view_is_shared_by_a_manager_only_and_seen_by_the_desk(desk, queue):
    with pytest.raises(ValidationFailed) as refused:
        saved_views.saved_view_save(
            actor=desk.partner_a_agent,
            name="Desk",
            params=saved_views.queue_params({}),
            shared=True,
        )
    assert "shared" in refused.value.fields

    shared = saved_views.saved_view_save(
        actor=desk.partner_a_manager, name="Desk", params=saved_views.queue_params({}), shared=True
    )

    assert list(saved_views.saved_views_for(desk.partner_a_agent)) == [shared]
    assert list(saved_views.saved_views_for(desk.partner_b_agent)) == []
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_delete(actor=desk.partner_a_agent, view=shared)


def test_a_view_needs_a_name_and_customers_keep_none(desk):
    with pytest.raises(ValidationFailed) as refused:
        saved_views.saved_view_save(
            actor=desk.partner_a_agent, name="  ", params=saved_views.queue_params({})
        )
    assert refused.value.fields["name"] == ["Name the view."]
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_save(
            actor=desk.customer_a_contact, name="x", params=saved_views.queue_params({})
        )


def test_the_portal_saves_from_the_queue_and_home_shows_counts(
    desk, queue, django_assert_max_num_queries
):
    client = signed_in(desk.partner_a_agent)
    queue_page = client.get("/cases/?priority=P1").content.decode()
    assert 'data-testid="save-view"' in queue_page

    saved = client.post("/views/", {"name": "My P1s", "priority": "P1"})
    assert saved.status_code == 302
    assert saved["Location"] == "/cases/?priority=P1"
    with django_assert_max_num_queries(25):
        home = client.get("/").content.decode()

    assert 'data-testid="saved-views"' in home
    assert '<span class="count">1</span> My P1s' in home
    view = SavedView.objects.get()
    assert client.post(f"/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
    assert signed_in(desk.partner_b_agent).post(f"/views/{view.pk}/delete/").status_code == 404


def test_another_desks_view_cannot_be_removed(desk):
    view = saved_views.saved_view_save(
        actor=desk.partner_a_manager, name="Desk", params=saved_views.queue_params({}), shared=True
    )

    assert signed_in(desk.partner_b_manager).post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
