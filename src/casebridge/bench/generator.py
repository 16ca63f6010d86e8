"""A realistic data set in bulk, deterministic by seed.

One vendor, its partners (eight people each: agents, and managers who are certified authorised
submitters), customers with a contact, an operating model, a plan and three installations each,
and cases spread over the last three years: a Priority 1 in fifty, most closed, the recent ones
open in every status, one in seven of the partner-served ones escalated to the vendor. Each case
carries the rows the services would have written — engagements, about ten history events that
the clock derivation understands, comments and stored clocks — and the case row's queue keys.

Parties, releases and installations go through the ORM (tens of thousands of rows); cases and
everything under them through :class:`~casebridge.bench.bulk.BulkWriter`, one transaction per
chunk, so a million cases build in minutes. The same seed and sizes always give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from casebridge.bench.bulk import BulkWriter, duration_format, reset_sequences, timestamp_format
from casebridge.cases import search
from casebridge.cases.data.severity_and_guidelines import SEVERITY
from casebridge.cases.models import Case, CaseClock, CaseEvent, CaseSequence, Comment, Engagement
from casebridge.core import clock
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.models import Installation
from casebridge.parties.models import (
    AuthorisedSubmitter,
    Certification,
    CustomerRelationship,
    Organisation,
    Person,
    PersonRole,
)
from casebridge.rasci.models import MatrixVersion
from casebridge.reports.services import reports_rebuild
from casebridge.sla.defaults import ALWAYS_OPEN, DEFAULT_TARGETS

#: How often each priority is chosen (weights).
PRIORITY_MIX = (("P1", 2), ("P2", 13), ("P3", 55), ("P4", 30))
#: An impact and urgency that the default severity matrix maps to each priority.
LEVELS: dict[str, tuple[str, str]] = {}
for _levels, _priority in SEVERITY.items():
    LEVELS.setdefault(_priority, _levels)
#: Share of a partner's cases its desk escalates to the vendor.
ESCALATED_SHARE = 0.15
ZONES = (
    ("Europe/Amsterdam", "NL"),
    ("Europe/Berlin", "DE"),
    ("America/New_York", "US"),
    ("Asia/Singapore", "SG"),
)
TITLES = (
    "Callers hear silence after the menu",
    "Wallboard shows no queue statistics",
    "Agents cannot sign in to the client",
    "Calls drop after thirty seconds",
    "Reports are empty since the update",
    "Transfer to an external number fails",
    "Voicemail is not delivered by e-mail",
    "Queue music stops after the first loop",
)
#: Syllables of the made-up host names in descriptions: 10,000 names, each in about one case in
#: 5,000, so a search for a case's two host names is as selective as a real error code.
_SYLLABLES = ("ka", "ro", "mi", "te", "lu", "sa", "no", "vi", "de", "pa")


def host_word(n: int) -> str:
    """The made-up host name numbered ``n`` (0 … 9,999), four syllables."""
    return "".join(_SYLLABLES[(n // 10**place) % 10] for place in range(4))


def host_words(case_id: int) -> tuple[str, str]:
    """The two host names a case's description mentions."""
    return host_word(case_id * 7919 % 10_000), host_word(case_id * 104_729 % 9_973)


COMPONENTS = ("sbc", "server_core", "wallboard", "tenant", "sip_trunk", "product_backend")
GUIDELINES = {
    "expected_behaviour": "Calls reach an agent.",
    "actual_behaviour": "Callers hear silence after the menu.",
    "error_messages": "SIP 488 Not Acceptable Here",
    "steps_to_reproduce": "Call the main number and press 1.",
    "frequency": "constant",
    "business_impact": "Customer calls go unanswered.",
    "actions_taken": "Restarted the session border controller; no change.",
    "evidence": "trace.har, sbc.log",
}
RULED_OUT = '["tenant", "teams", "network", "sbc", "firewall"]'
#: Wall-clock stretch of a business-hours target (8 working hours a weekday: ~4.2 times as long).
BUSINESS_STRETCH = 4.2
CHUNK = 5_000


@dataclass
class Customer:
    id: int
    partner: int | None
    model: str
    plan: str
    contact: tuple[int, str]


@dataclass
class World:
    """The people the cases are written by, by organisation."""

    vendor_engineers: list[tuple[int, str]] = field(default_factory=list)
    agents: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    managers: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    customers: list[Customer] = field(default_factory=list)
    matrix: dict[str, int] = field(default_factory=dict)


