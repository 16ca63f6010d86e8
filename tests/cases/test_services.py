import pytest
from django.db import connection
from django.test import Client

from casebridge.cases import services
from casebridge.cases.models import Case, CaseEvent, Comment, Engagement, IdempotencyRecord
from casebridge.cases.selectors import (
    QueueFilters,
    access_case,
    allowed_actions,
    case_comments,
    case_queue,
)
from casebridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.cases.helpers import COMPLETE, act
from tests.factories import PersonFactory


def status(case, kind="customer"):
    return Engagement.objects.get(case=case, kind=kind).status


def test_a_customer_reports_and_the_severity_matrix_sets_the_priority(desk, open_case):
    case = open_case(impact="high", urgency="high")

    assert case.number == f"CB-{case.created_at.year}-000001"
    assert case.priority == "P1"
    assert case.partner == desk.partner_a
    assert case.matrix_version.label == "model_1 v1"
    assert status(case) == "new"
    assert [e.kind for e in CaseEvent.objects.filter(case=case)] == ["opened"]


def test_numbers_never_repeat(desk, open_case):
    numbers = [open_case().number for _ in range(5)]

    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)


def test_an_override_needs_a_reason(desk):
    with pytest.raises(ValidationFailed) as error:
        services.case_open(
            actor=desk.partner_a_agent,
            customer=desk.customer_a,
            title="t",
            description="d",
            category="incident",
            impact="low",
            urgency="low",
            priority_override="P1",
        )

    assert list(error.value.fields) == ["priority_override_reason"]
    assert not Case.objects.exists()


def test_bad_input_lists_every_field_and_writes_nothing(desk):
    with pytest.raises(ValidationFailed) as error:
        services.case_open(
            actor=desk.partner_a_agent,
            customer=desk.customer_a,
            title="",
            description="",
            category="gripe",
            impact="huge",
            urgency="low",
            component="gizmo",
            guidelines={"causes_ruled_out": ["gremlins"], "frequency": "sometimes"},
        )

    assert set(error.value.fields) == {
        "title",
        "description",
        "category",
        "impact",
        "component",
        "causes_ruled_out",
        "frequency",
    }
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_another_partner_cannot_open_cases_for_my_customer(desk):
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=desk.partner_b_agent,
            customer=desk.customer_a,
            title="t",
            description="d",
            category="question",
            impact="low",
            urgency="low",
        )


def test_a_retried_create_returns_the_first_case(desk):
    arguments = dict(
        actor=desk.partner_a_agent,
        customer=desk.customer_a,
        title="t",
        description="d",
        category="question",
        impact="low",
        urgency="low",
        idempotency_key="desk-sync-42",
    )

    first, created = services.case_open(**arguments)
    again, created_again = services.case_open(**arguments)

    assert (created, created_again) == (True, False)
    assert again == first
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1

    with pytest.raises(ValidationFailed) as reused:
        services.case_open(**{**arguments, "impact": "high"})

    assert reused.value.code == "idempotency_key_reused"
    assert list(reused.value.fields) == ["idempotency_key"]
    assert Case.objects.count() == 1


def test_the_customer_side_flow_at_the_partner(desk, open_case):
    case = open_case()

    for action in ("triage", "start", "wait_on_customer"):
        act(case, desk.partner_a_agent, action)
    services.case_comment(
        actor=desk.customer_a_contact, case=case, audience="public", body="Here is the log."
    )
    assert status(case) == "in_progress"
    for action in ("propose_solution", "resolve", "close"):
        act(case, desk.partner_a_agent, action)

    case.refresh_from_db()
    assert status(case) == "closed"
    assert case.closed_at is not None
    assert case.revision == 8


def test_an_illegal_action_names_the_allowed_ones_and_changes_nothing(desk, open_case):
    case = open_case()

    with pytest.raises(services.IllegalAction) as error:
        act(case, desk.partner_a_agent, "resolve")

    assert error.value.status == 409
    assert error.value.fields == {"allowed": ["triage", "start"]}
    case.refresh_from_db()
    assert case.revision == 1


def test_a_stale_revision_is_refused(desk, open_case):
    case = open_case()
    services.case_transition(
        actor=desk.partner_a_agent, case=case, action="triage", expected_revision=1
    )

    with pytest.raises(services.StaleRevision) as error:
        services.case_transition(
            actor=desk.partner_a_agent, case=case, action="start", expected_revision=1
        )

    assert error.value.status == 412
    assert status(case) == "triage"


