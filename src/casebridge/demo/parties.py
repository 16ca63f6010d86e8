"""The demo's parties: one vendor, three partners (one not qualified), eight customers over both
operating models and both scenarios, people in every role, some certifications expiring soon.

Everything is created through the services, so the demo obeys the same rules as real data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from casebridge.core import clock
from casebridge.demo.cases import load_cases
from casebridge.demo.installed_base import load_installed_base
from casebridge.parties import services
from casebridge.parties.choices import (
    DefaultOperatingModel,
    DefaultSupportPlan,
    OrganisationKind,
    Role,
    Scenario,
    SupportLevel,
)
from casebridge.parties.models import Organisation, Person

# Demo mode only: the demo command refuses to run otherwise.
DEMO_PASSWORD = "casebridge-demo"
VENDOR_NAME = "Lumen Contact Software"


class DemoConflict(Exception):
    """The database holds a different vendor: the demo would mix with real data."""


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str]] = field(default_factory=list)


LOGINS = [
    ("Vendor administrator (back office)", "admin@lumen.example"),
    ("Vendor L2 Advanced engineer", "sam.okafor@lumen.example"),
    ("Vendor L3 Expert engineer", "ines.duarte@lumen.example"),
    ("Partner agent (qualified partner)", "agent@bluewater.example"),
    ("Partner manager (qualified partner)", "manager@bluewater.example"),
    ("Partner agent (partner NOT qualified)", "agent@harbor.example"),
    ("Customer contact (model 1)", "it@rijnland-care.example"),
    ("Customer administrator (model 2)", "admin@polder-energy.example"),
    ("Customer Level 1 agent (model 2)", "helpdesk@polder-energy.example"),
]

# name, kind, helpdesk e-mail, helpdesk phone
PARTNERS = [
    ("Bluewater Telecom", "help@bluewater.example", "+31 20 555 0100"),
    ("Kestrel Integrations", "support@kestrel.example", "+44 20 7946 0100"),
    ("Harbor Unified", "desk@harbor.example", "+49 30 5557 0100"),
]

# customer, operating model, partner (model 1), scenario, plan, time zone, country
CUSTOMERS = [
    (
        "Rijnland Care Group",
        DefaultOperatingModel.PARTNER_IMPLEMENTATION,
        "Bluewater Telecom",
        Scenario.CLOUD,
        DefaultSupportPlan.PREMIUM_PLUS,
        "Europe/Amsterdam",
        "NL",
    ),
    (
        "Delta Water Board",
        DefaultOperatingModel.PARTNER_IMPLEMENTATION,
        "Bluewater Telecom",
        Scenario.ON_PREMISES,
        DefaultSupportPlan.STANDARD,
        "Europe/Amsterdam",
        "NL",
    ),
    (
        "Thames Mutual Insurance",
        DefaultOperatingModel.PARTNER_IMPLEMENTATION,
        "Kestrel Integrations",
        Scenario.CLOUD,
        DefaultSupportPlan.STANDARD,
        "Europe/London",
        "GB",
    ),
    (
        "Pennine Housing",
        DefaultOperatingModel.PARTNER_IMPLEMENTATION,
        "Kestrel Integrations",
        Scenario.CLOUD,
        DefaultSupportPlan.PREMIUM_PLUS,
        "Europe/London",
        "GB",
    ),
    (
        "Spree Logistics",
        DefaultOperatingModel.PARTNER_IMPLEMENTATION,
        "Harbor Unified",
        Scenario.ON_PREMISES,
        DefaultSupportPlan.STANDARD,
        "Europe/Berlin",
        "DE",
    ),
    (
        "Polder Energy",
        DefaultOperatingModel.VENDOR_IMPLEMENTATION,
        None,
        Scenario.CLOUD,
        DefaultSupportPlan.PREMIUM_PLUS,
        "Europe/Amsterdam",
        "NL",
    ),
    (
        "Alster Bank",
        DefaultOperatingModel.VENDOR_IMPLEMENTATION,
        None,
        Scenario.ON_PREMISES,
        DefaultSupportPlan.PREMIUM_PLUS,
        "Europe/Berlin",
        "DE",
    ),
    (
        "Clyde Retail",
        DefaultOperatingModel.VENDOR_IMPLEMENTATION,
        None,
        Scenario.CLOUD,
        DefaultSupportPlan.STANDARD,
        "Europe/London",
        "GB",
    ),
]

# organisation, e-mail, name, roles, support level, phone
PEOPLE = [
    (VENDOR_NAME, "admin@lumen.example", "Maria de Vries", [Role.ADMIN, Role.MANAGER], "", ""),
    (VENDOR_NAME, "support.manager@lumen.example", "Jonas Berg", [Role.MANAGER], "", ""),
    (
        VENDOR_NAME,
        "sam.okafor@lumen.example",
        "Sam Okafor",
        [Role.ENGINEER, Role.AGENT],
        SupportLevel.L2_ADVANCED,
        "+31 20 555 0201",
    ),
    (
        VENDOR_NAME,
        "ines.duarte@lumen.example",
        "Ines Duarte",
        [Role.ENGINEER],
        SupportLevel.L3_EXPERT,
        "+31 20 555 0202",
    ),
    (
        "Bluewater Telecom",
        "manager@bluewater.example",
        "Pieter Jansen",
        [Role.MANAGER, Role.ADMIN],
        "",
        "+31 20 555 0110",
    ),
    (
        "Bluewater Telecom",
        "agent@bluewater.example",
        "Fatima El Amrani",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+31 20 555 0111",
    ),
    (
        "Bluewater Telecom",
        "lotte@bluewater.example",
        "Lotte Visser",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+31 20 555 0112",
    ),
    (
        "Bluewater Telecom",
        "engineer@bluewater.example",
        "Daan Smit",
        [Role.ENGINEER],
        SupportLevel.L2_INTERMEDIATE,
        "+31 6 5555 0113",
    ),
    (
        "Bluewater Telecom",
        "noor@bluewater.example",
        "Noor Bakker",
        [Role.ENGINEER],
        SupportLevel.L2_INTERMEDIATE,
        "+31 6 5555 0114",
    ),
    (
        "Kestrel Integrations",
        "manager@kestrel.example",
        "Oliver Hughes",
        [Role.MANAGER, Role.ADMIN],
        "",
        "+44 20 7946 0110",
    ),
    (
        "Kestrel Integrations",
        "agent@kestrel.example",
        "Priya Shah",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+44 20 7946 0111",
    ),
    (
        "Kestrel Integrations",
        "engineer@kestrel.example",
        "Tom Reid",
        [Role.ENGINEER],
        SupportLevel.L2_INTERMEDIATE,
        "+44 20 7946 0112",
    ),
    (
        "Kestrel Integrations",
        "ella@kestrel.example",
        "Ella Murphy",
        [Role.ENGINEER, Role.AGENT],
        SupportLevel.L2_INTERMEDIATE,
        "+44 20 7946 0113",
    ),
    (
        "Harbor Unified",
        "manager@harbor.example",
        "Katrin Vogel",
        [Role.MANAGER, Role.ADMIN],
        "",
        "+49 30 5557 0110",
    ),
    (
        "Harbor Unified",
        "agent@harbor.example",
        "Lukas Weber",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+49 30 5557 0111",
    ),
    (
        "Harbor Unified",
        "mia@harbor.example",
        "Mia Schulz",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+49 30 5557 0112",
    ),
    (
        "Harbor Unified",
        "engineer@harbor.example",
        "Jan Fischer",
        [Role.ENGINEER],
        SupportLevel.L2_INTERMEDIATE,
        "+49 151 5557 0113",
    ),
    (
        "Rijnland Care Group",
        "it@rijnland-care.example",
        "Hanna de Boer",
        [Role.CUSTOMER_CONTACT],
        "",
        "+31 71 555 0120",
    ),
    (
        "Delta Water Board",
        "ict@deltawater.example",
        "Ruben Mulder",
        [Role.CUSTOMER_CONTACT],
        "",
        "",
    ),
    (
        "Thames Mutual Insurance",
        "servicedesk@thames-mutual.example",
        "Grace Lewis",
        [Role.CUSTOMER_CONTACT],
        "",
        "",
    ),
    ("Pennine Housing", "it@pennine.example", "Harry Walker", [Role.CUSTOMER_CONTACT], "", ""),
    ("Spree Logistics", "it@spree.example", "Anna Becker", [Role.CUSTOMER_CONTACT], "", ""),
    (
        "Polder Energy",
        "admin@polder-energy.example",
        "Bram Hendriks",
        [Role.ADMIN, Role.CUSTOMER_CONTACT],
        "",
        "+31 10 555 0130",
    ),
    (
        "Polder Energy",
        "helpdesk@polder-energy.example",
        "Sara Koster",
        [Role.AGENT],
        SupportLevel.L1_BASIC,
        "+31 10 555 0131",
    ),
    (
        "Alster Bank",
        "ops@alster-bank.example",
        "Felix Braun",
        [Role.ADMIN, Role.CUSTOMER_CONTACT],
        "",
        "+49 40 5557 0140",
    ),
    (
        "Clyde Retail",
        "it@clyde-retail.example",
        "Isla Campbell",
        [Role.CUSTOMER_CONTACT, Role.AGENT],
        "",
        "",
    ),
]

# e-mail, level, issued days ago, expires in days (relative to today, so the demo stays current)
CERTIFICATIONS = [
    ("agent@bluewater.example", SupportLevel.L1_BASIC, 300, 400),
    ("lotte@bluewater.example", SupportLevel.L1_BASIC, 700, 21),
    ("engineer@bluewater.example", SupportLevel.L2_INTERMEDIATE, 200, 500),
    ("engineer@bluewater.example", SupportLevel.L1_BASIC, 500, 200),
    ("noor@bluewater.example", SupportLevel.L2_INTERMEDIATE, 650, 12),
    ("agent@kestrel.example", SupportLevel.L1_BASIC, 100, 600),
    ("ella@kestrel.example", SupportLevel.L1_BASIC, 90, 640),
    ("ella@kestrel.example", SupportLevel.L2_INTERMEDIATE, 90, 640),
    ("engineer@kestrel.example", SupportLevel.L2_INTERMEDIATE, 710, 27),
    # Harbor Unified: two L1 Basic but only one valid L2 Intermediate (the other expired).
    ("agent@harbor.example", SupportLevel.L1_BASIC, 120, 300),
    ("mia@harbor.example", SupportLevel.L1_BASIC, 400, 330),
    ("engineer@harbor.example", SupportLevel.L2_INTERMEDIATE, 300, 430),
    ("manager@harbor.example", SupportLevel.L2_INTERMEDIATE, 800, -35),
    ("sam.okafor@lumen.example", SupportLevel.L2_ADVANCED, 200, 530),
    ("ines.duarte@lumen.example", SupportLevel.L3_EXPERT, 400, 330),
    ("helpdesk@polder-energy.example", SupportLevel.L1_BASIC, 60, 670),
]

# e-mail, submitter phone, verified
SUBMITTERS = [
    ("manager@bluewater.example", "+31 20 555 0110", True),
    ("engineer@bluewater.example", "+31 6 5555 0113", True),
    ("noor@bluewater.example", "+31 6 5555 0114", False),
    ("engineer@kestrel.example", "+44 20 7946 0112", True),
    ("engineer@harbor.example", "+49 151 5557 0113", True),
    ("admin@polder-energy.example", "+31 10 555 0130", True),
    ("ops@alster-bank.example", "+49 40 5557 0140", True),
]

# e-mail, level, held days ago (the first two trainees of a partner are in the fee)
TRAININGS = [
    ("agent@bluewater.example", SupportLevel.L1_BASIC, 310),
    ("engineer@bluewater.example", SupportLevel.L2_INTERMEDIATE, 210),
    ("noor@bluewater.example", SupportLevel.L2_INTERMEDIATE, 660),
    ("agent@kestrel.example", SupportLevel.L1_BASIC, 110),
    ("engineer@harbor.example", SupportLevel.L2_INTERMEDIATE, 310),
]


def load_parties() -> DemoResult:
    """Create the demo parties once; a second call changes nothing."""
    vendor = Organisation.objects.filter(kind=OrganisationKind.VENDOR).first()
    if vendor is not None:
        if vendor.name != VENDOR_NAME:
            raise DemoConflict(
                f"This database already belongs to the vendor {vendor.name!r}; the demo needs "
                "an empty database (point DATABASE_URL at another one)."
            )
        return DemoResult(created=False, logins=LOGINS)
    with transaction.atomic():
        _create_all(clock.today())
        load_installed_base()
        load_cases()
    return DemoResult(created=True, logins=LOGINS)


def _create_all(today: dt.date) -> None:
    organisations: dict[str, Organisation] = {}
    organisations[VENDOR_NAME] = services.organisation_create(
        actor=None,
        name=VENDOR_NAME,
        kind=OrganisationKind.VENDOR,
        helpdesk_email="support@lumen.example",
        helpdesk_phone="+31 20 555 0199",
    )
    for name, email, phone in PARTNERS:
        organisations[name] = services.organisation_create(
            actor=None,
            name=name,
            kind=OrganisationKind.PARTNER,
            helpdesk_email=email,
            helpdesk_phone=phone,
        )
    for name, model, partner, scenario, plan, time_zone, country in CUSTOMERS:
        customer = services.organisation_create(
            actor=None, name=name, kind=OrganisationKind.CUSTOMER
        )
        organisations[name] = customer
        services.relationship_set(
            actor=None,
            customer=customer,
            partner=organisations[partner] if partner else None,
            operating_model=model,
            scenario=scenario,
            support_plan=plan,
            time_zone=time_zone,
            country=country,
        )
    people: dict[str, Person] = {}
    for organisation, email, name, roles, level, phone in PEOPLE:
        people[email] = services.person_create(
            actor=None,
            organisation=organisations[organisation],
            email=email,
            full_name=name,
            roles=roles,
            phone=phone,
            support_level=level,
            password=DEMO_PASSWORD,
            is_staff=organisation == VENDOR_NAME and Role.ADMIN in roles,
        )
    for email, level, issued_ago, expires_in in CERTIFICATIONS:
        services.certification_record(
            actor=None,
            person=people[email],
            level=level,
            issued_on=today - dt.timedelta(days=issued_ago),
            expires_on=today + dt.timedelta(days=expires_in),
            reference=f"CERT-{people[email].pk:04d}-{level.upper()}",
        )
    for email, level, held_ago in TRAININGS:
        services.training_record(
            actor=None,
            person=people[email],
            level=level,
            held_on=today - dt.timedelta(days=held_ago),
        )
    for email, phone, verified in SUBMITTERS:
        submitter = services.submitter_register(actor=None, person=people[email], phone=phone)
        if verified:
            services.submitter_verify(actor=None, submitter=submitter)
