import datetime as dt

import pytest
from django.core.management import call_command

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import OutboxEvent
from casebridge.installed_base import gate, selectors, services
from casebridge.installed_base.choices import GateOutcome, Lifecycle
from casebridge.installed_base.jobs import due_threshold
from casebridge.installed_base.models import EndOfLifeNotice, Installation, Release
from casebridge.installed_base.services import InstallationInput


def install(customer, component, version="", **extra):
    return services.installation_create(
        actor=None,
        customer=customer,
        data=InstallationInput(component=component, version=version, **extra),
    )


def test_states_of_installations_on_a_day(world, releases):
    old = install(world.customer_a, "server_core", "2024.10.1")
    soon = install(world.customer_a, "wallboard", "2025.04.0")
    current = install(world.customer_b, "server_core", "2025.08.1")
    tenant = install(world.customer_b, "tenant")

    states = {
        s.installation: (s.state, s.release, s.end_of_life_on)
        for s in selectors.states_of([old, soon, current, tenant], catalogue=None)
    }

    assert states == {
        old: (Lifecycle.UNSUPPORTED, "2024.10", dt.date(2026, 4, 10)),
        soon: (Lifecycle.ENDING_SOON, "2025.04", dt.date(2026, 8, 1)),
        current: (Lifecycle.SUPPORTED, "2025.08", None),
        tenant: (Lifecycle.NOT_TRACKED, None, None),
    }


def test_the_managing_party_defaults_from_the_catalogue(world, releases):
    model_1 = install(world.customer_a, "wallboard", "2025.08.0")
    model_2 = install(world.customer_direct, "wallboard", "2025.08.0")

    assert (model_1.managing_party, model_2.managing_party) == ("partner", "customer")


def test_overriding_the_managing_party_needs_a_reason(world, releases):
    with pytest.raises(ValidationFailed) as error:
        install(world.customer_a, "tenant", managing_party="customer")

    assert list(error.value.fields) == ["managing_override_reason"]
    overridden = install(
        world.customer_a,
        "tenant",
        managing_party="customer",
        managing_override_reason="Own IT runs it",
    )
    assert overridden.managing_party == "customer"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"component": "gizmo"}, "component", id="unknown-component"),
        pytest.param(
            {"component": "server_core", "version": "1999.01.1"},
            "version",
            id="version-no-release-knows",
        ),
        pytest.param({"component": "server_core"}, "version", id="missing-version"),
        pytest.param(
            {"component": "server_core", "version": "2025.08.1", "environment": "staging"},
            "environment",
            id="bad-environment",
        ),
        pytest.param(
            {"component": "tenant", "managing_party": "partner"},
            "managing_party",
            id="partner-in-model-2",
        ),
    ],
)
def test_bad_installations_are_refused_per_field(world, releases, data, field):
    customer = world.customer_direct if field == "managing_party" else world.customer_a

    with pytest.raises(ValidationFailed) as error:
        services.installation_create(actor=None, customer=customer, data=InstallationInput(**data))

    assert field in error.value.fields
    assert not Installation.objects.exists()


def test_a_second_identical_installation_needs_a_label(world, releases):
    install(world.customer_a, "wallboard", "2025.08.0")

    with pytest.raises(ValidationFailed) as error:
        install(world.customer_a, "wallboard", "2025.08.0")

    assert "label" in error.value.fields
    assert install(world.customer_a, "wallboard", "2025.08.0", label="Floor 2").label == "Floor 2"


@pytest.mark.parametrize(
    ("actor_name", "customer_name", "allowed"),
    [
        ("vendor_engineer", "customer_a", True),
        ("partner_a_manager", "customer_a", True),
        ("partner_a_agent", "customer_a", False),
        ("partner_b_manager", "customer_a", False),
        ("customer_direct_admin", "customer_direct", True),
        ("customer_a_contact", "customer_a", False),
    ],
)
def test_who_may_record_installations(world, releases, actor_name, customer_name, allowed):
    assert (
        services.can_manage_installations_of(
            getattr(world, actor_name), getattr(world, customer_name)
        )
        is allowed
    )


