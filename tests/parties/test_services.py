import datetime as dt

import pytest
import time_machine

from casebridge.core.errors import PermissionDenied, ValidationFailed
from casebridge.core.models import AuditEvent, OutboxEvent
from casebridge.parties import services
from casebridge.parties.choices import DefaultOperatingModel, OrganisationKind, Role, SupportLevel
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Certification,
    CustomerRelationship,
    Organisation,
    Person,
    Training,
)
from casebridge.parties.selectors import submitter_state
from tests.factories import PersonFactory, SubmitterFactory

TODAY = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


# --- Organisations ---


def test_vendor_admin_creates_a_partner_with_audit_and_outbox(world):
    partner = services.organisation_create(
        actor=world.vendor_admin,
        name="Partner C",
        kind=OrganisationKind.PARTNER,
        helpdesk_email="Help@C.example",
        helpdesk_phone="+31 20 555 0177",
    )

    assert partner.helpdesk_email == "help@c.example"
    assert partner.helpdesk_phone == "+31205550177"
    audit = AuditEvent.objects.get(action="organisation.created", target_id=str(partner.pk))
    assert audit.actor == world.vendor_admin
    assert audit.after["name"] == "Partner C"
    assert OutboxEvent.objects.filter(kind="organisation.created").count() == 1


def test_a_second_vendor_is_refused_and_nothing_is_written(world):
    count = Organisation.objects.count()

    with pytest.raises(ValidationFailed) as error:
        services.organisation_create(
            actor=None, name="Another vendor", kind=OrganisationKind.VENDOR
        )

    assert error.value.fields == {
        "kind": ["There is already a vendor; a deployment has exactly one."]
    }
    assert Organisation.objects.count() == count
    assert not AuditEvent.objects.filter(action="organisation.created").exists()


def test_every_problem_is_listed_at_once(world):
    with pytest.raises(ValidationFailed) as error:
        services.organisation_create(
            actor=world.vendor_admin,
            name="",
            kind="reseller",
            helpdesk_email="not-an-address",
            helpdesk_phone="12",
        )

    assert set(error.value.fields) == {"name", "kind", "helpdesk_email", "helpdesk_phone"}


def test_a_duplicate_name_of_the_same_kind_is_refused(world):
    with pytest.raises(ValidationFailed) as error:
        services.organisation_create(
            actor=world.vendor_admin, name="partner a", kind=OrganisationKind.PARTNER
        )

    assert "name" in error.value.fields


@pytest.mark.parametrize(
    "actor_name", ["vendor_engineer", "partner_a_manager", "customer_a_contact"]
)
def test_only_vendor_managers_create_organisations(world, actor_name):
    count = Organisation.objects.count()

    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=getattr(world, actor_name), name="Sneaky", kind=OrganisationKind.PARTNER
        )

    assert Organisation.objects.count() == count


def test_the_vendor_cannot_be_deactivated(world):
    with pytest.raises(ValidationFailed) as error:
        services.organisation_update(
            actor=world.vendor_admin, organisation=world.vendor, is_active=False
        )

    assert "is_active" in error.value.fields
    world.vendor.refresh_from_db()
    assert world.vendor.is_active


def test_relationship_rules_follow_the_operating_model(world):
    with pytest.raises(ValidationFailed) as error:
        services.relationship_set(
            actor=world.vendor_admin,
            customer=world.customer_a,
            partner=None,
            operating_model=DefaultOperatingModel.PARTNER_IMPLEMENTATION,
            scenario="cloud",
            support_plan="standard",
            time_zone="Mars/Olympus",
            country="XX",
        )

    assert set(error.value.fields) == {"partner", "time_zone", "country"}
    relationship = CustomerRelationship.objects.get(customer=world.customer_a)
    assert relationship.partner == world.partner_a


