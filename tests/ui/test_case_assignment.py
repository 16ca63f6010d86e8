"""Assigning from the case page: who has each side, the colleagues who may take it at its
level, assign to me, to a colleague or to nobody; refusals say why."""

from django.test import Client

from casebridge.cases.models import Engagement
from tests.factories import PersonFactory


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def customer_side(case) -> Engagement:
    return Engagement.objects.get(case=case, kind="customer")


def test_the_page_offers_the_desks_people_at_the_sides_level(desk, open_case):
    case = open_case()
    html = signed_in(desk.partner_a_agent).get(f"/cases/{case.pk}/").content.decode()

    assert 'data-testid="assign-form"' in html
    assert "Customer side: <strong>nobody</strong>" in html
    assert desk.partner_a_manager.full_name in html
    assert desk.partner_b_agent.full_name not in html
    assert 'data-shortcut="assign"' in html


def test_assign_to_me_then_to_a_colleague_then_to_nobody(desk, open_case):
    case = open_case()
    client = signed_in(desk.partner_a_agent)

    client.post(f"/cases/{case.pk}/assign/", {"assignee": desk.partner_a_agent.pk})
    assert customer_side(case).assignee == desk.partner_a_agent
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Customer side: <strong>you</strong>" in page
    assert 'data-testid="assign-me"' not in page

    response = client.post(
        f"/cases/{case.pk}/assign/", {"assignee": desk.partner_a_manager.pk}, follow=True
    )
    assert customer_side(case).assignee == desk.partner_a_manager
    assert f"is assigned to {desk.partner_a_manager.full_name}" in response.content.decode()

    client.post(f"/cases/{case.pk}/assign/", {"assignee": ""})
    assert customer_side(case).assignee is None


def test_someone_below_the_sides_level_is_refused_with_the_reason(desk, open_case):
    case = open_case()
    Engagement.objects.filter(case=case, kind="customer").update(tier="l2_intermediate")
    junior = PersonFactory(organisation=desk.partner_a, roles=["agent"], support_level="l1_basic")
    client = signed_in(desk.partner_a_manager)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'value="{junior.pk}"' not in page
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": junior.pk}, follow=True)

    assert customer_side(case).assignee is None
    assert "works at Level 1 Basic; this case is worked at Level 2 Intermediate" in (
        response.content.decode()
    )


def test_another_partners_person_or_a_customer_cannot_assign(desk, open_case):
    case = open_case()

    assert signed_in(desk.partner_b_agent).post(f"/cases/{case.pk}/assign/").status_code == 404
    customer = signed_in(desk.customer_a_contact)
    customer.post(f"/cases/{case.pk}/assign/", {"assignee": desk.customer_a_contact.pk})
    assert customer_side(case).assignee is None
    page = customer.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="assignment"' not in page
    # Nor can a person of partner A give the case to someone of partner B.
    signed_in(desk.partner_a_agent).post(
        f"/cases/{case.pk}/assign/", {"assignee": desk.partner_b_agent.pk}
    )
    assert customer_side(case).assignee is None