def test_a_refused_writer_writes_nothing(world, releases):
    with pytest.raises(PermissionDenied):
        services.installation_create(
            actor=world.partner_b_manager,
            customer=world.customer_a,
            data=InstallationInput(component="server_core", version="2025.08.1"),
        )

    assert not Installation.objects.exists()


def test_a_partner_sees_only_its_customers_installations(world, releases):
    own = install(world.customer_a, "server_core", "2025.08.1")
    install(world.customer_b, "server_core", "2025.08.1")
    install(world.customer_direct, "server_core", "2025.08.1")

    assert list(selectors.installation_list(actor=world.partner_a_agent)) == [own]
    assert list(selectors.installation_list(actor=world.customer_a_contact)) == [own]
    assert selectors.installation_list(actor=world.vendor_engineer).count() == 3


def test_bundle_mismatch_is_detected_per_environment(world, releases):
    install(world.customer_a, "server_core", "2025.08.1")
    install(world.customer_a, "wallboard", "2025.04.0")
    install(world.customer_a, "server_core", "2024.10.1", environment="test")
    install(world.customer_b, "server_core", "2025.08.1")
    install(world.customer_b, "wallboard", "2025.08.0")

    report = selectors.compliance_report(actor=world.vendor_admin)

    assert [(m.customer, m.environment, m.releases) for m in report.mismatches] == [
        (world.customer_a, "production", {"2025.08": ["server_core"], "2025.04": ["wallboard"]})
    ]


def test_the_compliance_report_counts_exposure_per_partner_and_customer(world, releases):
    install(world.customer_a, "server_core", "2024.10.1")
    install(world.customer_a, "wallboard", "2025.04.0")
    install(world.customer_b, "server_core", "2025.08.1")

    report = selectors.compliance_report(actor=world.vendor_admin)
    partner_view = selectors.compliance_report(actor=world.partner_b_agent)

    assert [(row.organisation, row.exposed) for row in report.by_partner] == [
        (world.partner_a, 2),
        (world.partner_b, 0),
    ]
    assert [row.organisation for row in partner_view.by_customer] == [world.customer_b]
    assert report.totals[Lifecycle.UNSUPPORTED] == 1


def test_the_forecast_moves_states_along_the_months(world, releases):
    install(world.customer_a, "wallboard", "2025.04.0")

    points = selectors.lifecycle_forecast(actor=world.vendor_admin, months=3)

    assert [(day, dict(counts)) for day, counts in points] == [
        (dt.date(2026, 6, 15), {Lifecycle.ENDING_SOON: 1}),
        (dt.date(2026, 7, 1), {Lifecycle.ENDING_SOON: 1}),
        (dt.date(2026, 8, 1), {Lifecycle.UNSUPPORTED: 1}),
        (dt.date(2026, 9, 1), {Lifecycle.UNSUPPORTED: 1}),
    ]


# --- The escalation gate ---


def test_a_supported_version_passes_the_gate(world, releases):
    answer = gate.escalation_gate(
        customer=world.customer_a, component="server_core", version="2025.08.1", priority="P3"
    )

    assert answer.outcome == GateOutcome.ALLOWED
    assert answer.allowed


def test_an_unsupported_version_must_be_upgraded_first(world, releases):
    answer = gate.escalation_gate(
        customer=world.customer_a, component="server_core", version="2024.10.1", priority="P2"
    )

    assert answer.outcome == GateOutcome.UPGRADE_FIRST
    assert not answer.allowed
    assert answer.supported_versions == ("2025.08.1", "2025.04.1")
    assert answer.reason == (
        "server_core 2024.10.1 is past its end of life (2026-04-10): "
        "upgrade first (supported: 2025.08.1, 2025.04.1)."
    )


def test_an_unknown_version_must_be_upgraded_first_too(world, releases):
    answer = gate.escalation_gate(
        customer=world.customer_a, component="server_core", version="1.0", priority="P3"
    )

    assert answer.outcome == GateOutcome.UPGRADE_FIRST


def test_a_p1_is_never_held_back(world, releases):
    answer = gate.escalation_gate(
        customer=world.customer_a, component="server_core", version="2024.10.1", priority="P1"
    )

    assert answer.outcome == GateOutcome.P1_EXEMPT
    assert answer.allowed
    assert answer.state == Lifecycle.UNSUPPORTED


