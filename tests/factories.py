"""factory-boy factories for the parties. They write rows directly: tests of services call the
services; these only build the world a test starts from."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils.text import slugify

from casebridge.parties.choices import (
    DefaultOperatingModel,
    OrganisationKind,
    Role,
    Scenario,
    SupportLevel,
)
from casebridge.parties.defaults import ensure_default_operating_models
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Certification,
    CustomerRelationship,
    OperatingModel,
    Organisation,
    Person,
    PersonRole,
)

PASSWORD = "correct-horse-battery"


def operating_model(code: str) -> OperatingModel:
    """A default operating model; made again if a transactional test flushed it."""
    ensure_default_operating_models(OperatingModel)
    return OperatingModel.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = OrganisationKind.PARTNER


class VendorFactory(OrganisationFactory):
    name = "Vendor Ltd"
    kind = OrganisationKind.VENDOR

    class Meta:
        model = Organisation
        django_get_or_create = ("kind",)


class PartnerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = OrganisationKind.PARTNER


class CustomerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Customer {n}")
    kind = OrganisationKind.CUSTOMER


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerRelationship

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.SubFactory(PartnerFactory)
    operating_model = factory.LazyFunction(
        lambda: operating_model(DefaultOperatingModel.PARTNER_IMPLEMENTATION)
    )
    scenario = Scenario.CLOUD
    support_plan_id = "standard"
    time_zone = "Europe/Amsterdam"
    country = "NL"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    organisation = factory.SubFactory(PartnerFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            PersonRole.objects.bulk_create(PersonRole(person=self, role=role) for role in extracted)


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    person = factory.SubFactory(PersonFactory)
    level = SupportLevel.L1_BASIC
    issued_on = factory.LazyFunction(lambda: dt.date(2026, 1, 1))
    expires_on = factory.LazyFunction(lambda: dt.date(2027, 12, 31))


class SubmitterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorisedSubmitter

    person = factory.SubFactory(PersonFactory)
    email = factory.LazyAttribute(lambda o: o.person.email)
    phone = factory.Sequence(lambda n: f"+3120555{n:04d}")


MANAGER_ROLES = [Role.MANAGER, Role.ADMIN]
