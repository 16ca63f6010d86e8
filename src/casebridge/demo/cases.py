"""The demo's cases, one in each interesting place of the flow."""

from __future__ import annotations

import datetime as dt

from casebridge.cases import services
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.installed_base.models import Installation
from casebridge.parties.models import Organisation, Person
from casebridge.rca.services import rca_sync_for_case

DETAILS = {
    "expected_behaviour": "Incoming calls are offered to the next free agent.",
    "actual_behaviour": "Calls stay in the queue although agents are free.",
    "error_messages": "Routing engine: 'no eligible agent' in the service log.",
    "steps_to_reproduce": "Call the service number while two agents are available.",
    "reproducible": True,
    "frequency": "intermittent",
    "business_impact": "Waiting times up to ten minutes at the service desk.",
    "users_affected": 40,
    "actions_taken": "Restarted the services; checked agent presence in Teams.",
    "causes_ruled_out": ["tenant", "teams", "network", "sbc", "firewall"],
    "evidence": "routing-service.log, presence export, HAR of the agent client",
}

P1_DETAILS = {
    "expected_behaviour": "Inbound calls reach the contact centre's queues.",
    "actual_behaviour": "Every inbound call fails with a busy tone.",
    "error_messages": "SBC: SIP 503 Service Unavailable towards the product's back-end.",
    "steps_to_reproduce": "Call the main service number from any phone.",
    "reproducible": True,
    "frequency": "constant",
    "business_impact": "No customer reaches the contact centre.",
    "users_affected": 85,
    "actions_taken": "Restarted the SBC; the SIP trunk is registered.",
    "causes_ruled_out": ["tenant", "teams", "network", "sbc", "firewall"],
    "evidence": "sbc-trace.pcap, trunk registration status",
}


def _person(email: str) -> Person:
    return Person.objects.select_related("organisation").get(email=email)


def _customer(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def load_cases() -> None:
    """Create the demo cases through the services (the caller holds the transaction)."""
    if Case.objects.exists():
        return
    agent = _person("agent@bluewater.example")
    engineer = _person("engineer@bluewater.example")
    vendor = _person("sam.okafor@lumen.example")

    # At the partner's desk, being worked.
    rijnland, _ = services.case_open(
        actor=_person("it@rijnland-care.example"),
        customer=_customer("rijnland-care-group"),
        title="Wallboard shows yesterday's figures",
        description="The wallboard in the nurses' office stopped refreshing this morning.",
        category="incident",
        impact="medium",
        urgency="medium",
        component="wallboard",
    )
    for action in ("triage", "start"):
        rijnland = services.case_transition(
            actor=agent, case=rijnland, action=action, expected_revision=None
        )
    services.case_comment(
        actor=agent, case=rijnland, audience="public", body="We are looking into it today."
    )

    # Escalated to the vendor, who asked the partner for information.
    delta = _customer("delta-water-board")
    core = Installation.objects.filter(
        customer=delta, component="server_core", environment="production"
    ).first()
    routing, _ = services.case_open(
        actor=agent,
        customer=delta,
        title="Calls not routed to free agents",
        description="Since the weekend, calls wait in the queue while agents are free.",
        category="incident",
        impact="high",
        urgency="medium",
        installation_id=core.pk if core else None,
        guidelines={**DETAILS, "occurred_at": clock.now() - dt.timedelta(days=1)},
    )
    routing = services.case_transition(
        actor=agent, case=routing, action="start", expected_revision=None
    )
    routing = services.case_transition(
        action="escalate", actor=engineer, case=routing, expected_revision=None
    )
    routing = services.case_transition(
        actor=vendor, case=routing, action="accept", expected_revision=None
    )
    services.case_transition(
        actor=vendor,
        case=routing,
        action="request_information",
        expected_revision=None,
        message="Please send the **routing service log** of one failing call, with its time.",
    )

    # Model 2: a Priority 1 the customer's own trained Level 1 desk started on and its
    # authorised submitter escalated; it waits for a vendor engineer to accept it.
    outage_p1, _ = services.case_open(
        actor=_person("admin@polder-energy.example"),
        customer=_customer("polder-energy"),
        title="No calls reach the contact centre",
        description="All inbound calls fail with a busy tone since 08:10.",
        category="incident",
        impact="high",
        urgency="high",
        component="sbc",
        guidelines={**P1_DETAILS, "occurred_at": clock.now() - dt.timedelta(minutes=40)},
    )
    outage_p1 = services.case_transition(
        actor=_person("helpdesk@polder-energy.example"),
        case=outage_p1,
        action="start",
        expected_revision=None,
    )
    services.case_transition(
        action="escalate",
        actor=_person("admin@polder-energy.example"),
        case=outage_p1,
        expected_revision=None,
    )

    # A resolved Priority 1 whose cause was the customer's network: Bluewater owns the RCA.
    outage, _ = services.case_open(
        actor=_person("it@rijnland-care.example"),
        customer=_customer("rijnland-care-group"),
        title="Night shift could not log in to the softphones",
        description="Between 02:10 and 02:55 no agent could sign in; calls went unanswered.",
        category="incident",
        impact="high",
        urgency="high",
        component="server_services",
    )
    outage = services.case_transition(
        actor=agent, case=outage, action="start", expected_revision=None
    )
    outage = services.case_transition(
        actor=agent,
        case=outage,
        action="propose_solution",
        expected_revision=None,
        message="The network's DHCP lease ran out at 02:10; renewing it restored the sign-ins.",
    )
    outage = services.case_transition(
        actor=agent,
        case=outage,
        action="resolve",
        expected_revision=None,
        attribution="customer_infrastructure",
    )
    rca_sync_for_case(outage.pk)
