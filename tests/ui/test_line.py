"""The 24x7 line screen: a caller found by a number in any formatting, their open Priority 1
cases (not the resolved ones), and a call logged on one of them; scoped, with field errors."""

import phonenumbers
import pytest
from django.test import Client

from casebridge.cases import services
from casebridge.cases.models import Case, CaseEvent, PhoneFollowUp
from casebridge.parties.models import AuthorisedSubmitter
from tests.cases.helpers import COMPLETE, act


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def spaced(number: str) -> str:
    """``+31201234567`` as a person types it: ``+31 20 123 4567``."""
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


@pytest.fixture
def p1s(desk, open_case):
    """Customer of A: a Priority 1 escalated to the vendor, and one resolved at the partner."""
    escalated = open_case(impact="high", urgency="high", **COMPLETE)
    Case.objects.filter(pk=escalated.pk).update(component="sbc")
    act(escalated, desk.partner_a_agent, "start")
    escalated.refresh_from_db()
    services.case_transition(
        action="escalate",
        actor=desk.partner_a_manager,
        case=escalated,
        expected_revision=escalated.revision,
    )
    resolved = open_case(impact="high", urgency="high")
    act(resolved, desk.partner_a_agent, "start")
    act(resolved, desk.partner_a_agent, "propose_solution")
    act(resolved, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")
    escalated.refresh_from_db()
    return {"escalated": escalated, "resolved": resolved}


@pytest.fixture
def caller_number(desk):
    return AuthorisedSubmitter.objects.get(person=desk.partner_a_manager).phone


def test_a_number_typed_with_spaces_finds_the_caller_and_their_open_p1s(
    desk, p1s, caller_number, django_assert_max_num_queries
):
    client = signed_in(desk.vendor_engineer)

    with django_assert_max_num_queries(12):
        response = client.get("/line/", {"phone": spaced(caller_number)})

    assert response.status_code == 200
    page = response.content.decode()
    assert desk.partner_a_manager.full_name in page
    assert "Partner A" in page
    assert "Authorised" in page
    assert p1s["escalated"].number in page
    assert p1s["resolved"].number not in page
    assert [c.pk for c in response.context["cases"]] == [p1s["escalated"].pk]


def test_a_call_is_logged_on_the_chosen_case_from_the_same_screen(desk, p1s, caller_number):
    client = signed_in(desk.vendor_engineer)
    case = p1s["escalated"]
    events_before = CaseEvent.objects.filter(case=case).count()

    response = client.post(
        "/line/",
        {"phone": spaced(caller_number), "case": case.pk, "summary": "Calls fail since 09:10."},
        follow=True,
    )

    assert response.status_code == 200
    call = PhoneFollowUp.objects.get(case=case)
    assert (call.caller, call.caller_number, call.summary, call.logged_by) == (
        desk.partner_a_manager,
        caller_number,
        "Calls fail since 09:10.",
        desk.vendor_engineer,
    )
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    assert f"The call is logged on {case.number}." in response.content.decode()
    assert response.redirect_chain[-1][0].startswith("/line/?phone=")


def test_a_call_without_a_summary_is_refused_beside_the_field(desk, p1s, caller_number):
    client = signed_in(desk.vendor_engineer)

    response = client.post(
        "/line/", {"phone": caller_number, "case": p1s["escalated"].pk, "summary": "  "}
    )

    assert response.status_code == 422
    assert response.context["call_form"].errors["summary"] == ["Summarise the call."]
    assert 'data-field="summary"' in response.content.decode()
    assert not PhoneFollowUp.objects.exists()


def test_a_call_on_a_case_not_listed_for_the_caller_is_refused(desk, p1s, caller_number):
    client = signed_in(desk.vendor_engineer)

    response = client.post(
        "/line/", {"phone": caller_number, "case": p1s["resolved"].pk, "summary": "Hello"}
    )

    assert response.status_code == 422
    assert "case" in response.context["call_form"].errors
    assert not PhoneFollowUp.objects.exists()


@pytest.mark.parametrize("typed", ["not a number", "+31 20", "12"])
def test_a_number_that_is_not_one_is_a_field_error(desk, typed):
    response = signed_in(desk.vendor_engineer).get("/line/", {"phone": typed})

    assert response.status_code == 422
    assert response.context["caller_form"].errors["phone"]
    assert 'data-field="phone"' in response.content.decode()


def test_a_caller_of_another_partner_is_unknown(desk, p1s, caller_number):
    response = signed_in(desk.partner_b_manager).get("/line/", {"phone": caller_number})

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["match"].person is None
    assert desk.partner_a_manager.full_name not in page
    assert p1s["escalated"].number not in page


def test_the_vendor_finds_the_line_in_the_bar(desk):
    page = signed_in(desk.vendor_engineer).get("/").content.decode()

    assert 'href="/line/"' in page
