"""Bulk actions: one operation over the cases chosen in a queue, each decided by the policy on
its own (per-case results, some refused), the request as a whole checked first, the limit."""

import pytest
from django.test import Client

from casebridge.cases import bulk
from casebridge.cases.models import Case, CaseEvent, Comment, Engagement
from casebridge.core.errors import ValidationFailed
from tests.cases.helpers import act


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def request(operation, cases, **options):
    return bulk.BulkRequest(operation=operation, case_ids=[c.pk for c in cases], **options)


@pytest.fixture
def three(desk, open_case):
    return [open_case() for _ in range(3)]


def test_assigning_several_cases_gives_each_its_assignee(desk, three):
    results = bulk.bulk_apply(
        actor=desk.partner_a_manager,
        request=request("assign", three, assignee=desk.partner_a_agent),
    )

    assert [(r.number, r.done) for r in results] == [(c.number, True) for c in three]
    assert set(
        Engagement.objects.filter(case__in=three, kind="customer").values_list(
            "assignee", flat=True
        )
    ) == {desk.partner_a_agent.pk}


def test_each_case_is_decided_on_its_own_and_refusals_say_why(desk, three, open_case):
    other = open_case(actor=desk.customer_b_contact, customer=desk.customer_b)
    closed = three[2]
    for action in ("start", "propose_solution", "resolve", "close"):
        act(closed, desk.partner_a_agent, action)

    results = bulk.bulk_apply(
        actor=desk.partner_a_agent,
        request=request("transition", [*three, other], action="triage"),
    )

    assert [r.done for r in results] == [True, True, False, False]
    assert results[2].number == closed.number
    assert results[2].detail
    assert (results[3].number, results[3].detail) == ("", "No such case.")  # partner B's
    other.refresh_from_db()
    assert other.revision == 1
    assert not CaseEvent.objects.filter(case=other, actor=desk.partner_a_agent).exists()


def test_a_message_reaches_every_chosen_case_in_its_audience(desk, three):
    results = bulk.bulk_apply(
        actor=desk.partner_a_agent,
        request=request("comment", three, audience="partner_internal", body="Known outage."),
    )

    assert all(r.done for r in results)
    assert Comment.objects.filter(case__in=three, audience="partner_internal").count() == 3


def test_a_priority_change_needs_its_reason_and_changes_nothing_without(desk, three):
    with pytest.raises(ValidationFailed) as e:
        bulk.bulk_apply(
            actor=desk.partner_a_agent, request=request("priority", three, priority="P2")
        )

    assert "reason" in e.value.fields
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in three]).values_list("priority", flat=True)
    ) == {three[0].priority}


@pytest.mark.parametrize(
    ("operation", "options", "field"),
    [
        ("delete", {}, "operation"),
        ("comment", {"audience": "everyone", "body": "x"}, "audience"),
        ("comment", {"audience": "public", "body": "  "}, "body"),
        ("transition", {"action": "explode"}, "action"),
    ],
)
def test_a_bad_request_is_refused_as_a_whole(desk, three, operation, options, field):
    with pytest.raises(ValidationFailed) as refused:
        bulk.bulk_apply(actor=desk.partner_a_agent, request=request(operation, three, **options))

    assert field in refused.value.fields
    assert not Comment.objects.exists()


def test_more_cases_than_the_limit_are_refused_with_the_limit(desk, three, settings):
    settings.CASEBRIDGE_BULK_LIMIT = 2

    with pytest.raises(ValidationFailed) as refused:
        bulk.bulk_apply(
            actor=desk.partner_a_agent,
            request=request("comment", three, audience="public", body="x"),
        )

    assert refused.value.fields["case_ids"] == ["At most 2 cases at once; 3 were chosen."]
    assert not Comment.objects.exists()


def test_the_api_answers_per_case_and_422_over_the_limit(desk, three, api_as, settings):
    client = api_as(desk.partner_a_manager)
    body = {
        "case_ids": [c.pk for c in three],
        "operation": "assign",
        "assignee_id": desk.partner_a_agent.pk,
    }

    answer = client.post("/api/v1/cases/bulk", body).json()

    assert (answer["done"], answer["refused"]) == (3, 0)
    assert [r["number"] for r in answer["results"]] == [c.number for c in three]
    settings.CASEBRIDGE_BULK_LIMIT = 2
    over = client.post("/api/v1/cases/bulk", body)
    assert over.status_code == 422
    assert "At most 2 cases" in str(over.json())
    foreign = client.post("/api/v1/cases/bulk", {**body, "assignee_id": desk.partner_b_agent.pk})
    assert foreign.status_code == 422


def test_the_queue_offers_the_bar_and_the_portal_shows_each_outcome(
    desk, three, django_assert_max_num_queries
):
    client = signed_in(desk.partner_a_manager)
    queue = client.get("/cases/").content.decode()
    assert 'data-testid="bulk-bar"' in queue
    assert queue.count('form="bulk"') == 3

    with django_assert_max_num_queries(15 * len(three)):
        response = client.post(
            "/cases/bulk/",
            {
                "case": [c.pk for c in three],
                "operation": "assign",
                "assignee": desk.partner_a_agent.pk,
            },
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert "3 done." in page
    for case in three:
        assert case.number in page


def test_the_portal_shows_request_errors_and_customers_get_no_bar(desk, three):
    client = signed_in(desk.partner_a_manager)

    response = client.post("/cases/bulk/", {"operation": "priority", "priority": "P2"})

    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose at least one case." in page
    assert "Say why the priority changes." in page
    assert (
        'data-testid="bulk-bar"'
        not in signed_in(desk.customer_a_contact).get("/cases/").content.decode()
    )


def test_the_partner_is_offered_only_its_sides_actions(desk):
    partner = dict(bulk.action_choices(desk.partner_a_agent))
    vendor = dict(bulk.action_choices(desk.vendor_engineer))

    assert "accept" not in partner
    assert "start" in partner
    assert {"accept", "start"} <= set(vendor)
    assert "return" not in vendor