def test_escalation_lists_every_unmet_rule_at_once(desk, open_case):
    case = open_case()
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    with pytest.raises(ValidationFailed) as error:
        services.case_transition(
            action="escalate",
            actor=desk.partner_a_manager,
            case=case,
            expected_revision=case.revision,
        )

    assert error.value.code == "escalation_gate"
    assert set(error.value.fields) == {
        "expected_behaviour",
        "actual_behaviour",
        "component",
        "business_impact",
        "actions_taken",
        "error_messages",
        "steps_to_reproduce",
        "reproducible",
        "occurred_at",
        "frequency",
        "users_affected",
        "causes_ruled_out",
        "evidence",
    }
    assert not Engagement.objects.filter(case=case, kind="vendor").exists()


def test_an_unauthorised_submitter_and_an_unqualified_partner_are_named(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    from casebridge.parties.models import Certification

    Certification.objects.filter(person=desk.partner_a_agent).delete()
    case.refresh_from_db()

    with pytest.raises(ValidationFailed) as error:
        services.case_transition(
            action="escalate",
            actor=desk.partner_a_agent,
            case=case,
            expected_revision=case.revision,
        )

    assert error.value.fields["submitter"] == ["You are not a registered authorised submitter."]
    assert error.value.fields["partner"][0].startswith("The partner is not qualified")


def test_a_full_escalation_and_the_vendor_side(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )
    assert (status(case), status(case, "vendor")) == ("escalated", "submitted")

    act(case, desk.vendor_engineer, "accept")
    act(case, desk.vendor_engineer, "request_information")
    act(case, desk.partner_a_manager, "answer")
    act(case, desk.vendor_engineer, "to_expert")
    act(case, desk.vendor_engineer, "provide_solution")
    act(case, desk.partner_a_manager, "confirm")

    case.refresh_from_db()
    assert (status(case), status(case, "vendor")) == ("solution_proposed", "confirmed")
    assert case.submitter == desk.partner_a_manager
    assert case.tier == "l3_expert"


def test_the_vendor_returns_an_incomplete_case_with_a_reason(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    with pytest.raises(ValidationFailed):
        act(case, desk.vendor_engineer, "return", reason="No HAR file")
    act(case, desk.vendor_engineer, "return", reason="No HAR file", return_reason="incomplete")

    assert (status(case), status(case, "vendor")) == ("in_progress", "returned")
    act(case, desk.partner_a_manager, "resubmit")
    assert (status(case), status(case, "vendor")) == ("escalated", "submitted")


def test_a_partner_agent_cannot_do_the_vendors_work(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    with pytest.raises(PermissionDenied, match=r"Partner holds S for support\.l2_advanced_l3"):
        act(case, desk.partner_a_manager, "accept")


# --- Conversation and visibility ---


def test_audiences_and_who_reads_what(desk, open_case):
    case = open_case()
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="public", body="We are on it."
    )
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Probably the SBC."
    )
    services.case_comment(
        actor=desk.vendor_engineer, case=case, audience="vendor_internal", body="Known bug 123."
    )
    services.case_comment(
        actor=desk.vendor_engineer, case=case, audience="partner_vendor", body="Try patch 2."
    )

    def bodies(actor):
        return [c.body for c in case_comments(actor=actor, case=case)]

    assert bodies(desk.customer_a_contact) == ["We are on it."]
    assert bodies(desk.partner_a_agent) == ["We are on it.", "Probably the SBC.", "Try patch 2."]
    assert bodies(desk.vendor_engineer) == ["We are on it.", "Known bug 123.", "Try patch 2."]


def test_in_model_1_the_vendor_never_writes_to_the_customer(desk, open_case):
    case = open_case()

    with pytest.raises(PermissionDenied, match=r"customer\.communicate"):
        services.case_comment(
            actor=desk.vendor_engineer, case=case, audience="public", body="Hello customer"
        )

    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("actor_name", "audience"),
    [
        ("customer_a_contact", "partner_internal"),
        ("customer_a_contact", "vendor_internal"),
        ("partner_a_agent", "vendor_internal"),
        ("vendor_engineer", "partner_internal"),
    ],
)
def test_nobody_writes_to_an_audience_they_cannot_read(desk, open_case, actor_name, audience):
    case = open_case()

    with pytest.raises(ValidationFailed):
        services.case_comment(
            actor=getattr(desk, actor_name), case=case, audience=audience, body="x"
        )


def test_markdown_is_rendered_without_scripts(desk, open_case):
    case = open_case()

    comment = services.case_comment(
        actor=desk.partner_a_agent,
        case=case,
        audience="public",
        body=(
            "**Fixed** <script>alert(1)</script> [x](javascript:alert(1)) "
            "<img src=x onerror=alert(1)>"
        ),
    )

    assert "<strong>Fixed</strong>" in comment.body_html
    assert "<script" not in comment.body_html
    assert "javascript:" not in comment.body_html
    assert "onerror" not in comment.body_html


