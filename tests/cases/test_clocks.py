"""Service-level clocks on real cases: recomputed from the history, swept once."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casebridge.cases import services
from casebridge.cases.models import Case, CaseClock, CaseEvent
from casebridge.cases.services.clocks import case_readings, clocks_repair, clocks_sweep
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.parties.models import CustomerRelationship
from casebridge.rasci.selectors import relationships
from casebridge.sla import services as sla_services
from casebridge.sla.models import ServiceTarget
from tests.cases.helpers import act

AMS = ZoneInfo("Europe/Amsterdam")
H = dt.timedelta(hours=1)


def local(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


def clock(case, metric, engagement="customer"):
    return CaseClock.objects.get(case=case, engagement=engagement, metric=metric)


@pytest.fixture
def travel():
    with time_machine.travel(local("2026-06-15 09:00"), tick=False) as traveller:
        yield traveller


def _premium(customer):
    CustomerRelationship.objects.filter(customer=customer).update(support_plan="premium_plus")
    relationships.invalidate()  # an update in bulk sends no signal the cache hears


def test_opening_starts_first_response_and_resolution_but_not_updates(open_case, travel):
    travel.move_to(local("2026-06-15 10:00"))  # Monday
    case = open_case(impact="low", urgency="low")  # P4 on Standard: 2 working days, no others

    assert case.priority == "P4"
    first = clock(case, "first_response")
    assert first.status == "running"
    assert first.target == 16 * H
    assert first.due_at == local("2026-06-17 10:00")
    assert first.warn_at == local("2026-06-16 14:00")  # 12 of 16 working hours
    assert clock(case, "update").status == "inactive"
    resolution = clock(case, "resolution")
    assert resolution.status == "inactive"  # P4 promises no resolution time
    assert resolution.due_at is None


def test_a_public_answer_meets_first_response_and_starts_the_update_clock(open_case, desk, travel):
    travel.move_to(local("2026-06-15 10:00"))
    case = open_case(impact="medium", urgency="medium")  # P3: 8 h / 1 day / 5 days
    travel.move_to(local("2026-06-15 11:30"))
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="partner_internal", body="Looking."
    )
    assert clock(case, "first_response").status == "running"  # an internal note answers no one

    travel.move_to(local("2026-06-15 12:00"))
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="public", body="We are on it."
    )
    first = clock(case, "first_response")
    assert first.status == "met"
    assert first.met_at == local("2026-06-15 12:00")
    assert first.next_check_at is None
    update = clock(case, "update")
    assert update.status == "running"
    assert update.started_at == local("2026-06-15 12:00")
    assert update.due_at == local("2026-06-16 12:00")  # 8 working hours later

    travel.move_to(local("2026-06-16 09:30"))
    services.case_comment(
        actor=desk.partner_a_agent, case=case, audience="public", body="Still on it."
    )
    update = clock(case, "update")
    assert update.cycle == 2
    assert update.due_at == local("2026-06-17 09:30")
    assert clock(case, "first_response").met_at == local("2026-06-15 12:00")


def test_the_customers_own_message_is_not_an_answer(open_case, desk, travel):
    case = open_case(impact="medium", urgency="medium")
    services.case_comment(
        actor=desk.customer_a_contact, case=case, audience="public", body="Any news?"
    )

    assert clock(case, "first_response").status == "running"


def test_waiting_on_the_customer_pauses_and_the_reply_resumes(open_case, desk, travel):
    _premium(desk.customer_a)
    case = open_case(impact="high", urgency="high")  # P1 Premium Plus: 24x7, resolve in 4 h
    travel.move_to(local("2026-06-19 16:00"))  # Friday
    case = open_case(impact="high", urgency="high")
    act(case, desk.partner_a_agent, "start")
    travel.move_to(local("2026-06-19 17:00"))
    act(case, desk.partner_a_agent, "wait_on_customer")
    resolution = clock(case, "resolution")
    assert resolution.status == "paused"
    assert resolution.due_at is None
    assert resolution.next_check_at is None

    travel.move_to(local("2026-06-22 08:00"))  # Monday: the weekend was a pause
    services.case_comment(
        actor=desk.customer_a_contact, case=case, audience="public", body="Logs attached."
    )
    resolution = clock(case, "resolution")
    assert resolution.status == "running"
    assert resolution.due_at == local("2026-06-22 11:00")  # 1 h spent before, 3 h left


def test_business_hours_skip_a_public_holiday(open_case, desk, travel):
    travel.move_to(local("2026-04-24 16:00"))  # Friday before King's Day (Monday 27 April)
    case = open_case(impact="medium", urgency="medium")  # P3 Standard: first response 8 h

    assert clock(case, "first_response").due_at == local("2026-04-28 16:00")


def test_business_hours_keep_local_time_across_daylight_saving(open_case, desk, travel):
    travel.move_to(local("2026-03-27 16:30"))  # Friday; clocks go forward on Sunday 29 March
    case = open_case(impact="high", urgency="high")  # P1 Standard: first response 1 h business

    due = clock(case, "first_response").due_at
    assert due == local("2026-03-30 09:30")  # 30 min on Friday, 30 on Monday
    assert due.astimezone(dt.UTC).hour == 7  # 09:30 CEST, not 09:30 CET


def test_a_priority_change_retargets_running_clocks_from_their_start(open_case, desk, travel):
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="medium", urgency="medium")  # P3 Standard
    travel.move_to(local("2026-06-15 09:20"))
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="Seen.")
    travel.move_to(local("2026-06-15 11:00"))
    case.refresh_from_db()
    services.case_change_priority(
        actor=desk.partner_a_agent,
        case=case,
        priority="P1",
        reason="The whole contact centre is down.",
        expected_revision=case.revision,
    )

    resolution = clock(case, "resolution")
    assert resolution.priority == "P1"
    assert resolution.due_at == local("2026-06-15 17:00")  # 8 h from 09:00, 2 h already spent
    first = clock(case, "first_response")
    assert first.priority == "P3"  # met under P3, judged under P3
    assert first.status == "met"
    event = CaseEvent.objects.get(case=case, kind="priority_changed")
    assert (event.before, event.after["priority"]) == ({"priority": "P3"}, "P1")


def test_changing_priority_needs_a_reason_and_a_worker(open_case, desk):
    case = open_case(impact="medium", urgency="medium")
    with pytest.raises(ValidationFailed) as error:
        services.case_change_priority(
            actor=desk.partner_a_agent, case=case, priority="P9", reason=""
        )
    assert set(error.value.fields) == {"priority", "reason"}
    with pytest.raises(PermissionDenied):
        services.case_change_priority(
            actor=desk.customer_a_contact, case=case, priority="P1", reason="Urgent!"
        )
    case.refresh_from_db()
    assert case.priority == "P3"
    assert not CaseEvent.objects.filter(case=case, kind="priority_changed").exists()


def test_a_policy_change_is_repaired_without_losing_paused_time(open_case, desk, travel):
    _premium(desk.customer_a)
    travel.move_to(local("2026-06-15 10:00"))
    case = open_case(impact="high", urgency="high")  # P1 Premium Plus: resolve in 4 h, 24x7
    act(case, desk.partner_a_agent, "start")
    travel.move_to(local("2026-06-15 11:00"))
    act(case, desk.partner_a_agent, "wait_on_customer")
    travel.move_to(local("2026-06-15 13:00"))
    act(case, desk.partner_a_agent, "resume")
    assert clock(case, "resolution").due_at == local("2026-06-15 16:00")

    sla_services.target_set(
        actor=desk.vendor_admin,
        plan="premium_plus",
        priority="P1",
        calendar="24x7",
        first_response=dt.timedelta(minutes=30),
        update_interval=H,
        resolution=6 * H,
    )
    assert clock(case, "resolution").due_at == local("2026-06-15 16:00")  # not yet repaired
    assert OutboxEvent.objects.filter(kind="sla.policy_changed").count() == 1

    assert clocks_repair() >= 1
    assert clock(case, "resolution").due_at == local("2026-06-15 18:00")  # the 2 h pause kept


def test_a_plan_change_of_the_customer_is_repaired_through_the_outbox(open_case, desk, travel):
    from casebridge.cases.jobs import repair_after_change
    from casebridge.parties import services as party_services

    case = open_case(impact="high", urgency="high")  # P1 Standard: first response 1 h business
    assert clock(case, "first_response").target == H
    relationship = CustomerRelationship.objects.get(customer=desk.customer_a)
    party_services.relationship_set(
        actor=desk.vendor_admin,
        customer=desk.customer_a,
        partner=desk.partner_a,
        operating_model=relationship.operating_model_id,
        scenario=relationship.scenario,
        support_plan="premium_plus",
        time_zone=relationship.time_zone,
        country=relationship.country,
    )
    event = OutboxEvent.objects.get(kind="relationship.updated")
    repair_after_change(event)

    first = clock(case, "first_response")
    assert (first.plan, first.target, first.calendar) == (
        "premium_plus",
        30 * dt.timedelta(minutes=1),
        "24x7",
    )


def test_the_sweep_warns_then_breaches_exactly_once(open_case, desk, travel):
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="high", urgency="high")  # P1 Standard: first response 1 h business
    travel.move_to(local("2026-06-15 09:30"))
    assert clocks_sweep() == 0

    travel.move_to(local("2026-06-15 09:50"))
    assert clocks_sweep() == 1
    assert clocks_sweep() == 0
    warning = CaseEvent.objects.get(case=case, kind="sla_warning")
    assert warning.engagement == "customer"
    assert warning.audience == "partner_internal"
    assert warning.after["metric"] == "first_response"

    travel.move_to(local("2026-06-15 10:05"))
    raised = clocks_sweep()
    assert raised == 1
    assert clocks_sweep() == 0
    breach = CaseEvent.objects.get(case=case, kind="sla_breached")
    assert dt.datetime.fromisoformat(breach.after["due_at"]) == local("2026-06-15 10:00")
    outbox = OutboxEvent.objects.get(kind="case.sla_breached")
    assert outbox.payload["notify"] == {"organisation_id": desk.partner_a.pk, "roles": ["manager"]}
    first = clock(case, "first_response")
    assert (first.status, first.breached_cycle, first.next_check_at) == ("breached", 1, None)

    travel.move_to(local("2026-06-15 10:30"))  # answering late keeps the one breach
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="Here.")
    assert clock(case, "first_response").status == "missed"
    clocks_sweep()
    assert (
        CaseEvent.objects.filter(
            case=case, kind="sla_breached", after__metric="first_response"
        ).count()
        == 1
    )


def test_a_clock_met_late_between_sweeps_is_still_recorded_as_breached(open_case, desk, travel):
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="high", urgency="high")
    travel.move_to(local("2026-06-15 10:30"))  # the worker was down at 10:00
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="Here.")

    assert clocks_sweep() == 1
    breach = CaseEvent.objects.get(case=case, kind="sla_breached")
    assert dt.datetime.fromisoformat(breach.after["met_at"]) == local("2026-06-15 10:30")
    assert not CaseEvent.objects.filter(case=case, kind="sla_warning").exists()


def test_every_update_cycle_is_its_own_target(open_case, desk, travel):
    _premium(desk.customer_a)
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="high", urgency="high")  # P1 Premium Plus: update every hour, 24x7
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="On it.")
    travel.move_to(local("2026-06-15 10:01"))
    clocks_sweep()
    travel.move_to(local("2026-06-15 10:10"))
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="Next.")
    travel.move_to(local("2026-06-15 11:11"))
    clocks_sweep()

    breaches = CaseEvent.objects.filter(case=case, kind="sla_breached", after__metric="update")
    assert sorted(event.after["cycle"] for event in breaches) == [1, 2]


def test_the_vendor_engagement_runs_the_partners_underpinning_plan(open_case, desk, travel):
    from casebridge.parties.models import Organisation
    from tests.cases.helpers import COMPLETE

    Organisation.objects.filter(pk=desk.partner_a.pk).update(vendor_plan="premium_plus")
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="high", urgency="high", **COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_manager, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )

    vendor_first = clock(case, "first_response", engagement="vendor")
    assert (vendor_first.plan, vendor_first.target) == ("premium_plus", dt.timedelta(minutes=30))
    assert clock(case, "first_response").plan == "standard"
    travel.move_to(local("2026-06-15 09:10"))
    act(case, desk.vendor_engineer, "accept")
    assert clock(case, "first_response", engagement="vendor").status == "met"


def test_readings_recompute_identically_from_the_history(open_case, desk, travel):
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="medium", urgency="medium")
    act(case, desk.partner_a_agent, "start")
    travel.move_to(local("2026-06-15 10:00"))
    act(case, desk.partner_a_agent, "wait_on_customer")
    travel.move_to(local("2026-06-16 10:00"))
    act(case, desk.partner_a_agent, "resume")

    stored = {
        (c.engagement, c.metric): (c.status, c.due_at) for c in CaseClock.objects.filter(case=case)
    }
    CaseClock.objects.filter(case=case).delete()
    clocks_repair()
    again = {
        (c.engagement, c.metric): (c.status, c.due_at) for c in CaseClock.objects.filter(case=case)
    }
    assert stored == again
    readings = {(r.engagement, r.metric): r for r in case_readings(case)}
    assert readings[("customer", "resolution")].state.elapsed == H


def test_sweeping_reads_only_due_clocks(open_case, desk, travel, django_assert_max_num_queries):
    travel.move_to(local("2026-06-15 09:00"))
    for _ in range(5):
        open_case(impact="medium", urgency="medium")
    with django_assert_max_num_queries(6):  # policy book (3), vendor, the due-clock read
        assert clocks_sweep() == 0


def test_default_targets_follow_the_product_table(db):
    targets = {(t.plan_id, t.priority): t for t in ServiceTarget.objects.all()}

    premium_p1 = targets[("premium_plus", "P1")]
    assert (premium_p1.first_response, premium_p1.update_interval, premium_p1.resolution) == (
        dt.timedelta(minutes=30),
        H,
        4 * H,
    )
    assert premium_p1.calendar_id == "24x7"
    assert targets[("standard", "P1")].calendar_id == "business-hours"
    assert targets[("standard", "P4")].update_interval is None
    assert len(targets) == 8


def test_a_stored_clock_without_a_reading_is_retired_not_swept_forever(open_case, travel):
    case = open_case(impact="medium", urgency="medium")
    moment = local("2026-06-15 08:00")
    orphan = CaseClock.objects.create(
        case=case,
        engagement="vendor",  # the case was never escalated
        metric="resolution",
        status="running",
        started_at=moment,
        due_at=moment,
        next_check_at=moment,
        computed_at=moment,
    )

    assert clocks_sweep() == 0
    orphan = clock(case, "resolution", engagement="vendor")
    assert (orphan.status, orphan.next_check_at) == ("inactive", None)
    assert not CaseEvent.objects.filter(case=case, kind="sla_breached").exists()


def test_a_met_clock_is_not_rejudged_by_a_later_policy_change(open_case, desk, travel):
    travel.move_to(local("2026-06-15 09:00"))
    case = open_case(impact="high", urgency="high")  # P1 Standard: first response 1 h
    travel.move_to(local("2026-06-15 09:50"))
    services.case_comment(actor=desk.partner_a_agent, case=case, audience="public", body="Here.")
    assert clock(case, "first_response").status == "met"

    sla_services.target_set(
        actor=desk.vendor_admin,
        plan="standard",
        priority="P1",
        calendar="business-hours",
        first_response=dt.timedelta(minutes=15),
        update_interval=2 * H,
        resolution=8 * H,
    )
    clocks_repair()
    travel.move_to(local("2026-06-15 10:30"))
    clocks_sweep()

    first = clock(case, "first_response")
    assert (first.status, first.target) == ("met", H)
    assert not CaseEvent.objects.filter(case=case, kind="sla_breached").exists()
    assert clock(case, "resolution").target == 8 * H