def test_a_relationship_names_a_support_plan_that_exists(world):
    with pytest.raises(ValidationFailed) as error:
        services.relationship_set(
            actor=world.vendor_admin,
            customer=world.customer_a,
            partner=world.partner_a,
            operating_model=DefaultOperatingModel.PARTNER_IMPLEMENTATION,
            scenario="cloud",
            support_plan="gold",
            time_zone="Europe/Amsterdam",
            country="NL",
        )

    assert set(error.value.fields) == {"support_plan"}
    assert "premium_plus" in error.value.fields["support_plan"][0]
    assert CustomerRelationship.objects.get(customer=world.customer_a).support_plan_id == "standard"


def test_moving_a_customer_to_model_2_is_audited(world):
    relationship = services.relationship_set(
        actor=world.vendor_admin,
        customer=world.customer_a,
        partner=None,
        operating_model=DefaultOperatingModel.VENDOR_IMPLEMENTATION,
        scenario="on_premises",
        support_plan="premium_plus",
        time_zone="Europe/Berlin",
        country="de",
    )

    assert relationship.partner is None
    assert relationship.country == "DE"
    assert relationship.support_plan.name == "Premium Plus"
    audit = AuditEvent.objects.get(action="relationship.updated")
    assert audit.before["partner_id"] == world.partner_a.pk
    assert audit.before["operating_model_id"] == "model_1"
    assert audit.after["operating_model_id"] == "model_2"
    assert audit.after["partner_id"] is None


# --- People ---


def test_a_partner_manager_adds_a_colleague(world):
    person = services.person_create(
        actor=world.partner_a_manager,
        organisation=world.partner_a,
        email=" New.Agent@A.example ",
        full_name="New Agent",
        roles=[Role.AGENT],
        phone="020 555 0123",
        support_level=SupportLevel.L1_BASIC,
    )

    assert person.email == "new.agent@a.example"
    assert person.phone == "+31205550123"
    assert person.role_codes == {Role.AGENT}
    assert not person.has_usable_password()


def test_a_person_cannot_join_a_second_organisation(world):
    with pytest.raises(ValidationFailed) as error:
        services.person_create(
            actor=world.vendor_admin,
            organisation=world.partner_b,
            email="AGENT@a.example",
            full_name="Same person",
        )

    assert "email" in error.value.fields
    assert Person.objects.filter(email="agent@a.example").count() == 1


@pytest.mark.parametrize(
    ("fields", "problem_field"),
    [
        pytest.param({"email": "nope"}, "email", id="invalid-email"),
        pytest.param({"phone": "call me"}, "phone", id="invalid-phone"),
        pytest.param({"roles": ["customer_contact"]}, "roles", id="contact-role-at-partner"),
        pytest.param({"roles": ["wizard"]}, "roles", id="unknown-role"),
        pytest.param({"support_level": "l3_expert"}, "support_level", id="vendor-level-at-partner"),
        pytest.param({"is_staff": True}, "is_staff", id="back-office-outside-vendor"),
    ],
)
def test_bad_person_input_is_refused_per_field(world, fields, problem_field):
    count = Person.objects.count()
    values = {"email": "ok@a.example", "full_name": "Someone", **fields}

    with pytest.raises(ValidationFailed) as error:
        services.person_create(
            actor=world.partner_a_manager, organisation=world.partner_a, **values
        )

    assert problem_field in error.value.fields
    assert Person.objects.count() == count


def test_a_partner_manager_cannot_add_people_to_another_partner(world):
    with pytest.raises(PermissionDenied):
        services.person_create(
            actor=world.partner_a_manager,
            organisation=world.partner_b,
            email="spy@b.example",
            full_name="Spy",
        )

    assert not Person.objects.filter(email="spy@b.example").exists()


def test_a_partner_manager_may_add_contacts_to_its_own_customer(world):
    person = services.person_create(
        actor=world.partner_a_manager,
        organisation=world.customer_a,
        email="new@customer-a.example",
        full_name="New contact",
        roles=[Role.CUSTOMER_CONTACT],
    )

    assert person.organisation == world.customer_a