def test_case_scoping(desk, open_case):
    mine = open_case()
    other = open_case(actor=desk.customer_b_contact, customer=desk.customer_b)

    assert list(case_queue(actor=desk.partner_a_agent, filters=QueueFilters())) == [mine]
    assert list(case_queue(actor=desk.customer_b_contact, filters=QueueFilters())) == [other]
    # Model 1: the vendor sees a case only once it is escalated.
    assert list(case_queue(actor=desk.vendor_engineer, filters=QueueFilters())) == []
    with pytest.raises(NotFound):
        access_case(desk.partner_b_agent, mine.pk)


def test_the_vendor_sees_model_2_cases_from_the_start(desk, open_case):
    direct = open_case(actor=desk.customer_direct_admin, customer=desk.customer_direct)

    assert list(case_queue(actor=desk.vendor_engineer, filters=QueueFilters())) == [direct]


def test_history_is_append_only(desk, open_case):
    case = open_case()
    event = CaseEvent.objects.get(case=case)

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(kind="tampered")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_history(desk, open_case):
    from django.db import DatabaseError, transaction

    case = open_case()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET kind = 'tampered' WHERE case_id = %s", [case.pk])


def test_queue_query_budget(desk, open_case, django_assert_max_num_queries):
    for _ in range(12):
        open_case()

    with django_assert_max_num_queries(3):
        rows = [
            (c.number, c.customer.name, [e.status for e in c.engagements.all()])
            for c in case_queue(actor=desk.partner_a_agent, filters=QueueFilters(status="new"))[:50]
        ]

    assert len(rows) == 12


def test_phone_follow_ups_are_logged_with_the_caller(desk, open_case):
    case = open_case(impact="high", urgency="high")

    call = services.case_log_phone_call(
        actor=desk.vendor_engineer,
        case=case,
        caller_number="+31 20 555 0188",
        summary="Partner reports calls still failing.",
    )

    assert call.caller_number == "+31205550188"
    assert CaseEvent.objects.filter(case=case, kind="phone_call").count() == 1


def test_an_unsupported_version_goes_through_only_with_an_override(desk, open_case, releases):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="server_core", version="2024.10.1")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    with pytest.raises(ValidationFailed) as refused:
        services.case_transition(
            action="escalate",
            actor=desk.partner_a_manager,
            case=case,
            expected_revision=case.revision,
        )
    assert list(refused.value.fields) == ["version"]
    assert "upgrade first" in refused.value.fields["version"][0]

    services.case_transition(
        action="escalate",
        actor=desk.partner_a_manager,
        case=case,
        expected_revision=case.revision,
        version_override_request="Upgrade planned; the fault blocks the upgrade itself.",
    )
    with pytest.raises(ValidationFailed) as needs_reason:
        act(case, desk.vendor_engineer, "accept")
    assert "reason" in needs_reason.value.fields
    act(case, desk.vendor_engineer, "accept", reason="Known defect in 2024.10; we take it.")

    case.refresh_from_db()
    assert case.version_override_by == desk.vendor_engineer
    assert case.version_override_reason == "Known defect in 2024.10; we take it."
    assert CaseEvent.objects.filter(case=case, kind="version_override_granted").exists()


def test_escalation_is_offered_to_authorised_submitters_only(desk, open_case):
    case = open_case(**COMPLETE)
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()

    assert "escalate" not in allowed_actions(actor=desk.partner_a_agent, case=case)
    assert "escalate" in allowed_actions(actor=desk.partner_a_manager, case=case)
    page = Client()
    page.force_login(desk.partner_a_agent)
    assert "actions/escalate/" not in page.get(f"/cases/{case.pk}/").content.decode()


def test_a_side_goes_only_to_someone_at_its_level_or_above(desk, open_case):
    case = open_case()
    Engagement.objects.filter(case=case, kind="customer").update(tier="l2_intermediate")
    junior = PersonFactory(organisation=desk.partner_a, roles=["agent"], support_level="l1_basic")
    case.refresh_from_db()

    with pytest.raises(ValidationFailed) as refused:
        services.case_assign(
            actor=desk.partner_a_manager, case=case, engagement="customer", assignee=junior
        )

    assert refused.value.fields["assignee_id"] == [
        f"{junior.full_name} works at Level 1 Basic; this case is worked at "
        "Level 2 Intermediate or above."
    ]
    services.case_assign(
        actor=desk.partner_a_manager,
        case=case,
        engagement="customer",
        assignee=desk.partner_a_manager,
    )
    assert services.assignable_side(desk.partner_a_manager, case) == "customer"
    assert services.assignable_side(desk.partner_b_agent, case) is None
    assert services.assignable_side(desk.customer_a_contact, case) is None
