"""Home is my work: per role, the open cases to act on, counts that refresh, in few queries."""

import datetime as dt

import pytest
from django.test import Client

from casebridge.cases import services, workspace
from casebridge.cases.models import Case
from casebridge.core import clock
from tests.cases.helpers import COMPLETE, act


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def work(desk, open_case):
    """Customer of A: a P1 escalated to the vendor, a P3 assigned to the partner agent, a
    closed P4; a P2 at the model-2 customer's desk (the vendor's)."""
    p1 = open_case(impact="high", urgency="high", **COMPLETE)
    Case.objects.filter(pk=p1.pk).update(component="sbc")
    act(p1, desk.partner_a_agent, "start")
    p1.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=p1, expected_revision=p1.revision
    )
    mine = open_case(impact="low", urgency="medium")
    Case.objects.filter(pk=mine.pk).update(assignee=desk.partner_a_agent)
    closed = open_case(impact="low", urgency="low")
    Case.objects.filter(pk=closed.pk).update(closed_at=clock.now())
    direct = open_case(actor=desk.customer_direct_admin, customer=desk.customer_direct)
    return {"p1": p1, "mine": mine, "closed": closed, "direct": direct}


def numbers(actor, code):
    return [case.number for case in workspace.view_cases(actor, code)]


def test_the_partner_agent_sees_its_own_and_its_desks_open_cases(desk, work):
    agent = desk.partner_a_agent

    assert [v.code for v in workspace.views_for(agent)] == ["mine", "due", "unassigned"]
    assert numbers(agent, "mine") == [work["mine"].number]
    assert numbers(agent, "unassigned") == [work["p1"].number]  # closed cases never show
    assert work["closed"].number not in numbers(agent, "due")
    assert numbers(desk.partner_b_agent, "unassigned") == []


def test_the_vendor_sees_escalations_to_accept_and_its_model_2_desk_p1_first(desk, work):
    engineer = desk.vendor_engineer

    assert workspace.views_for(engineer)[0].code == "to_accept"
    assert numbers(engineer, "to_accept") == [work["p1"].number]
    assert numbers(engineer, "unassigned") == [work["p1"].number, work["direct"].number]
    assert work["mine"].number not in numbers(engineer, "unassigned")  # not escalated


def test_due_soon_is_amber_and_overdue_red(desk, work):
    now = clock.now()
    case = Case.objects.get(pk=work["mine"].pk)

    case.customer_due_at = now + dt.timedelta(hours=1)
    assert workspace.due_state(case, desk.partner_a_agent, now) == "warning"
    case.customer_due_at = now - dt.timedelta(minutes=1)
    assert workspace.due_state(case, desk.partner_a_agent, now) == "breached"
    case.customer_due_at = now + dt.timedelta(days=2)
    assert workspace.due_state(case, desk.partner_a_agent, now) == ""


@pytest.mark.parametrize("person", ["partner_a_agent", "vendor_engineer"])
def test_home_and_its_counts_take_a_fixed_number_of_queries(
    desk, work, open_case, person, django_assert_max_num_queries
):
    for _ in range(5):
        open_case()
    client = signed_in(getattr(desk, person))

    with django_assert_max_num_queries(16):
        page = client.get("/")
    with django_assert_max_num_queries(8):
        counts = client.get("/work/counts/")

    assert page.status_code == 200
    assert 'hx-trigger="every 30s"' in page.content.decode()
    assert counts.status_code == 200
    assert 'data-view="unassigned"' in counts.content.decode()


def test_a_customer_lands_on_its_cases_and_has_no_work_views(desk):
    client = signed_in(desk.customer_a_contact)

    assert client.get("/").url == "/cases/"
    assert client.get("/work/counts/").status_code == 404
    assert client.get("/work/mine/").status_code == 404


def test_a_work_view_pages_and_refuses_unknown_views(desk, work):
    client = signed_in(desk.partner_a_agent)

    page = client.get("/work/unassigned/")

    assert page.status_code == 200
    assert work["p1"].number in page.content.decode()
    assert client.get("/work/everything/").status_code == 404
    assert client.get("/work/to_accept/").status_code == 404  # the vendor's view only
    assert signed_in(desk.vendor_engineer).get("/work/to_accept/").status_code == 200


def test_the_queue_leaves_closed_cases_out_unless_asked(desk, work):
    client = signed_in(desk.partner_a_agent)

    default = client.get("/cases/").content.decode()
    everything = client.get("/cases/?closed=1").content.decode()

    assert work["closed"].number not in default
    assert work["mine"].number in default
    assert work["closed"].number in everything


@pytest.mark.parametrize("typed", ["CB-2026-000001", "  cb-2026-000001 "])
def test_a_case_number_in_the_header_box_goes_to_the_case(desk, work, typed):
    client = signed_in(desk.partner_a_agent)
    number = Case.objects.get(pk=work["p1"].pk).number

    response = client.get("/search/", {"q": typed.replace("CB-2026-000001", number)})

    assert response.status_code == 302
    assert response.url == f"/cases/{work['p1'].pk}/"
    # The box's earlier address still leads there, through the search.
    old = client.get("/cases/go/", {"q": number}, follow=True)
    assert old.redirect_chain[-1] == (f"/cases/{work['p1'].pk}/", 302)


def test_a_case_number_of_someone_elses_case_is_not_found(desk, work):
    client = signed_in(desk.partner_b_agent)

    response = client.get("/search/", {"q": work["p1"].number})

    assert response.status_code == 200
    assert f"No case {work['p1'].number} that you can see" in response.content.decode()


def test_assign_to_me_from_home_uses_the_assignment_service(desk, work):
    client = signed_in(desk.partner_a_agent)

    response = client.post(f"/cases/{work['p1'].pk}/assign-to-me/", {"back": "home"})

    assert response.url == "/"
    assert Case.objects.get(pk=work["p1"].pk).assignee == desk.partner_a_agent
    assert numbers(desk.partner_a_agent, "mine") == sorted([work["p1"].number, work["mine"].number])


def test_assign_to_me_is_refused_to_who_may_not_work_the_case(desk, work):
    before = Case.objects.get(pk=work["direct"].pk).assignee_id

    other = signed_in(desk.partner_b_agent).post(f"/cases/{work['p1'].pk}/assign-to-me/")
    customer = signed_in(desk.customer_a_contact).post(
        f"/cases/{work['mine'].pk}/assign-to-me/", follow=True
    )

    assert other.status_code == 404
    assert "was not assigned to you" in customer.content.decode()
    assert Case.objects.get(pk=work["mine"].pk).assignee == desk.partner_a_agent
    assert Case.objects.get(pk=work["direct"].pk).assignee_id == before


def test_the_vendors_due_view_holds_the_model_2_cases_it_serves(desk, work):
    now = clock.now()
    Case.objects.filter(pk=work["direct"].pk).update(customer_due_at=now + dt.timedelta(hours=1))
    direct = Case.objects.get(pk=work["direct"].pk)

    assert work["direct"].number in numbers(desk.vendor_engineer, "due")
    assert workspace.due_state(direct, desk.vendor_engineer, now) == "warning"
