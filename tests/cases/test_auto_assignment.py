"""Automatic assignment: a desk that assigns automatically gives each arriving case to one of
its working people — in turn, or to the least loaded — inside the write that brings the case."""

import pytest
from django.test import Client

from casebridge.cases import services
from casebridge.cases.audiences import timeline_read
from casebridge.cases.models import Case, CaseEvent, Engagement
from casebridge.cases.services.assignment import assignment_candidates
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.parties.models import Organisation
from casebridge.parties.services import organisation_update
from tests.cases.helpers import COMPLETE, act
from tests.factories import PersonFactory


def _set(desk_org, mode, actor):
    organisation_update(actor=actor, organisation=desk_org, auto_assignment=mode)


def _side(case, kind="customer"):
    return Engagement.objects.get(case=case, kind=kind)


@pytest.fixture
def agents(desk):
    """Partner A's agents: the fixture's agent and two more (one at level 2, one inactive)."""
    second = PersonFactory(organisation=desk.partner_a, roles=["agent"], support_level="l1_basic")
    third = PersonFactory(
        organisation=desk.partner_a, roles=["agent"], support_level="l2_intermediate"
    )
    PersonFactory(organisation=desk.partner_a, roles=["agent"], is_active=False)
    return sorted([desk.partner_a_agent, second, third], key=lambda person: person.pk)


def test_off_by_default_and_a_case_stays_unassigned(desk, open_case):
    case = open_case()

    assert _side(case).assignee is None
    assert Organisation.objects.get(pk=desk.partner_a.pk).auto_assignment == "off"


def test_round_robin_gives_cases_in_turn_and_says_so(desk, open_case, agents):
    _set(desk.partner_a, "round_robin", desk.partner_a_manager)
    eligible = list(assignment_candidates(desk.partner_a, "l1_basic"))
    assert eligible == agents

    cases = [open_case() for _ in range(len(agents) + 1)]

    assert [_side(case).assignee for case in cases] == [*agents, agents[0]]
    assert Case.objects.get(pk=cases[0].pk).assignee == agents[0]
    event = CaseEvent.objects.get(case=cases[0], kind="assigned")
    assert event.actor is None
    assert event.after == {"assignee_id": agents[0].pk, "rule": "round_robin"}
    told = OutboxEvent.objects.filter(kind="case.assigned").order_by("id").first()
    assert told.payload["assignee_id"] == agents[0].pk
    assert told.payload["actor_id"] is None
    lines = [read["text"] for read in timeline_read(desk.partner_a_agent, cases[0])]
    said = f"casebridge assigned the customer side to {agents[0].full_name} automatically, in turn"
    assert said in lines


def test_least_loaded_gives_the_case_to_whoever_has_fewest_open(desk, open_case, agents):
    idle = agents[2]
    _set(desk.partner_a, "least_loaded", desk.partner_a_manager)
    for person in agents[:2]:
        for _ in range(2):
            case = open_case()
            Engagement.objects.filter(case=case, kind="customer").update(assignee=person)

    newest = open_case()

    assert _side(newest).assignee == idle


def test_a_case_the_desks_own_person_files_is_not_given_out(desk, open_case, agents):
    _set(desk.partner_a, "round_robin", desk.partner_a_manager)

    case = open_case(actor=desk.partner_a_agent)

    assert _side(case).assignee is None


def test_the_vendor_desk_assigns_escalations_to_its_engineers(desk, open_case):
    _set(desk.vendor, "round_robin", desk.vendor_admin)
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    engineer = _side(case, "vendor").assignee
    assert engineer is not None
    assert engineer.organisation_id == desk.vendor.pk
    assert engineer.has_role("engineer")


def test_who_may_set_it_and_bad_values(desk):
    with pytest.raises(PermissionDenied):
        _set(desk.partner_a, "round_robin", desk.partner_a_agent)
    with pytest.raises(PermissionDenied):
        _set(desk.partner_b, "round_robin", desk.partner_a_manager)
    with pytest.raises(ValidationFailed) as refused:
        _set(desk.partner_a, "by_lottery", desk.partner_a_manager)
    assert "auto_assignment" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        _set(desk.customer_a, "round_robin", desk.vendor_admin)
    assert refused.value.fields["auto_assignment"] == ["Only a desk that works cases assigns them."]
    assert Organisation.objects.get(pk=desk.partner_a.pk).auto_assignment == "off"


def test_the_api_sets_it(desk, api_as):
    manager = api_as(desk.partner_a_manager)

    changed = manager.patch(
        f"/api/v1/organisations/{desk.partner_a.pk}", {"auto_assignment": "least_loaded"}
    )

    assert changed.status_code == 200, changed.json()
    assert changed.json()["auto_assignment"] == "least_loaded"
    refused = manager.patch(f"/api/v1/organisations/{desk.partner_a.pk}", {"auto_assignment": "x"})
    assert refused.status_code == 422


def test_the_desks_manager_sets_it_on_the_organisation_page(desk):
    manager, agent = Client(), Client()
    manager.force_login(desk.partner_a_manager)
    agent.force_login(desk.partner_a_agent)
    page = f"/organisations/{desk.partner_a.pk}/"
    assert 'id="auto-assignment"' in manager.get(page).content.decode()
    assert 'id="auto-assignment"' not in agent.get(page).content.decode()

    saved = manager.post(f"{page}auto-assignment/", {"auto_assignment": "round_robin"}, follow=True)

    assert "New cases: In turn (round-robin)." in saved.content.decode()
    refused = agent.post(f"{page}auto-assignment/", {"auto_assignment": "off"}, follow=True)
    assert "Only the vendor" in refused.content.decode()
    assert Organisation.objects.get(pk=desk.partner_a.pk).auto_assignment == "round_robin"
    other = Client()
    other.force_login(desk.partner_b_manager)
    assert other.post(f"{page}auto-assignment/", {"auto_assignment": "off"}).status_code == 404
