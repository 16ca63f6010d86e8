"""The engine against the shipped defaults: expectations come from the data file itself."""

import datetime as dt

import pytest

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.parties.models import Person
from casebridge.rasci import policy
from casebridge.rasci.defaults import default_matrices
from casebridge.rasci.letters import contributes, performs
from tests.factories import PersonFactory, SubmitterFactory

CASES = [
    pytest.param(
        model, spec.code, party, spec.letters.get(party, ""), id=f"{model}-{spec.code}-{party}"
    )
    for model, rows in default_matrices().rows.items()
    for _, spec in rows
    for party in ("vendor", "partner", "customer")
    if not (model == "model_2" and party == "partner")
]

ACTOR_FOR = {
    ("model_1", "vendor"): "vendor_engineer",
    ("model_1", "partner"): "partner_a_agent",
    ("model_1", "customer"): "customer_a_contact",
    ("model_2", "vendor"): "vendor_engineer",
    ("model_2", "customer"): "customer_direct_admin",
}
CUSTOMER_FOR = {"model_1": "customer_a", "model_2": "customer_direct"}


@pytest.mark.parametrize(("model", "activity", "party", "letters"), CASES)
def test_decisions_equal_the_default_table(world, matrices, model, activity, party, letters):
    actor = getattr(world, ACTOR_FOR[(model, party)])
    customer = getattr(world, CUSTOMER_FOR[model])

    decision = policy.decide(actor, activity, customer)

    assert decision.party == party
    assert decision.letters == letters
    assert decision.allowed is performs(letters)
    assert decision.may_contribute is contributes(letters)
    assert decision.version_label == f"{model} v1"


def test_the_reason_names_the_letter_and_the_version(world, matrices):
    allowed = policy.decide(world.partner_a_agent, "case.submit", world.customer_a)
    contributes_only = policy.decide(
        world.partner_a_agent, "support.l2_advanced_l3", world.customer_a
    )
    consulted = policy.decide(world.customer_a_contact, "case.submit", world.customer_a)

    assert allowed.reason == "Partner holds A/R for case.submit under model_1 v1: may perform it."
    assert contributes_only.reason == (
        "Partner holds S for support.l2_advanced_l3 under model_1 v1: "
        "may contribute but not perform it."
    )
    assert not consulted
    assert "is consulted" in consulted.reason


def test_another_partner_is_not_a_party_to_the_customer(world, matrices):
    decision = policy.decide(world.partner_b_manager, "case.submit", world.customer_a)

    assert not decision
    assert decision.party is None
    assert decision.reason == "Partner B is not a party to Customer of A."


def test_an_inactive_person_may_do_nothing(world, matrices):
    world.partner_a_agent.is_active = False

    assert not policy.decide(world.partner_a_agent, "case.submit", world.customer_a)


def test_an_unknown_activity_is_denied_with_the_reason(world, matrices):
    decision = policy.decide(world.partner_a_agent, "case.teleport", world.customer_a)

    assert not decision
    assert decision.reason == "case.teleport is not an activity of model_1 v1."


def test_responsible_for_answers_with_parties_and_people(world, matrices):
    holders = policy.responsible_for("customer.communicate", world.customer_a)

    assert [(h.party, h.letters, h.organisation) for h in holders] == [
        ("partner", "RA", world.partner_a)
    ]
    # customer.communicate asks for no more than the letter: its roles name who does it.
    assert set(holders[0].people) == {world.partner_a_manager, world.partner_a_agent}


def test_behind_submitting_stand_exactly_the_verified_authorised_submitters(world, matrices):
    verified = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    SubmitterFactory(person=world.partner_a_agent, verified_at=verified)  # an agent, yet verified
    SubmitterFactory(person=world.partner_a_manager)  # registered, not verified
    revoked = PersonFactory(organisation=world.partner_a, roles=["engineer"])
    SubmitterFactory(person=revoked, verified_at=verified, active=False)

    holders = policy.responsible_for("case.submit", world.customer_a)

    assert [h.people for h in holders] == [(world.partner_a_agent,)]


def test_behind_support_stand_exactly_the_people_at_the_right_level(world, matrices):
    Person.objects.filter(pk=world.partner_a_agent.pk).update(support_level="l1_basic")
    Person.objects.filter(pk=world.partner_a_manager.pk).update(support_level="")
    Person.objects.filter(pk=world.vendor_engineer.pk).update(support_level="l2_advanced")
    expert = PersonFactory(organisation=world.vendor, roles=["engineer"], support_level="l3_expert")

    desk = policy.responsible_for("support.l1", world.customer_a)
    vendor = policy.responsible_for("support.l2_advanced_l3", world.customer_a)

    assert [{p.pk for p in h.people} for h in desk] == [{world.partner_a_agent.pk}]
    assert [{p.pk for p in h.people} for h in vendor] == [{world.vendor_engineer.pk, expert.pk}]