def test_a_vendor_engineer_overrides_with_a_reason(world, releases, matrices):
    answer = gate.escalation_gate(
        customer=world.customer_a,
        component="server_core",
        version="2024.10.1",
        priority="P3",
        overridden_by=world.vendor_engineer,
        override_reason="Upgrade scheduled next week; the fault blocks it",
    )

    assert answer.outcome == GateOutcome.OVERRIDDEN
    assert answer.allowed
    assert world.vendor_engineer.full_name in answer.reason


def test_an_override_needs_a_reason_and_a_vendor_engineer(world, releases, matrices):
    with pytest.raises(ValidationFailed):
        gate.escalation_gate(
            customer=world.customer_a,
            component="server_core",
            version="2024.10.1",
            priority="P3",
            overridden_by=world.vendor_engineer,
            override_reason=" ",
        )
    with pytest.raises(PermissionDenied):
        gate.escalation_gate(
            customer=world.customer_a,
            component="server_core",
            version="2024.10.1",
            priority="P3",
            overridden_by=world.partner_a_manager,
            override_reason="Please",
        )


def test_third_party_components_are_not_gated(world, releases):
    answer = gate.escalation_gate(
        customer=world.customer_a, component="sbc", version="7.2", priority="P4"
    )

    assert answer.outcome == GateOutcome.NOT_TRACKED


# --- Notices ---


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(91, None), (90, 90), (31, 90), (30, 30), (1, 30), (0, 0), (-5, 0)],
)
def test_which_notice_is_due(days_left, threshold):
    end = dt.date(2027, 1, 1)

    assert due_threshold(end, end - dt.timedelta(days=days_left)) == threshold


def test_notices_go_once_to_the_party_responsible_for_updates(world, releases, matrices, frozen):
    soon = install(world.customer_a, "wallboard", "2025.04.0")
    install(world.customer_b, "server_core", "2025.08.1")

    call_command("jobs", "run", "installed_base.end_of_life_notices")
    call_command("jobs", "run", "installed_base.end_of_life_notices")

    notice = EndOfLifeNotice.objects.get()
    assert (notice.installation, notice.days_before, notice.party, notice.organisation) == (
        soon,
        90,
        "partner",
        world.partner_a,
    )
    event = OutboxEvent.objects.get(kind="installed_base.end_of_life_notice")
    assert (
        event.payload["people"] == [world.partner_a_manager.pk]
        or event.payload["organisation_id"] == world.partner_a.pk
    )


# --- Releases ---


@pytest.mark.parametrize(
    ("values", "field"),
    [
        pytest.param({"version": "October"}, "version", id="not-date-style"),
        pytest.param({"version": "2025.08"}, "version", id="duplicate"),
        pytest.param(
            {"end_of_life_on": dt.date(2026, 1, 1)},
            "end_of_life_on",
            id="end-of-life-before-release",
        ),
        pytest.param({"bundle": {"gizmo": "1"}}, "bundle.gizmo", id="unknown-component"),
        pytest.param({"bundle": {"tenant": "1"}}, "bundle.tenant", id="not-vendor-released"),
        pytest.param(
            {"bundle": {"server_core": "2025.08.1"}}, "bundle.server_core", id="overlapping-bundle"
        ),
    ],
)
def test_bad_releases_are_refused_per_field(world, releases, values, field):
    data = {
        "version": "2026.10",
        "released_on": dt.date(2026, 10, 1),
        "bundle": {"server_core": "2026.10.1"},
        **values,
    }

    with pytest.raises(ValidationFailed) as error:
        services.release_create(actor=world.vendor_admin, **data)

    assert field in error.value.fields
    assert Release.objects.count() == 3


def test_only_the_vendor_records_releases(world, releases):
    with pytest.raises(PermissionDenied):
        services.release_create(
            actor=world.partner_a_manager,
            version="2026.10",
            released_on=dt.date(2026, 10, 1),
            bundle={"server_core": "x"},
        )


def test_changing_the_policy_changes_the_states(world, releases):
    old = install(world.customer_a, "server_core", "2024.10.1")

    services.policy_set(actor=world.vendor_admin, kind="last_n_releases", supported_releases=3)

    assert selectors.states_of([old], catalogue=None)[0].state == Lifecycle.SUPPORTED
