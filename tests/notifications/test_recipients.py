"""Who is told of every case event, for every step of the workflow table x source state x both
operating models.

Expectations are generated here from the table and the shipped matrix, with the services' own
checks deciding who may act next (``allowed_actions``, the submitter rule), and compared with
the notifications the outbox really records. Every recipient must see the case and read the
event's audience."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from casebridge.cases import selectors, services, workflow
from casebridge.cases.choices import CustomerStatus, EngagementKind, VendorStatus
from casebridge.cases.models import Case, Engagement
from casebridge.cases.querysets import audiences_for
from casebridge.core.outbox import outbox_drain, outbox_record
from casebridge.notifications.models import Notification
from casebridge.notifications.recipients import CASE_EVENTS
from casebridge.parties.choices import Role, SubmitterState
from casebridge.parties.models import Person
from casebridge.parties.selectors import submitter_state
from casebridge.rasci import policy
from casebridge.rasci.defaults import default_matrices
from casebridge.rasci.letters import performs
from tests.cases.helpers import COMPLETE
from tests.factories import PersonFactory, SubmitterFactory

MATRIX = {
    model: {spec.code: spec for _, spec in rows} for model, rows in default_matrices().rows.items()
}
RULED = workflow.acting_requirements()
MODELS = ("model_1", "model_2")
VERIFIED = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def kind_of(transition: workflow.Transition) -> str:
    return "case.escalated" if transition.action == "escalate" else f"case.{transition.action}"


def performer_party(model: str, activity: str) -> str:
    letters = MATRIX[model][activity].letters
    return next(party for party, held in letters.items() if performs(held))


GRID = [
    pytest.param(model, t, source, id=f"{model}-{t.action}-from-{source}")
    for model in MODELS
    for t in workflow.TRANSITIONS
    for source in sorted(t.sources)
]


@pytest.fixture
def staff(desk):
    """The world, with more people on each side so that each rule has someone to leave out."""
    Person.objects.filter(pk=desk.customer_direct_admin.pk).update(support_level="l1_basic")
    desk.customer_direct_admin.refresh_from_db()
    SubmitterFactory(person=desk.customer_direct_admin, verified_at=VERIFIED)
    extra = {
        "partner_engineer": PersonFactory(
            organisation=desk.partner_a, roles=[Role.ENGINEER], support_level="l2_intermediate"
        ),
        "partner_submitter": PersonFactory(organisation=desk.partner_a, roles=[Role.AGENT]),
        "vendor_l2": PersonFactory(
            organisation=desk.vendor, roles=[Role.ENGINEER], support_level="l2_advanced"
        ),
        "direct_agent": PersonFactory(
            organisation=desk.customer_direct, roles=[Role.AGENT], support_level="l1_basic"
        ),
        "direct_contact": PersonFactory(
            organisation=desk.customer_direct, roles=[Role.CUSTOMER_CONTACT]
        ),
    }
    SubmitterFactory(person=extra["partner_engineer"])  # registered, never verified
    SubmitterFactory(person=extra["partner_submitter"], verified_at=VERIFIED)
    return extra


def setting(desk, staff, model):
    if model == "model_1":
        return desk.customer_a, desk.customer_a_contact, desk.partner_a_agent
    return desk.customer_direct, desk.customer_direct_admin, staff["direct_agent"]


def performer(desk, model, transition):
    party = performer_party(model, transition.activity)
    if party == "vendor":
        return desk.vendor_engineer
    return desk.partner_a_manager if model == "model_1" else desk.customer_direct_admin


def put_in(case, transition, source, *, customer_assignee, vendor_assignee):
    """The case in ``source`` (the vendor engagement open where the step needs it), each
    engagement assigned."""
    moment = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    vendor_side = transition.engagement == EngagementKind.VENDOR or (
        source == CustomerStatus.ESCALATED
    )
    customer_status = CustomerStatus.ESCALATED if vendor_side else source
    if vendor_side:
        vendor_status = source if transition.engagement == EngagementKind.VENDOR else "expert"
        Engagement.objects.create(
            case=case,
            kind=EngagementKind.VENDOR,
            status=vendor_status,
            tier="l2_advanced",
            opened_at=moment,
            status_changed_at=moment,
            assignee=vendor_assignee,
        )
        Case.objects.filter(pk=case.pk).update(vendor_status=vendor_status, escalated_at=moment)
    Engagement.objects.filter(case=case, kind=EngagementKind.CUSTOMER).update(
        status=customer_status, assignee=customer_assignee
    )
    Case.objects.filter(pk=case.pk).update(customer_status=customer_status, component="sbc")


def perform(actor, case, transition):
    case.refresh_from_db()
    return services.case_transition(
        actor=actor,
        case=case,
        action=transition.action,
        expected_revision=None,
        reason="because",
        return_reason="incomplete",
        attribution="unknown",
        message="What the step says." if transition.words else "",
    )


def everyone():
    return list(Person.objects.filter(is_active=True).select_related("organisation"))


def sees(person, case, audience) -> bool:
    return Case.objects.visible_to(person).filter(pk=case.pk).exists() and audience in (
        audiences_for(person, partner_in_between=case.partner_id is not None)
    )


def stands_for_role(person, model, activity, customer) -> bool:
    roles = set(MATRIX[model][activity].roles)
    return bool(not roles or person.role_codes & roles) or (
        person.organisation_id == customer.pk and person.has_role(Role.CUSTOMER_CONTACT)
    )


def may_perform(person, case, step, model) -> bool:
    """Whether the services would let ``person`` perform ``step`` on ``case`` now."""
    if step.action not in selectors.allowed_actions(actor=person, case=case):
        return False
    if step.authorised_submitter and submitter_state(person) != SubmitterState.AUTHORISED:
        return False
    return step.activity in RULED or stands_for_role(person, model, step.activity, case.customer)


def party_organisation(case, party):
    return {"vendor": None, "partner": case.partner_id, "customer": case.customer_id}[party]


def of_party(person, case, party) -> bool:
    if party == "vendor":
        return person.organisation.kind == "vendor"
    return person.organisation_id == party_organisation(case, party)


def expected_alerted(case, waiting, actor, model, people):
    if waiting is None:
        return set()
    if waiting.customer_reply:
        return {
            p
            for p in people
            if p.organisation_id == case.customer_id
            and (p.has_role(Role.CUSTOMER_CONTACT) or p.pk == case.reporter_id)
        } - {actor}
    desk = {p for p in people if any(may_perform(p, case, s, model) for s in waiting.steps)}
    assignees = set()
    for activity in waiting.activities:
        for party, held in MATRIX[model][activity].letters.items():
            if not performs(held):
                continue
            side = "vendor" if party == "vendor" else "customer"
            engagement = case.engagements.filter(kind=side).first()
            if engagement and engagement.assignee and of_party(engagement.assignee, case, party):
                assignees.add(engagement.assignee)
    if actor in desk:
        return assignees - {actor}
    return (desk | assignees) - {actor}


def expected_told(case, activity, letter, model, people):
    return {
        p
        for p in people
        for party, held in MATRIX[model][activity].letters.items()
        if held == letter
        and of_party(p, case, party)
        and stands_for_role(p, model, activity, case.customer)
    }


def told_of(kind, case):
    rows = Notification.objects.filter(kind=kind, case=case).select_related("recipient")
    return {(n.recipient, n.purpose) for n in rows}


def expectation(case, kind, activity, audience, waiting, actor, model):
    people = everyone()
    alerted = expected_alerted(case, waiting, actor, model, people)
    consulted = expected_told(case, activity, "C", model, people) - alerted - {actor}
    informed = expected_told(case, activity, "I", model, people) - alerted - consulted - {actor}
    return {
        (p, purpose)
        for group, purpose in ((alerted, "alert"), (consulted, "consult"), (informed, "inform"))
        for p in group
        if sees(p, case, audience)
    }


@pytest.mark.parametrize(("model", "transition", "source"), GRID)
def test_each_step_alerts_who_must_act_consults_c_and_informs_i(
    desk, staff, model, transition, source
):
    customer, reporter, desk_agent = setting(desk, staff, model)
    case, _ = services.case_open(
        actor=reporter,
        customer=customer,
        title="Callers hear silence",
        description="No call reaches an agent.",
        category="incident",
        impact="high",
        urgency="medium",
        guidelines=COMPLETE,
    )
    put_in(
        case,
        transition,
        source,
        customer_assignee=desk_agent,
        vendor_assignee=staff["vendor_l2"],
    )
    actor = performer(desk, model, transition)

    perform(actor, case, transition)
    outbox_drain()

    case = Case.objects.select_related("customer", "matrix_version").get(pk=case.pk)
    kind = kind_of(transition)
    rule = CASE_EVENTS[kind]
    expected = expectation(
        case,
        kind,
        transition.activity,
        rule.audience,
        workflow.waiting_after(transition),
        actor,
        model,
    )
    told = told_of(kind, case)
    assert sorted((p.email, purpose) for p, purpose in told) == sorted(
        (p.email, purpose) for p, purpose in expected
    )
    assert all(sees(p, case, rule.audience) for p, _ in told)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("by_desk", [False, True], ids=["by-customer", "by-desk"])
def test_opening_a_case_alerts_the_desk(desk, staff, model, by_desk):
    customer, _, desk_agent = setting(desk, staff, model)
    contact = desk.customer_a_contact if model == "model_1" else staff["direct_contact"]
    actor = desk_agent if by_desk else contact

    case, _ = services.case_open(
        actor=actor,
        customer=customer,
        title="t",
        description="d",
        category="incident",
        impact="low",
        urgency="low",
    )
    outbox_drain()

    case = Case.objects.select_related("customer", "matrix_version").get(pk=case.pk)
    waiting = workflow.waiting_in(EngagementKind.CUSTOMER, CustomerStatus.NEW)
    expected = expectation(case, "case.opened", "support.l1", "public", waiting, actor, model)
    told = told_of("case.opened", case)
    assert sorted((p.email, k) for p, k in told) == sorted((p.email, k) for p, k in expected)
    alerted = {p for p, purpose in told if purpose == "alert"}
    if by_desk:
        assert alerted == set()  # the desk agent who logged it has it in hand
    else:
        assert desk_agent in alerted


def test_the_partner_desk_is_alerted_and_the_vendor_not_told_of_an_unescalated_case(desk, staff):
    case, _ = services.case_open(
        actor=desk.customer_a_contact,
        customer=desk.customer_a,
        title="t",
        description="d",
        category="incident",
        impact="low",
        urgency="low",
    )
    outbox_drain()

    told = Notification.objects.filter(case=case)
    alerted = {n.recipient for n in told if n.purpose == "alert"}
    assert alerted == {desk.partner_a_agent, desk.partner_a_manager, staff["partner_engineer"]}
    # support.l1: the vendor holds I, but cannot see a model-1 case before it is escalated.
    assert not told.filter(recipient__organisation=desk.vendor).exists()


def sla_event(case, kind, engagement):
    from casebridge.cases.services.clocks import _SweepContext

    context = _SweepContext(dt.datetime.now(dt.UTC))
    return outbox_record(
        kind=kind,
        payload={
            "case_id": case.pk,
            "number": case.number,
            "engagement": engagement,
            "metric": "first_response",
            "cycle": 1,
            "due_at": "2026-06-15T10:00:00+00:00",
            "notify": {
                "organisation_id": context.accountable_organisation(case, engagement),
                "roles": ["manager"],
            },
        },
    )


def engagement_desk(case, activity):
    steps = [t for t in workflow.TRANSITIONS if t.activity == activity]
    return {
        p
        for p in everyone()
        if policy.decide(p, activity, case.customer, version=case.matrix_version).allowed
        and any(workflow.meets_level(p.support_level, t.level) for t in steps)
    }


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("engagement", ["customer", "vendor"])
@pytest.mark.parametrize("kind", ["case.sla_warning", "case.sla_breached"])
def test_service_level_events_alert_the_desk_and_a_breach_its_managers(
    desk, staff, model, engagement, kind
):
    customer, reporter, desk_agent = setting(desk, staff, model)
    case, _ = services.case_open(
        actor=reporter,
        customer=customer,
        title="t",
        description="d",
        category="incident",
        impact="high",
        urgency="high",
        guidelines=COMPLETE,
    )
    step = workflow.transition_for("vendor", VendorStatus.INVESTIGATING, "provide_solution")
    put_in(
        case,
        step if engagement == "vendor" else workflow.transition_for("customer", "new", "start"),
        VendorStatus.INVESTIGATING if engagement == "vendor" else CustomerStatus.IN_PROGRESS,
        customer_assignee=desk_agent,
        vendor_assignee=staff["vendor_l2"],
    )
    case = Case.objects.select_related("customer", "matrix_version").get(pk=case.pk)

    sla_event(case, kind, engagement)
    outbox_drain()

    activity = "support.l1" if engagement == "customer" else "support.l2_advanced_l3"
    assignee = desk_agent if engagement == "customer" else staff["vendor_l2"]
    alerted = engagement_desk(case, activity) | {assignee}
    managers = set()
    if kind == "case.sla_breached":
        accountable = next(
            party for party, held in MATRIX[model][activity].letters.items() if "A" in held
        )
        managers = {
            p
            for p in everyone()
            if of_party(p, case, accountable) and p.has_role(Role.MANAGER, Role.ADMIN)
        }
    expected = {(p.email, "escalate") for p in managers} | {
        (p.email, "alert") for p in alerted - managers
    }
    told = told_of(kind, case)
    assert sorted((p.email, k) for p, k in told) == sorted(expected)
    assert all(
        sees(p, case, CASE_EVENTS["case.accept"].audience if engagement == "vendor" else "public")
        for p, _ in told
    )


def test_the_sweep_tells_the_desk_of_a_breach_and_its_managers(desk, staff):
    from zoneinfo import ZoneInfo

    import time_machine

    from casebridge.cases.services.clocks import clocks_sweep

    ams = ZoneInfo("Europe/Amsterdam")
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=ams), tick=False) as travel:
        services.case_open(
            actor=desk.customer_a_contact,
            customer=desk.customer_a,
            title="t",
            description="d",
            category="incident",
            impact="high",
            urgency="high",
        )
        outbox_drain()
        travel.move_to(dt.datetime(2026, 6, 15, 9, 50, tzinfo=ams))
        clocks_sweep()
        outbox_drain()
        travel.move_to(dt.datetime(2026, 6, 15, 10, 5, tzinfo=ams))
        clocks_sweep()
        outbox_drain()

    warned = {
        (n.recipient, n.purpose) for n in Notification.objects.filter(kind="case.sla_warning")
    }
    breached = {
        (n.recipient, n.purpose) for n in Notification.objects.filter(kind="case.sla_breached")
    }
    desk_people = {desk.partner_a_agent, desk.partner_a_manager, staff["partner_engineer"]}
    assert warned == {(p, "alert") for p in desk_people}
    assert breached == {(desk.partner_a_manager, "escalate")} | {
        (p, "alert") for p in desk_people - {desk.partner_a_manager}
    }
    assert (
        not Notification.objects.filter(
            Q(recipient__organisation=desk.vendor) | Q(recipient__organisation=desk.customer_a)
        )
        .filter(kind__startswith="case.sla")
        .exists()
    )


def test_one_case_walked_from_the_customer_to_the_vendor_and_back(desk, staff):
    """The walk of the issue, spelled out: each step reaches the party that must act next."""
    case, _ = services.case_open(
        actor=desk.customer_a_contact,
        customer=desk.customer_a,
        title="Callers hear silence",
        description="No call reaches an agent.",
        category="incident",
        impact="high",
        urgency="medium",
        guidelines=COMPLETE,
    )
    Case.objects.filter(pk=case.pk).update(component="sbc")
    agent, manager, engineer = desk.partner_a_agent, desk.partner_a_manager, desk.vendor_engineer
    steps = [
        (agent, "start"),
        (manager, "escalate"),
        (engineer, "accept"),
        (engineer, "request_information"),
        (agent, "answer"),
        (engineer, "provide_solution"),
        (manager, "confirm"),
        (agent, "resolve"),
        (agent, "close"),
    ]
    for actor, action in steps:
        perform(
            actor,
            case,
            workflow.transition_for(
                workflow.engagement_of(action),
                Engagement.objects.get(case=case, kind=workflow.engagement_of(action)).status,
                action,
            ),
        )
    outbox_drain()

    def alerted(kind):
        return {n.recipient for n in Notification.objects.filter(kind=kind, purpose="alert")}

    def told(kind):
        return {n.recipient for n in Notification.objects.filter(kind=kind)}

    partner_desk = {agent, manager, staff["partner_engineer"]}
    vendor_desk = {engineer, staff["vendor_l2"]}
    assert alerted("case.opened") == partner_desk
    assert alerted("case.escalated") == vendor_desk
    # case.assist names engineers and agents (it asks nothing more of them): not the manager.
    assert alerted("case.request_information") == {
        agent,
        staff["partner_engineer"],
        staff["partner_submitter"],
    }
    assert alerted("case.answer") == vendor_desk
    # Confirming is customer.communicate (agents, managers), rejecting case.assist.
    assert alerted("case.provide_solution") == {
        agent,
        manager,
        staff["partner_engineer"],
        staff["partner_submitter"],
    }
    assert desk.customer_a_contact not in told("case.provide_solution")  # partner + vendor
    assert desk.customer_a_contact in told("case.resolve")
    assert desk.customer_a_contact in told("case.close")
    vendor_people = Person.objects.filter(organisation=desk.vendor)
    assert not Notification.objects.filter(
        kind__in=["case.opened", "case.start"], recipient__in=vendor_people
    ).exists()
