"""Every transition x source state x party, through the service: the engine and the support
level decide, with expectations read from the shipped default matrix."""

import datetime as dt

import pytest

from casebridge.cases import services, workflow
from casebridge.cases.choices import CustomerStatus, EngagementKind
from casebridge.cases.models import Case, Engagement
from casebridge.core.errors import PermissionDenied
from casebridge.rasci.defaults import default_matrices
from casebridge.rasci.letters import performs

LETTERS = {spec.code: spec.letters for _, spec in default_matrices().rows["model_1"]}
ACTORS = {
    "vendor": "vendor_engineer",
    "partner": "partner_a_manager",
    "customer": "customer_a_contact",
}
LEVELS = {"vendor": "l3_expert", "partner": "l2_intermediate", "customer": ""}

GRID = [
    pytest.param(t, source, party, id=f"{t.action}-from-{source}-by-{party}")
    for t in workflow.TRANSITIONS
    if t.action != "escalate"
    for source in sorted(t.sources)
    for party in ("vendor", "partner", "customer")
]


def put_in(case, transition, source):
    """Put the case in ``source`` under the services (the queue keys on the case row too)."""
    moment = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    if transition.engagement == EngagementKind.VENDOR:
        Engagement.objects.filter(case=case, kind="customer").update(
            status=CustomerStatus.ESCALATED
        )
        Case.objects.filter(pk=case.pk).update(
            customer_status=CustomerStatus.ESCALATED, vendor_status=source
        )
        Engagement.objects.create(
            case=case,
            kind="vendor",
            status=source,
            tier="l2_advanced",
            opened_at=moment,
            status_changed_at=moment,
        )
    else:
        Engagement.objects.filter(case=case, kind="customer").update(status=source)
        Case.objects.filter(pk=case.pk).update(customer_status=source)


@pytest.mark.parametrize(("transition", "source", "party"), GRID)
def test_who_may_perform_each_transition(desk, open_case, transition, source, party):
    case = open_case()
    put_in(case, transition, source)
    actor = getattr(desk, ACTORS[party])
    expected = performs(LETTERS[transition.activity].get(party, "")) and workflow.meets_level(
        LEVELS[party], transition.level
    )

    def perform():
        return services.case_transition(
            actor=actor,
            case=case,
            action=transition.action,
            expected_revision=None,
            reason="because",
            return_reason="incomplete",
            message="What the step says." if transition.words else "",
        )

    if expected:
        perform()
        assert (
            Engagement.objects.get(case=case, kind=transition.engagement).status
            == transition.target
        )
    else:
        with pytest.raises(PermissionDenied):
            perform()
        assert Engagement.objects.get(case=case, kind=transition.engagement).status == source
