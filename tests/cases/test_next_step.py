"""Whose turn it is, in one sentence per reader (the case page's header), and what the installed
base says about the case's system."""

from casebridge.cases import audiences, selectors
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.selectors import case_system
from casebridge.installed_base.services import InstallationInput
from tests.cases.helpers import COMPLETE, act


def test_a_new_case_is_the_desks_turn_and_the_customer_is_told_nothing_is_needed(desk, open_case):
    case = open_case()

    agent = audiences.next_step(desk.partner_a_agent, case)
    assert agent.yours
    assert agent.sentence == "Your turn: take into triage and start work."
    customer = audiences.next_step(desk.customer_a_contact, case)
    assert not customer.yours
    assert customer.sentence == "Partner A is working on it; nothing is needed from you now."
    assert audiences.next_step(desk.vendor_engineer, case).sentence == "Waiting on Partner A."


def test_a_question_to_the_customer_is_the_customers_turn(desk, open_case):
    case = act(act(open_case(), desk.partner_a_agent, "start"), desk.partner_a_agent,
                "wait_on_customer")  # fmt: skip

    customer = audiences.next_step(desk.customer_a_contact, case)
    assert customer.yours
    assert customer.sentence == "Your answer is awaited: reply below."
    agent = audiences.next_step(desk.partner_a_agent, case)
    assert not agent.yours
    assert agent.sentence == "Waiting on Customer of A."


def test_a_closed_case_waits_on_nobody(desk, resolved_p1):
    case = act(resolved_p1(), desk.partner_a_agent, "close")

    step = audiences.next_step(desk.customer_a_contact, case)
    assert (step.sentence, step.yours) == ("Nothing is waiting: the case is closed.", False)


def test_the_system_shows_its_lifecycle_and_who_manages_it_to_who_may_see_it(
    desk, open_case, releases
):
    installation = installed_base_services.installation_create(
        actor=None,
        customer=desk.customer_a,
        data=InstallationInput(component="wallboard", version="2024.10.0"),
    )
    case = open_case()

    def system(reader):
        return case_system(
            reader,
            component_id="wallboard",
            version="",
            installation_id=installation.pk,
            partner=desk.partner_a,
        )

    seen = system(desk.partner_a_agent)
    assert (seen.component.code, seen.version, seen.state) == ("wallboard", "2024.10.0",
                                                                "unsupported")  # fmt: skip
    assert seen.end_of_life_on is not None
    assert seen.installation == installation
    assert seen.managed_by == "Partner A"  # on premises at a model-1 customer: its partner
    # Partner B may not see Customer of A's installation: the component and state only.
    foreign = system(desk.partner_b_agent)
    assert foreign.installation is None
    assert foreign.version == ""
    assert case_system(desk.partner_a_agent, component_id=None, version="",
                       installation_id=None) is None  # fmt: skip
    assert case.installation_id is None


def test_a_step_the_reader_may_not_take_is_the_desks_not_the_readers(desk, open_case):
    case = open_case(**COMPLETE)
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    def step(person):
        allowed = selectors.allowed_actions(actor=person, case=case)
        return audiences.next_step(person, case, allowed=allowed)

    agent, manager = step(desk.partner_a_agent), step(desk.partner_a_manager)
    assert agent.yours
    assert "escalate" not in agent.sentence  # not an authorised submitter
    assert "escalate to the vendor" in manager.sentence  # an authorised submitter
    nothing = audiences.next_step(desk.partner_a_agent, case, allowed=set())
    assert not nothing.yours
    assert nothing.sentence.startswith("Your desk's turn: ")
    assert nothing.sentence.endswith("(by a colleague who may; you may not).")
