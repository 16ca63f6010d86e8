"""The case page's step forms (issue 20): each step opens its form in place with the text box it
needs; a refusal shows the form again beside its button, errors beside fields, text kept; a
refused escalation lists every unmet rule in words, each linked to its field."""

import re

import pytest

from casebridge.cases.models import Case, Comment
from tests.cases.helpers import act
from tests.ui.test_case_pages import signed_in


@pytest.fixture
def in_progress(desk, open_case):
    case = open_case()
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    return case


def step_form(page, action):
    """The HTML of one step's disclosure."""
    found = re.search(
        rf'<details class="action-step" id="step-{action}".*?</details>', page, re.DOTALL
    )
    assert found, f"no form for {action}"
    return found.group(0)


def test_asking_the_customer_has_its_question_box_labelled_with_whom_it_goes_to(desk, in_progress):
    page = signed_in(desk.partner_a_agent).get(f"/cases/{in_progress.pk}/").content.decode()

    form = step_form(page, "wait_on_customer")
    assert '<label for="wait_on_customer-message">Your question to Customer of A</label>' in form
    assert "<summary" in form
    assert " open>" not in form.split("\n")[0]


def test_the_question_and_the_step_are_posted_in_one_write(desk, in_progress):
    response = signed_in(desk.partner_a_agent).post(
        f"/cases/{in_progress.pk}/actions/wait_on_customer/",
        {"revision": str(in_progress.revision), "message": "Which number do callers dial?"},
    )

    in_progress.refresh_from_db()
    comment = Comment.objects.get(case=in_progress)
    assert response.status_code == 302
    assert (in_progress.customer_status, in_progress.revision) == ("waiting_on_customer", 3)
    assert (comment.audience, comment.body) == ("public", "Which number do callers dial?")


def test_a_missing_question_shows_the_form_again_with_the_error_beside_the_box(desk, in_progress):
    response = signed_in(desk.partner_a_agent).post(
        f"/cases/{in_progress.pk}/actions/wait_on_customer/",
        {"revision": str(in_progress.revision), "message": "  "},
    )

    form = step_form(response.content.decode(), "wait_on_customer")
    assert response.status_code == 422
    assert form.startswith('<details class="action-step" id="step-wait_on_customer"')
    assert 'data-testid="step-wait_on_customer" open>' in form
    assert '<div class="errors" role="alert" data-field="message">Write the question.</div>' in form
    assert "message:" not in response.content.decode()
    assert Case.objects.get().customer_status == "in_progress"


def test_a_refused_return_keeps_the_explanation_typed(desk, investigating):
    response = signed_in(desk.vendor_engineer).post(
        f"/cases/{investigating.pk}/actions/return/",
        {
            "revision": str(investigating.revision),
            "return_reason": "incomplete",
            "reason": "",
            "message": "Please add the SBC trace.",
        },
    )

    form = step_form(response.content.decode(), "return")
    assert response.status_code == 422
    assert ">Please add the SBC trace.</textarea>" in form
    assert '<option value="incomplete" selected>' in form
    assert 'data-field="reason">Required.</div>' in form
    assert not Comment.objects.filter(case=investigating).exists()


def test_the_vendor_asks_the_partner_not_the_customer(desk, investigating):
    page = signed_in(desk.vendor_engineer).get(f"/cases/{investigating.pk}/").content.decode()

    form = step_form(page, "request_information")
    assert '<label for="request_information-message">Your question to Partner A</label>' in form


@pytest.fixture
def investigating(desk, open_case):
    from tests.cases.helpers import COMPLETE

    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_manager, "escalate")
    act(case, desk.vendor_engineer, "accept")
    case.refresh_from_db()
    return case


def test_a_refused_escalation_explains_itself_in_the_escalation_panel(desk, in_progress):
    response = signed_in(desk.partner_a_manager).post(
        f"/cases/{in_progress.pk}/actions/escalate/", {"revision": str(in_progress.revision)}
    )

    page = response.content.decode()
    summary = re.search(r'data-testid="escalation-refused">.*?</div>', page, re.DOTALL).group(0)
    assert response.status_code == 422
    assert page.index('id="escalation-panel"') < page.index("escalation-refused")
    assert "things to fix" in summary
    assert (
        '<a href="#id_actions_taken">Actions already taken and their results</a>: '
        "Required by the submission guidelines." in summary
    )
    assert '<a href="#id_causes_ruled_out">Other causes ruled out</a>' in summary
    assert 'data-field="actions_taken">Required by the submission guidelines.</div>' in page
    assert "actions_taken:" not in page
    assert Case.objects.get().customer_status == "in_progress"


def test_the_escalate_button_is_shown_only_to_whoever_may_escalate(desk, in_progress):
    manager = signed_in(desk.partner_a_manager).get(f"/cases/{in_progress.pk}/").content.decode()
    agent = signed_in(desk.partner_a_agent).get(f"/cases/{in_progress.pk}/").content.decode()
    customer = signed_in(desk.customer_a_contact).get(f"/cases/{in_progress.pk}/")

    assert "Escalate to the vendor</button>" in manager
    assert "Escalate to the vendor</button>" not in agent
    assert "Escalate to the vendor</button>" not in customer.content.decode()
