import datetime as dt

import pytest

from casebridge.cases import services
from casebridge.parties.models import Person
from tests.factories import CertificationFactory, PersonFactory, SubmitterFactory

COMPLETE = {
    "expected_behaviour": "Calls reach an agent.",
    "actual_behaviour": "Callers hear silence after the menu.",
    "error_messages": "SIP 488 Not Acceptable Here",
    "steps_to_reproduce": "Call the main number, press 1.",
    "reproducible": True,
    "occurred_at": dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC),
    "frequency": "constant",
    "business_impact": "No customer calls answered.",
    "users_affected": 120,
    "actions_taken": "Restarted the SBC; no change.",
    "causes_ruled_out": ["tenant", "teams", "network", "sbc", "firewall"],
    "evidence": "trace.har, sbc.log",
}


@pytest.fixture
def desk(world, matrices):
    """Partner A qualified, its manager an authorised L2 engineer, the vendor's engineer at L3."""
    Person.objects.filter(pk=world.vendor_engineer.pk).update(support_level="l3_expert")
    Person.objects.filter(pk=world.partner_a_manager.pk).update(support_level="l2_intermediate")
    Person.objects.filter(pk=world.partner_a_agent.pk).update(support_level="l1_basic")
    for person in (world.partner_a_manager, world.partner_a_agent):
        person.refresh_from_db()
        CertificationFactory(person=person, level="l1_basic", issued_on=dt.date(2026, 1, 1))
        CertificationFactory(person=person, level="l2_intermediate", issued_on=dt.date(2026, 1, 1))
    world.vendor_engineer.refresh_from_db()
    SubmitterFactory(
        person=world.partner_a_manager, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    return world


@pytest.fixture
def open_case(desk):
    def make(*, actor=None, customer=None, impact="high", urgency="medium", **guidelines):
        case, _ = services.case_open(
            actor=actor or desk.customer_a_contact,
            customer=customer or desk.customer_a,
            title="Callers hear silence",
            description="Since this morning no call reaches an agent.",
            category="incident",
            impact=impact,
            urgency=urgency,
            guidelines=guidelines,
        )
        return case

    return make


def act(case, actor, action, **extra):
    case.refresh_from_db()
    return services.case_act(
        actor=actor, case=case, action=action, expected_revision=case.revision, **extra
    )


def new_person(organisation, roles, level=""):
    return PersonFactory(organisation=organisation, roles=roles, support_level=level)