def test_people_change_their_own_name_but_not_their_roles(world):
    services.person_update(
        actor=world.partner_a_agent, person=world.partner_a_agent, full_name="Renamed"
    )

    with pytest.raises(PermissionDenied):
        services.person_update(
            actor=world.partner_a_agent, person=world.partner_a_agent, roles=[Role.ADMIN]
        )

    world.partner_a_agent.refresh_from_db()
    assert world.partner_a_agent.full_name == "Renamed"
    assert set(world.partner_a_agent.roles.values_list("role", flat=True)) == {Role.AGENT}


def test_role_changes_are_audited_with_before_and_after(world):
    services.person_update(
        actor=world.partner_a_manager,
        person=world.partner_a_agent,
        roles=[Role.AGENT, Role.ENGINEER],
    )

    audit = AuditEvent.objects.get(action="person.updated")
    assert audit.before["roles"] == ["agent"]
    assert audit.after["roles"] == ["agent", "engineer"]


def test_deactivating_a_person_revokes_their_submitter_registration(world):
    SubmitterFactory(person=world.partner_a_agent, verified_at=TODAY)

    services.person_update(
        actor=world.partner_a_manager, person=world.partner_a_agent, is_active=False
    )

    assert submitter_state(world.partner_a_agent) == "revoked"


# --- Certifications and trainings ---


def test_the_vendor_records_a_certification(world):
    certification = services.certification_record(
        actor=world.vendor_admin,
        person=world.partner_a_agent,
        level=SupportLevel.L1_BASIC,
        issued_on=dt.date(2026, 1, 10),
        expires_on=dt.date(2028, 1, 10),
        reference="C-1",
    )

    assert certification.pk
    event = OutboxEvent.objects.get(kind="certification.recorded")
    assert event.payload["organisation_id"] == world.partner_a.pk


@pytest.mark.parametrize(
    ("issued_on", "expires_on", "field"),
    [
        pytest.param(
            dt.date(2026, 5, 1), dt.date(2026, 4, 30), "expires_on", id="expiry-before-issue"
        ),
        pytest.param(
            dt.date(2026, 5, 1), dt.date(2026, 5, 1), "expires_on", id="expiry-on-issue-day"
        ),
        pytest.param(
            dt.date(2026, 7, 1), dt.date(2028, 7, 1), "issued_on", id="issued-in-the-future"
        ),
    ],
)
def test_impossible_certification_dates_are_refused(world, issued_on, expires_on, field):
    with pytest.raises(ValidationFailed) as error:
        services.certification_record(
            actor=world.vendor_admin,
            person=world.partner_a_agent,
            level=SupportLevel.L1_BASIC,
            issued_on=issued_on,
            expires_on=expires_on,
        )

    assert field in error.value.fields
    assert not Certification.objects.exists()


def test_partners_cannot_certify_themselves(world):
    with pytest.raises(PermissionDenied):
        services.certification_record(
            actor=world.partner_a_manager,
            person=world.partner_a_agent,
            level=SupportLevel.L1_BASIC,
            issued_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2027, 1, 1),
        )

    assert not Certification.objects.exists()


def test_the_first_two_trainees_of_a_partner_are_in_the_fee(world):
    third = PersonFactory(organisation=world.partner_a)
    first = services.training_record(
        actor=world.vendor_admin,
        person=world.partner_a_agent,
        level=SupportLevel.L1_BASIC,
        held_on=dt.date(2026, 1, 5),
    )
    first_again = services.training_record(
        actor=world.vendor_admin,
        person=world.partner_a_agent,
        level=SupportLevel.L2_INTERMEDIATE,
        held_on=dt.date(2026, 2, 5),
    )
    second = services.training_record(
        actor=world.vendor_admin,
        person=world.partner_a_manager,
        level=SupportLevel.L1_BASIC,
        held_on=dt.date(2026, 3, 5),
    )
    third_trainee = services.training_record(
        actor=world.vendor_admin,
        person=third,
        level=SupportLevel.L1_BASIC,
        held_on=dt.date(2026, 4, 5),
    )
    other_partner = services.training_record(
        actor=world.vendor_admin,
        person=world.partner_b_agent,
        level=SupportLevel.L1_BASIC,
        held_on=dt.date(2026, 4, 5),
    )

    assert [
        t.included_in_fee for t in (first, first_again, second, third_trainee, other_partner)
    ] == [
        True,
        True,
        True,
        False,
        True,
    ]


