"""Names and addresses that route mail or identify a party are unique: a help desk address
(case-insensitive), an organisation's name across every kind, an active submitter's e-mail.
Refusals name the field in the service, the API, the portal and the back office; the database
constraints hold under races; the migration copes with duplicates already stored."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from casebridge.core.errors import ValidationFailed
from casebridge.core.models import AuditEvent
from casebridge.notifications.inbound import ingest
from casebridge.parties import services
from casebridge.parties.models import AuthorisedSubmitter, Organisation
from tests.factories import PASSWORD, SubmitterFactory


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


def fields_of(call):
    with pytest.raises(ValidationFailed) as refused:
        call()
    return refused.value.fields


# --- Help desk addresses ---


def test_a_partner_cannot_take_another_desks_address_in_any_case(world):
    services.organisation_update(
        actor=world.vendor_admin, organisation=world.partner_a, helpdesk_email="Help@A.example"
    )
    partner_b_admin = world.partner_b_manager
    partner_b_admin.roles.create(role="admin")

    fields = fields_of(
        lambda: services.organisation_update(
            actor=partner_b_admin, organisation=world.partner_b, helpdesk_email="HELP@a.EXAMPLE"
        )
    )

    assert fields == {"helpdesk_email": ["This address is already another organisation's desk."]}
    world.partner_a.refresh_from_db()
    world.partner_b.refresh_from_db()
    assert (world.partner_a.helpdesk_email, world.partner_b.helpdesk_email) == (
        "help@a.example",
        "",
    )


def test_a_desk_may_not_take_casebridges_own_address(world, settings):
    settings.DEFAULT_FROM_EMAIL = "casebridge <Support@casebridge.example>"

    for address in ("support@casebridge.example", "support+cb-2026-000001@casebridge.example"):
        fields = fields_of(
            lambda address=address: services.organisation_update(
                actor=world.vendor_admin, organisation=world.partner_a, helpdesk_email=address
            )
        )
        assert fields == {"helpdesk_email": ["This is casebridge's own address."]}


def test_the_database_refuses_a_second_desk_with_the_same_address(world):
    Organisation.objects.filter(pk=world.partner_a.pk).update(helpdesk_email="help@a.example")

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=world.partner_b.pk).update(helpdesk_email="HELP@a.example")


def test_the_hijack_no_longer_quarantines_the_real_desks_mail(desk, settings):
    """The reported attack: partner B set partner A's desk address and A's customers' mail
    was quarantined as written to the wrong desk."""
    settings.CASEBRIDGE_MAIL_TRUSTED_MTAS = ["mx.casebridge.example"]
    services.organisation_update(
        actor=desk.vendor_admin,
        organisation=desk.partner_a,
        helpdesk_email="help@a.example",
    )
    with pytest.raises(ValidationFailed):
        services.organisation_update(
            actor=desk.vendor_admin, organisation=desk.partner_b, helpdesk_email="help@a.example"
        )
    raw = (
        "Authentication-Results: mx.casebridge.example; dmarc=pass header.from=customer-a.example"
        f"\r\nFrom: {desk.customer_a_contact.email}\r\nTo: help@a.example\r\n"
        "Subject: Wallboard frozen\r\nMessage-ID: <w@customer-a.example>\r\n\r\nHelp.\r\n"
    ).encode()

    assert ingest(raw).outcome == "case_opened"


# --- Organisation names ---


def test_a_partner_cannot_rename_itself_to_the_vendors_name(world):
    world.partner_b_manager.roles.create(role="admin")

    fields = fields_of(
        lambda: services.organisation_update(
            actor=world.partner_b_manager, organisation=world.partner_b, name="VENDOR ltd"
        )
    )

    assert fields == {"name": ["There is already an organisation with this name."]}
    world.partner_b.refresh_from_db()
    assert world.partner_b.name == "Partner B"


def test_no_organisation_of_another_kind_is_created_under_a_taken_name(world):
    fields = fields_of(
        lambda: services.organisation_create(
            actor=world.vendor_admin, name="partner a", kind="customer"
        )
    )

    assert fields == {"name": ["There is already an organisation with this name."]}


def test_the_database_refuses_a_name_taken_by_another_kind(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=world.customer_a.pk).update(name="PARTNER A")


def test_the_api_names_the_field(world, api_as):
    Organisation.objects.filter(pk=world.partner_a.pk).update(helpdesk_email="help@a.example")

    response = api_as(world.vendor_admin).patch(
        f"/api/v1/organisations/{world.partner_b.pk}",
        {"name": "Vendor Ltd", "helpdesk_email": "help@A.example"},
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "The organisation was not changed.",
        "code": "validation_failed",
        "fields": {
            "name": ["There is already an organisation with this name."],
            "helpdesk_email": ["This address is already another organisation's desk."],
        },
    }


def test_the_back_office_shows_the_refusal_on_the_field(world):
    response = signed_in(world.vendor_admin).post(
        f"/admin/parties/organisation/{world.customer_a.pk}/change/",
        {"name": "Partner B", "kind": "customer", "helpdesk_email": "", "helpdesk_phone": ""},
    )

    assert response.status_code == 200
    assert b"There is already an organisation with this name." in response.content
    world.customer_a.refresh_from_db()
    assert world.customer_a.name == "Customer of A"


# --- Submitters' e-mail ---


def test_a_submitter_cannot_register_an_address_another_submitter_has(world):
    SubmitterFactory(person=world.partner_a_manager, email="desk@a.example")

    fields = fields_of(
        lambda: services.submitter_register(
            actor=world.partner_a_manager,
            person=world.partner_a_agent,
            phone="+31 20 555 0100",
            email="DESK@a.example",
        )
    )

    assert fields == {"email": ["This address already identifies another active submitter."]}


def test_a_submitter_cannot_register_another_persons_sign_in_address(world):
    fields = fields_of(
        lambda: services.submitter_register(
            actor=world.partner_a_manager,
            person=world.partner_a_agent,
            phone="+31 20 555 0100",
            email=world.partner_a_manager.email,
        )
    )

    assert fields == {"email": ["This is another person's sign-in address."]}


def test_the_portal_shows_the_submitter_address_refusal_on_its_field(world):
    SubmitterFactory(person=world.partner_a_manager, email="desk@a.example")

    response = signed_in(world.partner_a_manager).post(
        f"/organisations/{world.partner_a.pk}/submitters/",
        {"person": world.partner_a_agent.pk, "phone": "+31 20 555 0177", "email": "desk@a.example"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert b'data-field="email"' in response.content
    assert b"already identifies another active submitter" in response.content
    assert AuthorisedSubmitter.objects.count() == 1


def test_the_database_refuses_two_active_submitters_with_one_address(world):
    SubmitterFactory(person=world.partner_a_manager, email="desk@a.example")

    with pytest.raises(IntegrityError), transaction.atomic():
        SubmitterFactory(person=world.partner_a_agent, email="Desk@A.example")


def test_a_revoked_submitters_address_may_be_registered_again(world):
    old = SubmitterFactory(person=world.partner_a_manager, email="desk@a.example")
    AuthorisedSubmitter.objects.filter(pk=old.pk).update(active=False)

    again = services.submitter_register(
        actor=world.partner_a_manager,
        person=world.partner_a_agent,
        phone="+31 20 555 0100",
        email="desk@a.example",
    )

    assert again.email == "desk@a.example"
    assert AuditEvent.objects.filter(action="submitter.registered").count() == 1


def test_a_new_person_cannot_take_an_address_a_submitter_is_known_by(world):
    SubmitterFactory(person=world.partner_a_manager, email="desk@a.example")

    fields = fields_of(
        lambda: services.person_create(
            actor=world.vendor_admin,
            organisation=world.partner_b,
            email="Desk@a.example",
            full_name="Someone",
            roles=["agent"],
        )
    )

    assert fields == {"email": ["This address identifies another person as a submitter."]}


# --- The migration over a database that already holds duplicates ---


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_the_migration_settles_duplicates_already_stored_and_audits_each_change():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    core = ("core", "0003_throttles")
    before = [("parties", "0005_organisation_home"), core]
    after = [("parties", "0007_unique_identities"), core]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Org = old.get_model("parties", "Organisation")
    People = old.get_model("parties", "Person")
    Submitter = old.get_model("parties", "AuthorisedSubmitter")
    Audit = old.get_model("core", "AuditEvent")
    vendor = Org.objects.create(name="Acme", slug="acme", kind="vendor")
    partner = Org.objects.create(name="ACME", slug="acme-2", kind="partner")
    first = Org.objects.create(name="Desk One", slug="one", kind="partner", helpdesk_email="")
    thief = Org.objects.create(
        name="Desk Two", slug="two", kind="partner", helpdesk_email="Help@One.example"
    )
    Org.objects.filter(pk=first.pk).update(helpdesk_email="help@one.example")
    # The audit trail shows "Desk One" set the address before "Desk Two" did.
    for organisation, moment in ((first, "2026-01-01T00:00Z"), (thief, "2026-02-01T00:00Z")):
        Audit.objects.create(
            occurred_at=moment,
            actor_label="someone",
            organisation_id=organisation.pk,
            action="organisation.updated",
            target_type="parties.organisation",
            target_id=str(organisation.pk),
            after={"helpdesk_email": "help@one.example"},
        )
    owner = People.objects.create(email="owner@one.example", full_name="O", organisation=first)
    other = People.objects.create(email="other@one.example", full_name="T", organisation=first)
    kept = Submitter.objects.create(person=owner, email="owner@one.example", phone="+31201")
    taken = Submitter.objects.create(person=other, email="OWNER@one.example", phone="+31202")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    Org = new.get_model("parties", "Organisation")
    Submitter = new.get_model("parties", "AuthorisedSubmitter")
    Audit = new.get_model("core", "AuditEvent")

    names = dict(Org.objects.values_list("pk", "name"))
    assert (names[vendor.pk], names[partner.pk]) == ("Acme", "ACME (partner)")
    desks = dict(Org.objects.values_list("pk", "helpdesk_email"))
    assert (desks[first.pk], desks[thief.pk]) == ("help@one.example", "")
    assert Submitter.objects.get(pk=kept.pk).active
    revoked = Submitter.objects.get(pk=taken.pk)
    assert not revoked.active
    assert "Another submitter has this e-mail address" in revoked.deactivated_reason
    changes = Audit.objects.filter(actor_label="system").values_list("action", "target_id")
    assert sorted(changes) == sorted(
        [
            ("organisation.updated", str(partner.pk)),
            ("organisation.updated", str(thief.pk)),
            ("submitter.deactivated", str(taken.pk)),
        ]
    )
