"""The field-audience matrix: every field of the case schema states its audience, and every role
of every party reads exactly the fields of its audiences — through the API (one case and the
queue), the history, the portal page, e-mail and webhooks.

The fields and their audiences come from the OpenAPI document (``x-audience``), never from a
list in this file: a new field without an audience fails the build, and so does one that
reaches a reader outside it."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
from django.test import Client

from casebridge.api.cases import CaseOut
from casebridge.api.urls import api
from casebridge.cases import audiences, services
from casebridge.cases.models import Case, Engagement
from casebridge.cases.querysets import AUDIENCES_BY_PARTY
from casebridge.core.models import OutboxEvent
from casebridge.notifications import mail, webhooks
from casebridge.notifications.models import Notification
from tests.cases.helpers import COMPLETE

ROLES = {
    "model_1": [
        "customer_a_contact",
        "partner_a_agent",
        "partner_a_manager",
        "vendor_engineer",
        "vendor_admin",
    ],
    "model_2": ["customer_direct_admin", "vendor_engineer", "vendor_admin"],
}


@functools.cache
def schema_fields(name: str) -> dict[str, dict[str, Any]]:
    return api.get_openapi_schema()["components"]["schemas"][name]["properties"]


def reads(person, model: str) -> frozenset[str]:
    """The audiences a person reads, from their party (a model-2 customer reads partner+vendor)."""
    kind = person.organisation.kind
    if kind == "customer" and model == "model_2":
        return frozenset({"public", "partner_vendor"})
    return AUDIENCES_BY_PARTY[kind]


def secret(name: str) -> str:
    return f"SECRET-{name.upper()}"


@pytest.fixture
def cases(desk):
    """An escalated case in each model, with every restricted field filled with a sentinel."""
    made = {}
    for model, (reporter, customer) in {
        "model_1": (desk.customer_a_contact, desk.customer_a),
        "model_2": (desk.customer_direct_admin, desk.customer_direct),
    }.items():
        case, _ = services.case_open(
            actor=reporter,
            customer=customer,
            title="Callers hear silence",
            description="No call reaches an agent.",
            category="incident",
            impact="high",
            urgency="medium",
            guidelines=COMPLETE,
        )
        moment = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        Engagement.objects.filter(case=case).update(status="escalated", tier="l1_basic")
        Engagement.objects.create(
            case=case,
            kind="vendor",
            status="expert",
            tier="l3_expert",
            opened_at=moment,
            status_changed_at=moment,
        )
        restricted = {
            name: secret(name)
            for name, field in schema_fields("CaseOut").items()
            if field["x-audience"] != "public" and "string" in str(field)
        }
        Case.objects.filter(pk=case.pk).update(
            customer_status="escalated",
            vendor_status="expert",
            escalated_at=moment,
            component="sbc",
            submitter=desk.partner_a_manager,
            version_override_by=desk.vendor_engineer,
            **restricted,
        )
        case.refresh_from_db()
        services.case_change_priority(
            actor=desk.vendor_engineer, case=case, priority="P1", reason=secret("priority_why")
        )
        made[model] = Case.objects.get(pk=case.pk)
    return made


def reference(case) -> dict[str, Any]:
    """Everything there is to read, as the schema serialises it."""
    return CaseOut.model_validate(audiences.case_read(None, case)).model_dump(mode="json")


def leaks_in(read: dict[str, Any], full: dict[str, Any], audiences_read, who: str) -> list[str]:
    """Every field of the schema checked for one reader: readable fields as they are, the others
    null (and the fixture must have filled them, or the check would prove nothing)."""
    found = []
    for name, field in schema_fields("CaseOut").items():
        if name == "engagements":
            continue
        if field["x-audience"] in audiences_read:
            if read[name] != full[name] and name != "allowed_actions":
                found.append(f"{who}: {name} hidden from its audience")
        elif read[name] is not None or full[name] is None:
            found.append(f"{who}: {name} = {read[name]!r} (audience {field['x-audience']})")
    seen = {e["kind"]: e for e in read["engagements"]}
    for engagement in full["engagements"]:
        audience = audiences.ENGAGEMENT_AUDIENCE[engagement["kind"]]
        if audience not in audiences_read:
            if engagement["kind"] in seen:
                found.append(f"{who}: the {engagement['kind']} engagement")
            continue
        for name, field in schema_fields("EngagementOut").items():
            mine = seen[engagement["kind"]][name]
            if field["x-audience"] in audiences_read and mine != engagement[name]:
                found.append(f"{who}: engagement {name} hidden from its audience")
            if field["x-audience"] not in audiences_read and mine is not None:
                found.append(f"{who}: engagement {engagement['kind']}.{name} = {mine!r}")
    return found


def test_every_field_of_the_case_schema_states_its_audience():
    missing = [
        f"{schema}.{name}"
        for schema in ("CaseOut", "EngagementOut")
        for name, field in schema_fields(schema).items()
        if field.get("x-audience") not in {"public", "partner_vendor"}
    ]
    assert missing == []
    assert set(schema_fields("CaseOut")) == set(audiences.FIELD_AUDIENCE)


@pytest.mark.parametrize("model", ["model_1", "model_2"])
def test_each_role_reads_exactly_its_fields_through_the_api(desk, cases, api_as, model):
    case = cases[model]
    full = api_as(desk.vendor_admin).get(f"/api/v1/cases/{case.pk}").json()  # reads it all
    assert full["version_override_reason"] == secret("version_override_reason")
    leaks, checked = [], 0
    for role in ROLES[model]:
        person = getattr(desk, role)
        client = api_as(person)
        one = client.get(f"/api/v1/cases/{case.pk}").json()
        queue = client.get("/api/v1/cases", engagement="customer").json()["items"]
        row = next(item for item in queue if item["id"] == case.pk)
        for where, read in (("case", one), ("queue", row)):
            leaks += leaks_in(read, full, reads(person, model), f"{role} {where}")
            checked += len(schema_fields("CaseOut"))
    assert leaks == []
    assert checked >= 2 * len(ROLES[model]) * 40


@pytest.mark.parametrize("model", ["model_1", "model_2"])
def test_each_role_reads_only_its_history_lines_and_details(desk, cases, api_as, model):
    case = cases[model]
    leaks = []
    for role in ROLES[model]:
        person = getattr(desk, role)
        lines = api_as(person).get(f"/api/v1/cases/{case.pk}/events").json()
        readable = reads(person, model)
        for line in lines:
            if line["audience"] not in readable:
                leaks.append(f"{role}: a {line['audience']} line ({line['kind']})")
            for (kind, key), audience in audiences.EVENT_DETAIL_AUDIENCE.items():
                shown = key in line["after"] or key in line["before"]
                if line["kind"] == kind and audience not in readable and shown:
                    leaks.append(f"{role}: {kind}.{key}")
        change = next(line for line in lines if line["kind"] == "priority_changed")
        assert change["after"]["priority"] == "P1"  # the change is public ...
        if "partner_vendor" in readable:
            assert change["after"]["reason"] == secret("priority_why")  # ... its reason not
    assert leaks == []


def test_the_customer_page_shows_no_restricted_value(desk, cases):
    case = cases["model_1"]
    restricted = [
        value
        for name, value in reference(case).items()
        if audiences.FIELD_AUDIENCE[name] != "public" and isinstance(value, str)
    ]
    client = Client()
    client.force_login(desk.customer_a_contact)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    queue = client.get("/cases/").content.decode()

    assert len(restricted) >= 4
    assert [value for value in restricted if value in page or value in queue] == []
    assert secret("priority_why") not in page
    assert "status-vendor" not in page  # the vendor side's status is not shown
    partner = Client()
    partner.force_login(desk.partner_a_agent)
    partner_page = partner.get(f"/cases/{case.pk}/").content.decode()
    assert secret("priority_why") in partner_page
    assert "status-vendor" in partner_page


def test_mail_and_webhooks_carry_only_what_the_recipient_reads(desk, cases):
    case = cases["model_1"]
    event = OutboxEvent.objects.create(
        kind="case.close", payload={"case_id": case.pk}, occurred_at=dt.datetime.now(dt.UTC)
    )
    restricted = [
        value
        for name, value in reference(case).items()
        if audiences.FIELD_AUDIENCE[name] != "public" and isinstance(value, str)
    ]
    assert len(restricted) >= 4
    for person in (desk.customer_a_contact, desk.partner_a_agent):
        notification = Notification.objects.create(
            event=event,
            kind=event.kind,
            case=case,
            recipient=person,
            purpose="inform",
            created_at=event.occurred_at,
        )
        message = mail.compose(notification, {})
        text = message.body + str(message.alternatives[0][0])
        assert [value for value in restricted if value in text] == []
    body = webhooks.body_of(event, case).decode()
    assert [value for value in restricted if value in body] == []