@pytest.mark.parametrize("model", ["model_1", "model_2"])
def test_the_people_behind_each_ruled_letter_are_those_the_services_let_act(world, desk, model):
    """For every step of the workflow table whose activity asks more than the letter: each
    person of the performing party either performs it through the service, or is refused; those
    who succeed are exactly the people the engine names."""
    from casebridge.cases import services, workflow
    from tests.cases.test_transition_policy import put_in

    customer = desk.customer_a if model == "model_1" else desk.customer_direct
    reporter = desk.customer_a_contact if model == "model_1" else desk.customer_direct_admin
    performer = "partner" if model == "model_1" else "customer"
    organisation = desk.partner_a if model == "model_1" else desk.customer_direct
    PersonFactory(organisation=organisation, roles=["agent"], support_level="l1_basic")
    PersonFactory(organisation=organisation, roles=["engineer"], support_level="l2_intermediate")
    SubmitterFactory(
        person=PersonFactory(organisation=organisation, roles=["agent"]),
        verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    SubmitterFactory(person=PersonFactory(organisation=organisation, roles=["engineer"]))
    rules = workflow.acting_requirements()
    people = list(Person.objects.filter(organisation=organisation, is_active=True))
    checked = set()
    for transition in workflow.TRANSITIONS:
        if transition.activity not in rules or transition.action == "escalate":
            continue
        holders = policy.responsible_for(transition.activity, customer)
        if not any(h.party == performer for h in holders):
            continue
        named = {p.pk for h in holders if h.party == performer for p in h.people}
        acted = set()
        for person in people:
            case, _ = services.case_open(
                actor=reporter,
                customer=customer,
                title="t",
                description="d",
                category="incident",
                impact="low",
                urgency="low",
            )
            put_in(case, transition, sorted(transition.sources)[0])
            try:
                services.case_transition(
                    actor=person,
                    case=case,
                    action=transition.action,
                    expected_revision=None,
                    reason="r",
                    return_reason="incomplete",
                    message="What the step says." if transition.words else "",
                )
            except PermissionDenied:
                continue
            acted.add(person.pk)
        assert (transition.action, named) == (transition.action, acted)
        assert named  # somebody may act ...
        assert named != {p.pk for p in people}  # ... and the rule narrowed the party
        checked.add(transition.activity)
    assert checked == {"support.l1", "case.submit"}


def test_the_accountable_party_comes_first(world, matrices):
    holders = policy.responsible_for("submitters.register", world.customer_a)

    assert [(h.party, h.letters) for h in holders] == [("vendor", "A"), ("partner", "R")]
    assert set(holders[0].people) == {world.vendor_admin}


def test_consulted_and_informed_parties(world, matrices):
    consulted = policy.to_consult("case.submit", world.customer_a)
    informed = policy.to_inform("case.submit", world.customer_a)

    assert [(h.party, h.organisation) for h in consulted] == [("customer", world.customer_a)]
    assert consulted[0].people == (world.customer_a_contact,)
    assert [(h.party, h.organisation) for h in informed] == [("vendor", world.vendor)]


def test_inactive_people_never_stand_behind_a_letter(world, matrices):
    SubmitterFactory(
        person=world.partner_a_manager, verified_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    Person.objects.filter(pk=world.partner_a_manager.pk).update(is_active=False)

    holders = policy.responsible_for("case.submit", world.customer_a)

    assert holders[0].people == ()


def test_an_unknown_activity_cannot_have_holders(world, matrices):
    with pytest.raises(ValidationFailed, match=r"case\.teleport is not an activity of model_1 v1"):
        policy.responsible_for("case.teleport", world.customer_a)


def test_who_is_answered_in_a_fixed_number_of_queries(
    world, matrices, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        holders = policy.responsible_for("case.submit", world.customer_a)
        [(p.full_name, sorted(p.role_codes)) for h in holders for p in h.people]


def test_the_customer_page_loads_every_activity_in_a_fixed_number_of_queries(
    world, matrices, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        _, pinned, rows = policy.customer_responsibilities(world.customer_a)
        [(p.full_name, h.letters) for r in rows for h in r.holders for p in h.people]

    assert len(rows) == 22
    assert not pinned