@dataclass
class Totals:
    cases: int = 0
    engagements: int = 0
    events: int = 0
    comments: int = 0
    clocks: int = 0
    search_entries: int = 0
    report_entries: int = 0


class NotEmpty(Exception):
    """The generator only builds into a freshly migrated database."""


def _people(world: World, partners: list[Organisation], per_partner: int) -> list[Person]:
    unusable = make_password(None)
    rows = []
    for p, partner in enumerate(partners):
        for k in range(per_partner):
            rows.append(
                Person(
                    email=f"p{p:04d}-{k}@partner{p:04d}.example",
                    full_name=f"Partner {p:04d} person {k}",
                    organisation=partner,
                    password=unusable,
                    phone=f"+3120{p:04d}{k:03d}",
                    support_level="l2_intermediate" if k < 2 else "l1_basic",
                )
            )
    return Person.objects.bulk_create(rows, batch_size=2000)


def build_parties(
    rng: random.Random, *, partners: int, customers: int, people_per_partner: int
) -> World:
    """The vendor, partners, customers and their people (ORM bulk inserts)."""
    world = World()
    today = clock.today()
    vendor = Organisation.objects.create(name="Bench Vendor", slug="vendor", kind="vendor")
    engineers = Person.objects.bulk_create(
        Person(
            email=f"engineer{n}@vendor.example",
            full_name=f"Vendor engineer {n}",
            organisation=vendor,
            password=make_password(None),
            support_level="l3_expert" if n % 4 == 0 else "l2_advanced",
        )
        for n in range(max(4, partners // 12))
    )
    world.vendor_engineers = [(person.pk, person.email) for person in engineers]
    partner_rows = Organisation.objects.bulk_create(
        Organisation(
            name=f"Partner {n:04d}",
            slug=f"partner-{n:04d}",
            kind="partner",
            vendor_plan_id="premium_plus" if n % 10 == 0 else None,
        )
        for n in range(partners)
    )
    people = _people(world, partner_rows, max(people_per_partner, 4))
    for person in people:
        bucket = world.managers if person.support_level == "l2_intermediate" else world.agents
        bucket.setdefault(person.organisation_id, []).append((person.pk, person.email))
    roles = [PersonRole(person=person, role="engineer") for person in engineers]
    roles += [
        PersonRole(person=p, role="manager" if p.support_level == "l2_intermediate" else "agent")
        for p in people
    ]
    certifications = [
        Certification(
            person=person,
            level=level,
            issued_on=today - dt.timedelta(days=300),
            expires_on=today + dt.timedelta(days=400 + rng.randrange(300)),
        )
        for person in people
        for level in ("l1_basic", "l2_intermediate")
        if person.support_level == "l2_intermediate" or level == "l1_basic"
    ]
    submitters = [
        AuthorisedSubmitter(
            person=person, email=person.email, phone=person.phone, verified_at=clock.now()
        )
        for person in people
        if person.support_level == "l2_intermediate"
    ]
    customer_rows = Organisation.objects.bulk_create(
        (
            Organisation(name=f"Customer {n:05d}", slug=f"customer-{n:05d}", kind="customer")
            for n in range(customers)
        ),
        batch_size=5000,
    )
    relationships = []
    contacts = []
    unusable = make_password(None)
    for n, customer in enumerate(customer_rows):
        zone, country = ZONES[n % len(ZONES)]
        direct = n % 10 == 0  # model 2: the vendor is the customer's desk
        relationships.append(
            CustomerRelationship(
                customer=customer,
                partner=None if direct else partner_rows[rng.randrange(partners)],
                operating_model_id="model_2" if direct else "model_1",
                scenario="cloud" if n % 3 else "on_premises",
                support_plan_id="premium_plus" if n % 4 == 0 else "standard",
                time_zone=zone,
                country=country,
            )
        )
        contacts.append(
            Person(
                email=f"contact@customer{n:05d}.example",
                full_name=f"Contact of customer {n:05d}",
                organisation=customer,
                password=unusable,
                phone=f"+3130{n:06d}",
            )
        )
    CustomerRelationship.objects.bulk_create(relationships, batch_size=5000)
    contacts = Person.objects.bulk_create(contacts, batch_size=5000)
    roles += [PersonRole(person=person, role="customer_contact") for person in contacts]
    PersonRole.objects.bulk_create(roles, batch_size=5000)
    Certification.objects.bulk_create(certifications, batch_size=5000)
    AuthorisedSubmitter.objects.bulk_create(submitters, batch_size=5000)
    world.customers = [
        Customer(
            id=relationship.customer_id,
            partner=relationship.partner_id,
            model=relationship.operating_model_id,
            plan=relationship.support_plan_id,
            contact=(contact.pk, contact.email),
        )
        for relationship, contact in zip(relationships, contacts, strict=True)
    ]
    world.matrix = dict(
        MatrixVersion.objects.filter(status="published").values_list("operating_model_id", "pk")
    )
    return world


def build_installed_base(world: World) -> int:
    """Three releases and three installations per customer, some on an old version."""
    today = clock.today()
    versions = []
    for months_ago in (26, 14, 4):
        released = today - dt.timedelta(days=30 * months_ago)
        version = f"{released:%Y.%m}"
        installed_base_services.release_create(
            actor=None,
            version=version,
            released_on=released,
            bundle={"server_core": f"{version}.1", "wallboard": f"{version}.0"},
        )
        versions.append(version)
    rows = []
    for n, customer in enumerate(world.customers):
        managing = "customer" if customer.model == "model_2" else "partner"
        version = versions[n % 3]
        rows += [
            Installation(
                customer_id=customer.id,
                component_id=component,
                version=f"{version}.{suffix}",
                managing_party=managing,
            )
            for component, suffix in (("server_core", 1), ("wallboard", 0))
        ]
        rows.append(
            Installation(customer_id=customer.id, component_id="sbc", managing_party=managing)
        )
    Installation.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


# --- Cases ---

_TARGETS = {
    (plan, priority): (first, resolve, calendar)
    for plan, priority, first, _update, resolve, calendar in DEFAULT_TARGETS
}


def _wall(target: dt.timedelta | None, calendar: str) -> dt.timedelta | None:
    if target is None:
        return None
    return target if calendar == ALWAYS_OPEN else target * BUSINESS_STRETCH


class CaseBuilder:
    """Writes one case at a time into the bulk writers; ids of cases and comments are given
    here (the tables start empty), the rest come from the database."""

    def __init__(
        self, rng: random.Random, world: World, now: dt.datetime, span: dt.timedelta, total: int
    ) -> None:
        self.rng = rng
        self.ts = timestamp_format()
        self.duration = duration_format()
        self.total = max(total, 1)
        self.world = world
        self.now = now
        self.span = span
        self.numbers: dict[int, int] = {}
        self.comment_id = 0
        self.cases = BulkWriter(
            Case,
            [
                "id",
                "created_at",
                "updated_at",
                "number",
                "customer_id",
                "partner_id",
                "reporter_id",
                "title",
                "description",
                "category",
                "impact",
                "urgency",
                "priority",
                "component_id",
                "tier",
                "assignee_id",
                "matrix_version_id",
                "revision",
                "escalated_at",
                "closed_at",
                "submitter_id",
                "customer_status",
                "vendor_status",
                "customer_due_at",
                "vendor_due_at",
                *GUIDELINES,
                "causes_ruled_out",
            ],
        )
        self.engagements = BulkWriter(
            Engagement,
            [
                "created_at",
                "updated_at",
                "case_id",
                "kind",
                "status",
                "tier",
                "assignee_id",
                "opened_at",
                "status_changed_at",
                "closed_at",
            ],
        )
        self.events = BulkWriter(
            CaseEvent,
            [
                "case_id",
                "occurred_at",
                "actor_id",
                "actor_label",
                "kind",
                "engagement",
                "audience",
                "before",
                "after",
            ],
        )
        self.comments = BulkWriter(
            Comment, ["id", "case_id", "author_id", "audience", "body", "body_html", "created_at"]
        )
        self.clocks = BulkWriter(
            CaseClock,
            [
                "case_id",
                "engagement",
                "metric",
                "status",
                "plan",
                "priority",
                "calendar",
                "target",
                "started_at",
                "due_at",
                "warn_at",
                "met_at",
                "cycle",
                "warned_cycle",
                "breached_cycle",
                "next_check_at",
                "computed_at",
            ],
        )
        self.pending: dict[str, list[tuple[object, ...]]] = {
            "cases": [],
            "engagements": [],
            "events": [],
            "comments": [],
            "clocks": [],
        }

    # One case's story: the steps, then when each happened.

    def _steps(self, escalated: bool, direct: bool) -> list[tuple[str, ...]]:
        """(op, engagement, kind or audience, target status, who) from opening to closing."""
        rng = self.rng
        desk = "vendor" if direct else "agent"
        steps: list[tuple[str, ...]] = [("act", "customer", "opened", "new", "contact")]
        if rng.random() < 0.3:
            steps.append(("act", "customer", "triage", "triage", desk))
        steps.append(("act", "customer", "start", "in_progress", desk))
        steps.append(("comment", "public", desk))
        if rng.random() < 0.5:
            steps.append(("comment", "partner_internal" if not direct else "vendor_internal", desk))
        if rng.random() < 0.4:
            steps.append(("act", "customer", "wait_on_customer", "waiting_on_customer", desk))
            steps.append(("comment", "public", "contact"))
            steps.append(("act", "customer", "status_followed", "in_progress", "contact"))
        if escalated:
            steps.append(("act", "customer", "escalate", "escalated", "manager"))
            steps.append(("act", "vendor", "submitted", "submitted", "manager"))
            steps.append(("act", "vendor", "accept", "investigating", "engineer"))
            steps.append(("comment", "partner_vendor", "engineer"))
            if rng.random() < 0.3:
                steps.append(("act", "vendor", "to_expert", "expert", "engineer"))
            if rng.random() < 0.4:
                steps.append(
                    ("act", "vendor", "request_information", "waiting_on_partner", "engineer")
                )
                steps.append(("act", "vendor", "answer", "investigating", "manager"))
            steps.append(("act", "vendor", "provide_solution", "solution_provided", "engineer"))
            steps.append(("act", "vendor", "confirm", "confirmed", "manager"))
            steps.append(("act", "customer", "status_followed", "solution_proposed", "manager"))
        else:
            steps.append(("act", "customer", "propose_solution", "solution_proposed", desk))
        steps.append(("comment", "public", "contact"))
        steps.append(("act", "customer", "resolve", "resolved", desk))
        steps.append(("act", "customer", "close", "closed", desk))
        return steps

    def add(self, case_id: int) -> Totals:
        rng, world, now = self.rng, self.world, self.now
        created = now - self.span + self.span * ((case_id - 0.5 + rng.random() * 0.5) / self.total)
        age = now - created
        customer = world.customers[rng.randrange(len(world.customers))]
        direct = customer.partner is None
        escalated = not direct and rng.random() < ESCALATED_SHARE
        priority = rng.choices([p for p, _ in PRIORITY_MIX], weights=[w for _, w in PRIORITY_MIX])[
            0
        ]
        if age < dt.timedelta(days=7):
            open_chance = 0.7
        elif age < dt.timedelta(days=45):
            open_chance = 0.35
        else:
            open_chance = 0.01
        steps = self._steps(escalated, direct)
        stop = len(steps)
        if rng.random() < open_chance:
            stop = rng.randrange(1, len(steps) - 1)  # somewhere before closing
        steps = steps[:stop]
        # When each step happened: P1s in hours, others over days; open ones end before now.
        lasting = dt.timedelta(hours=rng.uniform(2, 30)) if priority == "P1" else None
        lasting = lasting or dt.timedelta(days=rng.uniform(0.5, 20))
        end = min(created + lasting, now - dt.timedelta(minutes=5))
        gaps = sorted(rng.random() for _ in range(len(steps) - 1))
        moments = [created] + [created + (end - created) * gap for gap in gaps]

        agents = world.agents.get(customer.partner or 0) or world.vendor_engineers
        managers = world.managers.get(customer.partner or 0) or world.vendor_engineers
        who = {
            "contact": customer.contact,
            "agent": agents[case_id % len(agents)],
            "manager": managers[case_id % len(managers)],
            "engineer": world.vendor_engineers[case_id % len(world.vendor_engineers)],
            "vendor": world.vendor_engineers[case_id % len(world.vendor_engineers)],
        }
        status = {"customer": "", "vendor": ""}
        since = {"customer": created, "vendor": created}
        answered: dict[str, dt.datetime] = {}
        done: dict[str, dt.datetime] = {}
        opened: dict[str, dt.datetime] = {"customer": created}
        number = self._number(created.year)
        totals = Totals(cases=1)
        for step, at in zip(steps, moments, strict=True):
            if step[0] == "comment":
                _op, audience, role = step
                self.comment_id += 1
                author = who[role]
                body = "We are looking into it." if role != "contact" else "Thank you."
                self.pending["comments"].append(
                    (
                        self.comment_id,
                        case_id,
                        author[0],
                        audience,
                        body,
                        f"<p>{body}</p>",
                        self.ts(at),
                    )
                )
                self._event(
                    case_id,
                    at,
                    author,
                    "commented",
                    "",
                    audience,
                    "{}",
                    f'{{"comment_id": {self.comment_id}}}',
                )
                totals.comments += 1
                totals.events += 1
                if audience == "public" and role != "contact":
                    answered.setdefault("customer", at)
                if audience == "partner_vendor" and role == "engineer":
                    answered.setdefault("vendor", at)
                continue
            _op, engagement, kind, target, role = step
            before = status[engagement]
            status[engagement] = target
            since[engagement] = at
            if kind == "submitted":
                opened["vendor"] = at
            if kind in ("wait_on_customer", "propose_solution", "resolve"):
                answered.setdefault("customer", at)
            if kind in ("accept", "request_information", "provide_solution"):
                answered.setdefault("vendor", at)
            if target in (
                "solution_proposed",
                "resolved",
                "closed",
                "solution_provided",
                "confirmed",
            ):
                done.setdefault(engagement, at)
            elif target in ("in_progress", "investigating"):
                done.pop(engagement, None)
            audience = "public" if engagement == "customer" else "partner_vendor"
            if kind == "opened":
                after = f'{{"number": "{number}", "priority": "{priority}", "matrix_version": "1"}}'
                before_json = "{}"
            else:
                after = f'{{"status": "{target}"}}'
                before_json = f'{{"status": "{before}"}}'
            self._event(case_id, at, who[role], kind, engagement, audience, before_json, after)
            totals.events += 1
        last = moments[-1]
        closed = status["customer"] == "closed"
        escalated_now = status["vendor"] != ""
        component = (
            COMPONENTS[case_id % len(COMPONENTS)] if escalated or rng.random() < 0.5 else None
        )
        tier = "l1_basic"
        if escalated_now:
            tier = (
                "l3_expert"
                if any(s[2] == "to_expert" for s in steps if s[0] == "act")
                else "l2_advanced"
            )
        due: dict[str, dt.datetime | None] = {"customer": None, "vendor": None}
        for engagement in ("customer", "vendor") if escalated_now else ("customer",):
            plan = customer.plan
            waiting = status[engagement] in (
                "waiting_on_customer",
                "waiting_on_partner",
                "solution_provided",
            )
            due[engagement] = self._clocks(
                case_id,
                engagement,
                plan,
                priority,
                opened[engagement],
                answered.get(engagement),
                done.get(engagement),
                waiting,
            )
            totals.clocks += 2
        guidelines = (
            tuple(GUIDELINES.values()) if escalated or component else ("",) * len(GUIDELINES)
        )
        self.pending["cases"].append(
            (
                case_id,
                self.ts(created),
                self.ts(last),
                number,
                customer.id,
                customer.partner,
                who["contact"][0],
                TITLES[case_id % len(TITLES)],
                "Reported by the customer's contact; details in the conversation. Hosts: "
                + " and ".join(host_words(case_id))
                + ".",
                "incident" if case_id % 5 else "question",
                *LEVELS[priority],
                priority,
                component,
                tier,
                None if closed else who["agent"][0],
                world.matrix[customer.model],
                len(steps) + 1,
                self.ts(opened["vendor"]) if escalated_now else None,
                self.ts(last) if closed else None,
                who["manager"][0] if escalated_now else None,
                status["customer"],
                status["vendor"],
                self.ts(due["customer"]) if due["customer"] else None,
                self.ts(due["vendor"]) if due["vendor"] else None,
                *guidelines,
                RULED_OUT if guidelines[0] else "[]",
            )
        )
        for engagement in ("customer", "vendor") if escalated_now else ("customer",):
            final = status[engagement] in ("closed", "confirmed")
            self.pending["engagements"].append(
                (
                    self.ts(opened[engagement]),
                    self.ts(since[engagement]),
                    case_id,
                    engagement,
                    status[engagement],
                    "l1_basic" if engagement == "customer" else tier,
                    who["agent" if engagement == "customer" else "engineer"][0],
                    self.ts(opened[engagement]),
                    self.ts(since[engagement]),
                    self.ts(since[engagement]) if final else None,
                )
            )
            totals.engagements += 1
        return totals

    def _number(self, year: int) -> str:
        self.numbers[year] = self.numbers.get(year, 0) + 1
        return f"CB-{year}-{self.numbers[year]:06d}"

    def _event(
        self,
        case_id: int,
        at: dt.datetime,
        actor: tuple[int, str],
        kind: str,
        engagement: str,
        audience: str,
        before: str,
        after: str,
    ) -> None:
        self.pending["events"].append(
            (case_id, self.ts(at), actor[0], actor[1], kind, engagement, audience, before, after)
        )

    def _clocks(
        self,
        case_id: int,
        engagement: str,
        plan: str,
        priority: str,
        opened: dt.datetime,
        answered: dt.datetime | None,
        done: dt.datetime | None,
        waiting: bool,
    ) -> dt.datetime | None:
        """First response and resolution, as the sweep would have left them; returns the next
        due time of a running or breached clock."""
        first, resolve, calendar = _TARGETS[(plan, priority)]
        now = self.now
        next_due = None
        for metric, target, met in (
            ("first_response", first, answered),
            ("resolution", resolve, done),
        ):
            wall = _wall(target, calendar)
            due_at = opened + wall if wall is not None else None
            warn_at = opened + wall * 0.75 if wall is not None else None
            warned = breached = 0
            next_check = None
            if met is not None:
                status = "met" if due_at is None or met <= due_at else "missed"
                if status == "missed":
                    warned = breached = 1
            elif due_at is None:
                status = "inactive"
            elif waiting and metric == "resolution":
                status, due_at, warn_at = "paused", None, None
            elif due_at <= now:
                status, warned, breached = "breached", 1, 1
            else:
                status = "running"
                assert warn_at is not None
                warned = 1 if warn_at <= now else 0
                next_check = due_at if warned else warn_at
            if status in ("running", "breached") and due_at is not None:
                next_due = min(next_due or due_at, due_at)
            self.pending["clocks"].append(
                (
                    case_id,
                    engagement,
                    metric,
                    status,
                    plan,
                    priority,
                    calendar,
                    self.duration(target) if target is not None else None,
                    self.ts(opened),
                    self.ts(due_at) if due_at else None,
                    self.ts(warn_at) if warn_at else None,
                    self.ts(met) if met else None,
                    1,
                    warned,
                    breached,
                    self.ts(next_check) if next_check else None,
                    self.ts(now),
                )
            )
        return next_due

    def flush(self) -> None:
        for name, writer in (
            ("cases", self.cases),
            ("engagements", self.engagements),
            ("comments", self.comments),
            ("events", self.events),
            ("clocks", self.clocks),
        ):
            writer.write(self.pending[name])
            self.pending[name] = []


def generate(
    *,
    cases: int,
    seed: int = 1,
    partners: int = 500,
    customers: int = 20_000,
    people_per_partner: int = 8,
    years: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> Totals:
    """Build the data set into this (freshly migrated, empty) database."""
    if cases < 0 or partners < 1 or customers < 1:
        raise ValueError("cases must be 0 or more; partners and customers at least 1")
    if Organisation.objects.exists() or Case.objects.exists():
        raise NotEmpty(
            "the database already holds organisations or cases; generate into a freshly "
            "migrated, empty database"
        )
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    # Naive UTC throughout: the bulk writer formats it without time-zone arithmetic.
    now = clock.now().astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    with transaction.atomic():
        world = build_parties(
            rng, partners=partners, customers=customers, people_per_partner=people_per_partner
        )
        build_installed_base(world)
    builder = CaseBuilder(rng, world, now, dt.timedelta(days=365 * years), cases)
    totals = Totals()
    done = 0
    while done < cases:
        size = min(CHUNK, cases - done)
        with transaction.atomic():
            for case_id in range(done + 1, done + size + 1):
                made = builder.add(case_id)
                totals.cases += made.cases
                totals.engagements += made.engagements
                totals.events += made.events
                totals.comments += made.comments
                totals.clocks += made.clocks
            builder.flush()
        done += size
        if progress is not None:
            progress(done, cases)
    with transaction.atomic():
        CaseSequence.objects.bulk_create(
            CaseSequence(year=year, last=last) for year, last in builder.numbers.items()
        )
        reset_sequences(Case, Comment)
    with transaction.atomic():
        totals.search_entries = search.index_rebuild()
    # The report rollups, as the outbox handler would have kept them (bulk rows send no events).
    totals.report_entries = reports_rebuild().entries
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would leave them
        cursor.execute("ANALYZE")
    return totals
