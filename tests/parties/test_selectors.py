import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from casebridge.core.models import OutboxEvent
from casebridge.parties import selectors
from casebridge.parties.choices import SupportLevel
from casebridge.parties.models import Person
from tests.factories import CertificationFactory, PersonFactory, SubmitterFactory

TODAY = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def names(queryset):
    return sorted(str(item) if not hasattr(item, "name") else item.name for item in queryset)


def test_the_vendor_sees_every_organisation(world):
    assert selectors.organisation_list(actor=world.vendor_admin).count() == 6


def test_a_partner_sees_itself_the_vendor_and_its_own_customers(world):
    visible = names(selectors.organisation_list(actor=world.partner_a_agent))

    assert visible == ["Customer of A", "Partner A", "Vendor Ltd"]


def test_a_customer_sees_itself_its_partner_and_the_vendor(world):
    visible = names(selectors.organisation_list(actor=world.customer_a_contact))

    assert visible == ["Customer of A", "Partner A", "Vendor Ltd"]


def test_a_model_2_customer_sees_itself_and_the_vendor(world):
    visible = names(selectors.organisation_list(actor=world.customer_direct_admin))

    assert visible == ["Direct customer", "Vendor Ltd"]


def test_an_inactive_person_sees_nothing(world):
    world.partner_a_agent.is_active = False

    assert selectors.organisation_list(actor=world.partner_a_agent).count() == 0
    assert selectors.person_list(actor=world.partner_a_agent).count() == 0


def test_a_partner_sees_its_own_and_its_customers_people_only(world):
    people = set(selectors.person_list(actor=world.partner_a_agent))

    assert people == {world.partner_a_manager, world.partner_a_agent, world.customer_a_contact}


def test_a_customer_sees_only_its_own_people(world):
    people = set(selectors.person_list(actor=world.customer_a_contact))

    assert people == {world.customer_a_contact}


def test_certifications_and_submitters_stay_inside_the_organisation(world):
    own = CertificationFactory(person=world.partner_a_agent)
    CertificationFactory(person=world.partner_b_agent)
    own_submitter = SubmitterFactory(person=world.partner_a_agent)
    SubmitterFactory(person=world.partner_b_agent)

    assert list(selectors.certification_list(actor=world.partner_a_manager)) == [own]
    assert list(selectors.submitter_list(actor=world.partner_a_manager)) == [own_submitter]
    assert list(selectors.certification_list(actor=world.customer_a_contact)) == []
    assert selectors.certification_list(actor=world.vendor_engineer).count() == 2


def test_person_list_loads_organisation_and_roles_without_n_plus_1(
    world, django_assert_num_queries
):
    for _ in range(10):
        PersonFactory(organisation=world.partner_a, roles=["agent", "engineer"])
    actor = Person.objects.select_related("organisation").get(pk=world.vendor_admin.pk)

    with django_assert_num_queries(2):
        rows = [
            (p.organisation.name, sorted(p.role_codes)) for p in selectors.person_list(actor=actor)
        ]

    assert len(rows) == 19


@time_machine.travel(TODAY, tick=False)
def test_expiring_lists_valid_certifications_inside_the_window(world):
    soon = CertificationFactory(person=world.partner_a_agent, expires_on=dt.date(2026, 7, 15))
    CertificationFactory(
        person=world.partner_a_agent,
        level=SupportLevel.L2_INTERMEDIATE,
        expires_on=dt.date(2026, 7, 16),
    )
    CertificationFactory(person=world.partner_a_manager, expires_on=dt.date(2026, 6, 14))
    today = CertificationFactory(
        person=world.partner_a_manager,
        level=SupportLevel.L2_INTERMEDIATE,
        expires_on=dt.date(2026, 6, 15),
    )

    expiring = list(selectors.certifications_expiring(actor=world.partner_a_agent, within_days=30))

    assert expiring == [today, soon]


def test_a_negative_window_is_refused(world):
    with pytest.raises(Exception, match="cannot be negative"):
        selectors.certifications_expiring(actor=world.vendor_admin, within_days=-1)


@pytest.mark.parametrize(
    "typed",
    ["+31 20 555 0188", "020-555 0188", "0031205550188", "(020) 5550188"],
)
def test_caller_lookup_finds_the_authorised_submitter_in_any_formatting(world, typed, settings):
    settings.CASEBRIDGE_DEFAULT_PHONE_REGION = "NL"
    SubmitterFactory(person=world.partner_a_agent, phone="+31205550188", verified_at=TODAY)

    match = selectors.caller_lookup(actor=world.vendor_engineer, phone=typed)

    assert match.person == world.partner_a_agent
    assert match.organisation == world.partner_a
    assert match.state == "authorised"


def test_caller_lookup_reports_unverified_and_revoked_submitters(world):
    SubmitterFactory(person=world.partner_a_agent, phone="+31205550188")
    SubmitterFactory(person=world.partner_a_manager, phone="+31205550189", active=False)

    pending = selectors.caller_lookup(actor=world.vendor_engineer, phone="+31205550188")
    revoked = selectors.caller_lookup(actor=world.vendor_engineer, phone="+31205550189")

    assert pending.state == "pending_verification"
    assert revoked.state == "revoked"


def test_caller_lookup_falls_back_to_a_persons_phone_as_not_registered(world):
    world.customer_a_contact.phone = "+31205550190"
    world.customer_a_contact.save()

    match = selectors.caller_lookup(actor=world.vendor_engineer, phone="+31205550190")

    assert match.person == world.customer_a_contact
    assert match.state == "not_registered"


def test_caller_lookup_never_reveals_another_partners_caller(world):
    SubmitterFactory(person=world.partner_b_agent, phone="+31205550188", verified_at=TODAY)

    match = selectors.caller_lookup(actor=world.partner_a_agent, phone="+31205550188")

    assert match.person is None
    assert match.state == "not_registered"


@time_machine.travel(TODAY, tick=False)
def test_the_expiry_job_announces_each_certification_once(world):
    CertificationFactory(person=world.partner_a_agent, expires_on=dt.date(2026, 7, 1))
    CertificationFactory(person=world.partner_b_agent, expires_on=dt.date(2027, 7, 1))

    call_command("jobs", "run", "parties.certifications_expiring")
    call_command("jobs", "run", "parties.certifications_expiring")

    events = OutboxEvent.objects.filter(kind="certification.expiring")
    assert events.count() == 1
    assert events.get().payload["organisation_id"] == world.partner_a.pk
