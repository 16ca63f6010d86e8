"""Root-cause analyses: opened from a resolved Priority 1, owned per the matrix, signed off."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casebridge.cases import services as case_services
from casebridge.cases.models import CaseEvent
from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.core.outbox import outbox_drain
from casebridge.parties.models import Organisation, Person
from casebridge.rca import selectors, services
from casebridge.rca.exports import rca_pdf
from casebridge.rca.models import Rca
from casebridge.rca.selectors import RcaFilters
from tests.cases.helpers import act, in_days

AMS = ZoneInfo("Europe/Amsterdam")


def local(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


def test_resolving_a_p1_needs_its_cause(desk, open_case):
    case = open_case(impact="high", urgency="high")
    act(case, desk.partner_a_agent, "start")
    act(case, desk.partner_a_agent, "propose_solution")

    with pytest.raises(ValidationFailed) as error:
        act(case, desk.partner_a_agent, "resolve")

    assert "attribution" in error.value.fields
    assert not Rca.objects.exists()


@pytest.mark.parametrize(
    ("attribution", "owner", "parties"),
    [
        ("vendor_component", "vendor", {("partner", "C"), ("customer", "I")}),
        ("partner_infrastructure", "partner", {("vendor", "C")}),
        ("customer_infrastructure", "partner", {("vendor", "C")}),
        ("third_party", "partner", {("vendor", "C")}),
        ("unknown", "partner", {("vendor", "C")}),
    ],
)
def test_model_1_ownership_follows_the_matrix(desk, resolved_p1, attribution, owner, parties):
    case = resolved_p1(attribution)

    rca = Rca.objects.get(case=case)
    assert rca.owner_party == owner
    assert rca.owner == (desk.vendor if owner == "vendor" else desk.partner_a)
    assert rca.accountable == rca.owner
    assert {(p["party"], p["letters"]) for p in rca.parties} == parties
    assert rca.timeline[0]["text"] == "Case opened"
    assert CaseEvent.objects.filter(case=case, kind="rca_opened").count() == 1
    assert OutboxEvent.objects.filter(kind="rca.opened").count() == 1


@pytest.mark.parametrize(
    ("attribution", "owner"),
    [
        ("vendor_component", "vendor"),
        ("customer_infrastructure", "customer"),
        ("unknown", "customer"),
    ],
)
def test_model_2_ownership_follows_the_matrix(desk, resolved_p1, attribution, owner):
    Person.objects.filter(pk=desk.customer_direct_admin.pk).update(support_level="l1_basic")
    desk.customer_direct_admin.refresh_from_db()
    case = resolved_p1(
        attribution, customer=desk.customer_direct, worker=desk.customer_direct_admin
    )

    rca = Rca.objects.get(case=case)
    assert rca.owner == (desk.vendor if owner == "vendor" else desk.customer_direct)
    assert rca.owner_party == owner


def test_opening_is_idempotent_and_needs_a_resolved_p1(desk, resolved_p1, open_case):
    case = resolved_p1()
    assert services.rca_sync_for_case(case.pk).pk == Rca.objects.get(case=case).pk
    assert Rca.objects.count() == 1
    p2 = open_case(impact="high", urgency="medium")
    act(p2, desk.partner_a_agent, "start")
    act(p2, desk.partner_a_agent, "propose_solution")
    act(p2, desk.partner_a_agent, "resolve")
    outbox_drain()
    assert services.rca_sync_for_case(p2.pk) is None


def test_the_safety_net_opens_a_missed_rca(desk, resolved_p1):
    from casebridge.rca.jobs import open_missing

    case = resolved_p1(drain=False)
    assert not Rca.objects.exists()
    assert open_missing() == 1
    assert open_missing() == 0
    assert Rca.objects.get(case=case).owner == desk.partner_a


def test_changing_the_cause_reassigns_the_rca(desk, resolved_p1):
    case = resolved_p1("customer_infrastructure")
    case_services.case_set_attribution(
        actor=desk.partner_a_agent,
        case=case,
        attribution="vendor_component",
        reason="The vendor found a media-server defect.",
    )
    outbox_drain()

    rca = Rca.objects.get(case=case)
    assert (rca.owner, rca.activity, rca.attribution) == (
        desk.vendor,
        "rca.vendor_cause",
        "vendor_component",
    )
    event = CaseEvent.objects.get(case=case, kind="rca_reassigned")
    assert event.after["before"] == {"attribution": "customer_infrastructure", "owner": "Partner A"}
    assert CaseEvent.objects.filter(case=case, kind="attribution_changed").count() == 1


def test_the_due_date_counts_the_owners_working_days(desk, open_case):
    Organisation.objects.filter(pk=desk.partner_a.pk).update(
        time_zone="Europe/Amsterdam", country="NL"
    )
    with time_machine.travel(local("2026-04-23 15:00"), tick=False):  # Thursday
        case = open_case(impact="high", urgency="high")
        for action in ("start", "propose_solution"):
            act(case, desk.partner_a_agent, action)
        act(case, desk.partner_a_agent, "resolve", attribution="unknown")
        outbox_drain()

    rca = Rca.objects.get(case=case)
    # Fri 24, (weekend, King's Day Mon 27), Tue 28, Wed 29, Thu 30, Fri 1 May; end of day.
    assert rca.due_at == local("2026-05-01 17:00")


def test_overdue_rcas_are_flagged_once_and_listed(desk, resolved_p1):
    case = resolved_p1()
    rca = Rca.objects.get(case=case)
    overdue = RcaFilters(overdue=True)

    assert services.rca_flag_overdue() == 0
    assert list(selectors.rca_list(actor=desk.partner_a_agent, filters=overdue)) == []
    later = rca.due_at + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert services.rca_flag_overdue() == 1
        assert services.rca_flag_overdue() == 0
        assert list(selectors.rca_list(actor=desk.partner_a_agent, filters=overdue)) == [rca]
    assert OutboxEvent.objects.filter(kind="rca.overdue").count() == 1


def fill(rca, actor):
    services.rca_update(
        actor=actor,
        rca=rca,
        changes={
            "impact": "All inbound calls failed for 40 minutes.",
            "root_cause": "An expired SBC certificate.",
            "contributing_factors": "Internal: the renewal reminder went to a left employee.",
            "public_summary": "A certificate expired; it is renewed and now monitored.",
        },
    )


def test_drafts_are_the_owners_the_signed_rca_is_everyones(desk, resolved_p1):
    case = resolved_p1("customer_infrastructure")
    rca = Rca.objects.get(case=case)
    owner = desk.partner_a_manager

    def visible(person):
        return list(selectors.rca_list(actor=person, filters=RcaFilters()))

    assert visible(desk.partner_a_agent) == [rca]
    for outsider in (desk.customer_a_contact, desk.partner_b_manager):
        assert visible(outsider) == []
    # The matrix names the vendor C: it reaches the RCA, as a party, not its draft.
    assert visible(desk.vendor_engineer) == [rca]
    assert selectors.view_of(desk.vendor_engineer, rca) == selectors.FULL
    assert selectors.published_content(desk.vendor_engineer, rca) is None

    fill(rca, owner)
    services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Renew the SBC certificate.",
            "owner": desk.partner_a_agent,
            "due_on": in_days(30),
        },
    )
    services.rca_sign(actor=owner, rca=rca)

    assert visible(desk.customer_a_contact) == [rca]
    assert visible(desk.vendor_engineer) == [rca]
    assert visible(desk.partner_b_manager) == []
    public = selectors.published_content(desk.customer_a_contact, rca)
    assert public["public_summary"].startswith("A certificate expired")
    assert "contributing_factors" not in public
    assert "timeline" not in public
    assert "owner" not in public["actions"][0]
    full = selectors.published_content(desk.vendor_engineer, rca)
    assert full["contributing_factors"].startswith("Internal")


def test_sign_off_lists_what_is_missing_and_signed_rcas_need_a_new_revision(desk, resolved_p1):
    case = resolved_p1()
    rca = Rca.objects.get(case=case)
    owner = desk.partner_a_manager

    with pytest.raises(ValidationFailed) as error:
        services.rca_sign(actor=owner, rca=rca)
    assert set(error.value.fields) == {"impact", "root_cause", "public_summary", "actions"}
    with pytest.raises(PermissionDenied):
        services.rca_sign(actor=desk.partner_a_agent, rca=rca)  # not a manager
    with pytest.raises(ValidationFailed) as ownerless:
        services.rca_action_add(
            actor=owner,
            rca=rca,
            values={"kind": "corrective", "description": "Renew", "owner": None, "due_on": None},
        )
    assert set(ownerless.value.fields) == {"owner_id", "due_on"}

    fill(rca, owner)
    services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Renew the certificate.",
            "owner": desk.partner_a_agent,
            "due_on": in_days(30),
        },
    )
    services.rca_sign(actor=owner, rca=rca)
    with pytest.raises(services.SignedRca) as signed:
        services.rca_update(actor=owner, rca=rca, changes={"impact": "Changed"})
    assert signed.value.status == 409
    rca.refresh_from_db()
    assert rca.impact == "All inbound calls failed for 40 minutes."

    services.rca_new_revision(actor=owner, rca=rca, reason="The vendor found a second cause.")
    services.rca_update(actor=owner, rca=rca, changes={"impact": "Calls failed for 45 minutes."})
    rca.refresh_from_db()
    assert (rca.status, rca.revision) == ("draft", 2)
    published = selectors.published_content(desk.customer_a_contact, rca)
    assert published["revision"] == 1
    assert published["impact"] == "All inbound calls failed for 40 minutes."


def test_the_pdf_export_holds_the_signed_text(desk, resolved_p1):
    from pypdf import PdfReader

    case = resolved_p1()
    rca = Rca.objects.get(case=case)
    owner = desk.partner_a_manager
    fill(rca, owner)
    services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "preventive",
            "description": "Monitor certificate expiry — 30 days ahead.",
            "owner": desk.partner_a_agent,
            "due_on": in_days(30),
        },
    )
    services.rca_action_add(
        actor=owner,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Renew the certificate.",
            "owner": desk.partner_a_agent,
            "due_on": in_days(1),
        },
    )
    services.rca_sign(actor=owner, rca=rca)

    for reader, expected, hidden in (
        (desk.partner_a_manager, "An expired SBC certificate.", None),
        (desk.customer_a_contact, "now monitored", "left employee"),
    ):
        document = rca_pdf(reader, Rca.objects.get(pk=rca.pk))
        assert document.startswith(b"%PDF")
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)
        assert case.number in text
        assert expected in text
        assert "Monitor certificate expiry — 30 days ahead." in text
        if hidden:
            assert hidden not in text


def test_the_vendor_named_by_the_matrix_reaches_the_rca_not_the_case_nor_another_partner(
    desk, resolved_p1
):
    from casebridge.cases.models import Case
    from casebridge.core.errors import NotFound

    case = resolved_p1("partner_infrastructure")  # model 1, never escalated: the vendor is C
    rca = Rca.objects.get(case=case)

    assert set(rca.named.values_list("pk", flat=True)) == {desk.vendor.pk}
    assert selectors.access_rca(desk.vendor_engineer, rca.pk) == rca
    assert not Case.objects.visible_to(desk.vendor_engineer).filter(pk=case.pk).exists()
    for outsider in (desk.partner_b_manager, desk.customer_b_contact):
        with pytest.raises(NotFound):
            selectors.access_rca(outsider, rca.pk)
        assert list(selectors.rca_list(actor=outsider, filters=RcaFilters())) == []


def test_reassigning_the_rca_renames_the_parties_it_is_shown_to(desk, resolved_p1):
    case = resolved_p1("vendor_component")  # the vendor owns it; partner C, customer I
    rca = Rca.objects.get(case=case)
    assert set(rca.named.values_list("pk", flat=True)) == {desk.partner_a.pk, desk.customer_a.pk}

    case_services.case_set_attribution(
        actor=desk.partner_a_agent,
        case=case,
        attribution="partner_infrastructure",
        reason="The partner's firewall dropped the calls.",
    )
    outbox_drain()

    rca.refresh_from_db()
    assert rca.owner == desk.partner_a
    assert set(rca.named.values_list("pk", flat=True)) == {desk.vendor.pk}
    assert selectors.access_rca(desk.vendor_engineer, rca.pk) == rca