def test_trainings_are_only_for_partners_people(world):
    with pytest.raises(ValidationFailed) as error:
        services.training_record(
            actor=world.vendor_admin,
            person=world.customer_a_contact,
            level=SupportLevel.L1_BASIC,
            held_on=dt.date(2026, 1, 5),
        )

    assert "person" in error.value.fields
    assert not Training.objects.exists()


# --- Authorised submitters ---


def test_a_partner_manager_registers_and_the_vendor_verifies(world):
    submitter = services.submitter_register(
        actor=world.partner_a_manager, person=world.partner_a_agent, phone="020 555 0188"
    )
    assert submitter.phone == "+31205550188"
    assert submitter.email == "agent@a.example"
    assert submitter_state(world.partner_a_agent) == "pending_verification"

    services.submitter_verify(actor=world.vendor_admin, submitter=submitter)

    assert submitter_state(world.partner_a_agent) == "authorised"
    assert AuditEvent.objects.filter(action="submitter.verified").count() == 1


def test_a_duplicate_submitter_is_refused(world):
    SubmitterFactory(person=world.partner_a_agent, phone="+31205550188")

    with pytest.raises(ValidationFailed) as error:
        services.submitter_register(
            actor=world.partner_a_manager, person=world.partner_a_agent, phone="+31205550199"
        )

    assert "person" in error.value.fields
    assert AuthorisedSubmitter.objects.count() == 1


def test_a_phone_number_identifies_one_active_submitter(world):
    SubmitterFactory(person=world.partner_a_agent, phone="+31205550188")

    with pytest.raises(ValidationFailed) as error:
        services.submitter_register(
            actor=world.partner_a_manager, person=world.partner_a_manager, phone="0031 20 555 0188"
        )

    assert "phone" in error.value.fields


def test_customers_in_model_1_do_not_submit_to_the_vendor(world):
    with pytest.raises(ValidationFailed) as error:
        services.submitter_register(
            actor=world.vendor_admin, person=world.customer_a_contact, phone="+31205550111"
        )

    assert "person" in error.value.fields


def test_customers_in_model_2_register_their_own_submitters(world):
    submitter = services.submitter_register(
        actor=world.customer_direct_admin, person=world.customer_direct_admin, phone="+31205550112"
    )

    assert submitter.pk


def test_a_partner_cannot_register_another_partners_people(world):
    with pytest.raises(PermissionDenied):
        services.submitter_register(
            actor=world.partner_a_manager, person=world.partner_b_agent, phone="+31205550113"
        )

    assert not AuthorisedSubmitter.objects.exists()


def test_only_the_vendor_verifies(world):
    submitter = SubmitterFactory(person=world.partner_a_agent)

    with pytest.raises(PermissionDenied):
        services.submitter_verify(actor=world.partner_a_manager, submitter=submitter)

    submitter.refresh_from_db()
    assert submitter.verified_at is None


def test_a_revoked_submitter_cannot_be_verified(world):
    submitter = SubmitterFactory(person=world.partner_a_agent, active=False)

    with pytest.raises(ValidationFailed):
        services.submitter_verify(actor=world.vendor_admin, submitter=submitter)


def test_revoking_needs_a_reason_and_frees_the_phone_number(world):
    submitter = SubmitterFactory(person=world.partner_a_agent, phone="+31205550188")
    with pytest.raises(ValidationFailed):
        services.submitter_deactivate(
            actor=world.partner_a_manager, submitter=submitter, reason=" "
        )

    services.submitter_deactivate(
        actor=world.partner_a_manager, submitter=submitter, reason="Left the company"
    )
    again = services.submitter_register(
        actor=world.partner_a_manager, person=world.partner_a_manager, phone="+31205550188"
    )

    assert again.phone == "+31205550188"
