"""Saved views: a queue's filters under a name, one's own or the desk's, counted on My work."""

import datetime as dt

import pytest
from django.test import Client

from casebridge.cases import saved_views
from casebridge.cases import services as case_services
from casebridge.cases.models import Case, SavedView
from casebridge.cases.selectors import QueueFilters, queue_cases
from casebridge.core import clock
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.installed_base.models import Component
from tests.factories import CustomerFactory, RelationshipFactory


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


def _numbers(actor, params: dict) -> set[str]:
    filters = saved_views.queue_params(params).filters(actor)
    return set(queue_cases(actor=actor, filters=filters).values_list("number", flat=True))


def test_the_queue_filters_by_assignee_customer_component_level_and_due_time(desk, queue):
    agent, manager = desk.partner_a_agent, desk.partner_a_manager
    other_customer = CustomerFactory(name="Second customer of A")
    RelationshipFactory(customer=other_customer, partner=desk.partner_a)
    theirs = case_services.case_open(
        actor=agent,
        customer=other_customer,
        title="Recordings are missing",
        description="No recording since the update.",
        category="incident",
        impact="low",
        urgency="low",
        guidelines={},
    )[0]
    component = Component.objects.order_by("code").first()
    Case.objects.filter(pk=queue["p1"].pk).update(
        assignee=manager, component=component, tier="l2_intermediate"
    )
    now = clock.now()
    Case.objects.update(customer_due_at=now + dt.timedelta(days=2))
    Case.objects.filter(pk=queue["mine"].pk).update(customer_due_at=now - dt.timedelta(minutes=5))
    Case.objects.filter(pk=theirs.pk).update(customer_due_at=now + dt.timedelta(hours=3))
    every = {queue["p1"].number, queue["mine"].number, theirs.number}
    unassigned = set(Case.objects.filter(assignee__isnull=True).values_list("number", flat=True))

    assert _numbers(agent, {"assignee": str(manager.pk)}) == {queue["p1"].number}
    assert _numbers(agent, {"assignee": "none"}) == unassigned
    assert queue["p1"].number not in unassigned
    assert theirs.number in unassigned
    assert _numbers(agent, {"customer": str(other_customer.pk)}) == {theirs.number}
    assert _numbers(agent, {"component": component.code}) == {queue["p1"].number}
    assert _numbers(agent, {"tier": "l2_intermediate"}) == {queue["p1"].number}
    assert _numbers(agent, {"due": "overdue"}) == {queue["mine"].number}
    assert _numbers(agent, {"due": "soon"}) == {queue["mine"].number, theirs.number}
    # Another desk's customer or person filters to nothing, never to their cases.
    assert _numbers(desk.partner_b_agent, {"customer": str(desk.customer_a.pk)}) == set()
    assert _numbers(desk.partner_b_agent, {"assignee": str(agent.pk)}) == set()
    assert every <= _numbers(agent, {})


def test_filter_values_that_mean_nothing_fall_back_to_any(desk):
    params = saved_views.queue_params(
        {
            "assignee": "somebody",
            "customer": "-3",
            "component": "x' OR 1=1",
            "tier": "l9",
            "due": "yesterday",
        }
    )

    assert params == saved_views.QueueParams()
    assert saved_views.queue_params({"customer": str(2**63)}).customer == ""
    with pytest.raises(ValidationFailed) as refused:
        queue_cases(actor=desk.partner_a_agent, filters=QueueFilters(due="later"))
    assert "due" in refused.value.fields


def test_a_view_keeps_the_new_filters(desk, queue):
    params = saved_views.queue_params({"assignee": "none", "due": "soon", "tier": "l1_basic"})
    view = saved_views.saved_view_save(actor=desk.partner_a_agent, name="Fires", params=params)

    assert view.filters == {"assignee": "none", "due": "soon", "tier": "l1_basic"}
    assert saved_views.queue_params(view.filters) == params


def test_the_portal_queue_offers_the_desk_filters_and_customers_none(desk, queue):
    page = signed_in(desk.partner_a_agent).get("/cases/?assignee=none&due=soon").content.decode()

    for name in ("assignee", "customer", "component", "tier", "due"):
        assert f'name="{name}"' in page
    assert '<option value="none" selected>Nobody</option>' in page
    assert desk.partner_a_manager.full_name in page
    assert desk.partner_b_agent.full_name not in page
    assert desk.customer_b.name not in page
    customer_page = signed_in(desk.customer_a_contact).get("/cases/").content.decode()
    assert 'name="customer"' not in customer_page
    assert 'name="tier"' not in customer_page


def test_words_filter_the_queue_and_a_saved_view_within_what_one_reads(desk, queue):
    agent = desk.partner_a_agent
    case_services.case_comment(
        actor=agent, case=queue["mine"], audience="partner_internal", body="Kestrel firmware"
    )
    params = saved_views.queue_params({"q": "kestrel", "closed": "1"})

    assert params.stored() == {"q": "kestrel", "closed": "1"}
    assert [c.pk for c in queue_cases(actor=agent, filters=params.filters(agent))] == [
        queue["mine"].pk
    ]
    contact = desk.customer_a_contact
    assert list(queue_cases(actor=contact, filters=params.filters(contact))) == []
    view = saved_views.saved_view_save(actor=agent, name="Kestrel", params=params)
    assert saved_views.saved_view_counts(agent) == [(view, "q=kestrel&closed=1", 1)]
    # A link with words that cannot be searched opens the queue without them.
    assert saved_views.queue_params({"q": '"unclosed'}).q == ""
    with pytest.raises(ValidationFailed) as refused:
        saved_views.queue_params_exact({"q": '"unclosed'})
    assert refused.value.fields == {
        "filters.q": ['Close the phrase with a second " or remove the quote.']
    }


def test_the_portal_queue_takes_words_and_says_why_it_cannot(desk, queue):
    client = signed_in(desk.partner_a_agent)
    case_services.case_comment(
        actor=desk.partner_a_agent, case=queue["p1"], audience="public", body="Quasar outage"
    )

    page = client.get("/cases/?q=quasar").content.decode()
    assert queue["p1"].number in page
    assert queue["mine"].number not in page
    refused = client.get("/cases/?q=%22quasar").content.decode()
    assert 'id="queue-q-error"' in refused
    assert queue["mine"].number in refused  # the rest of the queue, without the words
