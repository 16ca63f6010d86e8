"""The isolation matrix: every API operation, derived from the OpenAPI document, tried by every
role of partner A and customer A (and anonymously) against objects of partner B's side.

Each path parameter is either an object of another organisation (``FOREIGN``) or a value that
names no tenant's data (``FIXED``); operations on shared configuration are listed in ``SHARED``.
A new endpoint whose parameter is in neither map, or whose only parameters are fixed without
being declared shared, fails the build: scoping is never forgotten silently."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from casebridge.api.urls import api
from casebridge.cases.models import Case, Macro, SavedView
from casebridge.core.models import OutboxEvent
from casebridge.identity.services import invitation_create
from casebridge.installed_base.defaults import ensure_default_catalogue
from casebridge.installed_base.models import Component, Installation
from casebridge.notifications.models import Notification, WebhookDelivery, WebhookSubscription
from casebridge.parties.tokens import api_token_create
from casebridge.rca.models import Rca, RcaAction
from tests.factories import SubmitterFactory

#: Parameters that name no tenant's data, with the value to use.
FIXED = {
    "action": "start",
    "engagement": "customer",
    "metric": "first_response",
    "kind": "case.opened",
    "priority": "P2",
    "day": "2026-12-24",
    "code": "standard",
    "version_id": "1",
}
#: (method, path) on shared configuration: readable by everyone, writable by the vendor only.
SHARED = {
    ("PUT", "/api/v1/me/notifications/{kind}"),  # the caller's own preference
    ("GET", "/api/v1/sla/calendars/{code}"),
    ("PUT", "/api/v1/sla/calendars/{code}"),
    ("POST", "/api/v1/sla/calendars/{code}/closed-days"),
    ("DELETE", "/api/v1/sla/calendars/{code}/closed-days/{day}"),
    ("GET", "/api/v1/sla/plans/{code}"),
    ("PUT", "/api/v1/sla/plans/{code}"),
    ("PUT", "/api/v1/sla/plans/{code}/targets/{priority}"),
    ("POST", "/api/v1/rasci/models/{code}/drafts"),
    ("DELETE", "/api/v1/rasci/versions/{version_id}"),
    ("GET", "/api/v1/rasci/versions/{version_id}"),
    ("POST", "/api/v1/rasci/versions/{version_id}/activities"),
    ("DELETE", "/api/v1/rasci/versions/{version_id}/activities/{code}"),
    ("PUT", "/api/v1/rasci/versions/{version_id}/cells"),
    ("GET", "/api/v1/rasci/versions/{version_id}/export"),
    ("POST", "/api/v1/rasci/versions/{version_id}/publish"),
}
#: Operations addressed in the caller's own namespace: "B-1" to partner A is A's own reference
#: (creating it is A's right); what must hold is that B's case is untouched.
NAMESPACED = {("PUT", "/api/v1/exchange/cases/{reference}")}
DENIED = {401, 403, 404}


@pytest.fixture
def foreign(desk, open_case):
    """Objects of partner B's side of the world, by path parameter."""
    ensure_default_catalogue()
    case = open_case(actor=desk.customer_b_contact, customer=desk.customer_b, **{})
    Case.objects.filter(pk=case.pk).update(external_reference="B-1", external_owner=desk.partner_b)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casebridge.cases import services as case_services

    attachment = case_services.case_attach(
        actor=desk.customer_b_contact,
        case=case,
        upload=SimpleUploadedFile("b.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
        audience="public",
    )
    installation = Installation.objects.create(
        customer=desk.customer_b,
        component=Component.objects.get(code="server_core"),
        version="2025.08.1",
        environment="production",
        managing_party="partner",
    )
    now = dt.datetime.now(dt.UTC)
    rca = Rca.objects.create(
        case=case,
        attribution="unknown",
        activity="rca.other_cause",
        owner_party="partner",
        owner=desk.partner_b,
        accountable=desk.partner_b,
        opened_at=now,
        due_at=now + dt.timedelta(days=7),
    )
    action = RcaAction.objects.create(
        rca=rca,
        kind="corrective",
        description="B's own",
        owner=desk.partner_b_agent,
        due_on=dt.date(2026, 12, 31),
        created_at=now,
    )
    submitter = SubmitterFactory(person=desk.partner_b_manager)
    token, _ = api_token_create(actor=desk.partner_b_agent, name="b")
    subscription = WebhookSubscription.objects.create(
        organisation=desk.partner_b, url="https://b.example/hook", secret="s" * 20, created_at=now
    )
    event = OutboxEvent.objects.create(kind="case.opened", payload={}, occurred_at=now)
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event=event, created_at=now
    )
    notification = Notification.objects.create(
        event=event,
        kind="case.opened",
        case=case,
        recipient=desk.partner_b_agent,
        purpose="alert",
        created_at=now,
    )
    invitation, _ = invitation_create(
        actor=desk.partner_b_manager,
        organisation=desk.partner_b,
        email="new@b.example",
        full_name="New at B",
        roles=["agent"],
    )
    view = SavedView.objects.create(
        name="B's desk",
        owner=desk.partner_b_manager,
        organisation=desk.partner_b,
        shared=True,
        filters={},
        created_at=now,
    )
    macro = Macro.objects.create(
        name="B's reply",
        body="Hello",
        scope="desk",
        owner=desk.partner_b_manager,
        organisation=desk.partner_b,
    )
    return {
        "macro_id": macro.pk,
        "view_id": view.pk,
        "invitation_id": invitation.pk,
        "case_id": case.pk,
        "attachment_id": attachment.pk,
        "installation_id": installation.pk,
        "organisation_id": desk.partner_b.pk,
        "person_id": desk.partner_b_agent.pk,
        "rca_id": rca.pk,
        "action_id": action.pk,
        "submitter_id": submitter.pk,
        "token_id": token.pk,
        "subscription_id": subscription.pk,
        "delivery_id": delivery.pk,
        "notification_id": notification.pk,
        "reference": "B-1",
    }


@functools.cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = openapi()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    if "anyOf" in node:
        return _resolve(schema, next(n for n in node["anyOf"] if n.get("type") != "null"))
    if "allOf" in node:
        return _resolve(schema, node["allOf"][0])
    return node


def sample(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """A minimal valid value for a JSON schema node (required properties only)."""
    node = _resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {name: sample(schema, node["properties"][name]) for name in node.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2026-12-31"
    if node.get("format") == "date-time":
        return "2026-06-15T09:00:00Z"
    return "x" * max(1, node.get("minLength", 1))


def send(client, method: str, url: str, operation: dict[str, Any]) -> Any:
    """Call with a minimal valid body (JSON, or multipart with a small PNG for files)."""
    call = getattr(client.client, method.lower())
    content = operation.get("requestBody", {}).get("content", {})
    schema = openapi()
    if "application/json" in content:
        body = sample(schema, content["application/json"]["schema"])
        return call(url, body, content_type="application/json", headers=client.headers)
    if "multipart/form-data" in content:
        from django.core.files.uploadedfile import SimpleUploadedFile

        node = _resolve(schema, content["multipart/form-data"]["schema"])
        data = {}
        for name in node.get("required", []):
            field = _resolve(schema, node["properties"][name])
            if field.get("format") == "binary":
                data[name] = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
            else:
                data[name] = sample(schema, field)
        return call(url, data, headers=client.headers)
    return call(url, headers=client.headers)


#: Where a write would show: every domain table that a request can add rows to, and the
#: audit trail and outbox that every write service appends to.
WATCHED = (
    "core.AuditEvent",
    "core.OutboxEvent",
    "parties.Organisation",
    "parties.Person",
    "parties.ApiToken",
    "parties.AuthorisedSubmitter",
    "parties.Certification",
    "rasci.MatrixPin",
    "installed_base.Installation",
    "cases.Case",
    "cases.CaseEvent",
    "cases.Comment",
    "cases.SearchEntry",
    "cases.SavedView",
    "cases.Macro",
    "cases.Attachment",
    "cases.PhoneFollowUp",
    "rca.Rca",
    "rca.RcaAction",
    "rca.RcaRevision",
    "notifications.WebhookSubscription",
    "notifications.NotificationPreference",
)


def fingerprint() -> dict[str, Any]:
    counts: dict[str, Any] = {
        label: apps.get_model(label)._default_manager.count() for label in WATCHED
    }
    counts["foreign case"] = list(Case.objects.order_by("pk").values_list("revision", flat=True))
    counts["notifications read"] = list(
        Notification.objects.order_by("pk").values_list("read_at", flat=True)
    )
    counts["deliveries"] = list(
        WebhookDelivery.objects.order_by("pk").values_list("status", "attempts")
    )
    return counts


def test_every_path_parameter_is_classified():
    unknown = set()
    for method, path, _ in operations():
        params = set(re.findall(r"{(\w+)}", path))
        if not params:
            continue
        if not params - set(FIXED) and (method, path) not in SHARED:
            unknown.add(f"{method} {path}: only fixed parameters; declare it SHARED or scope it")
        unknown |= {f"{method} {path}: {p}" for p in params - set(FIXED) - FOREIGN_NAMES}
    assert sorted(unknown) == []


FOREIGN_NAMES = {
    "invitation_id",
    "case_id",
    "attachment_id",
    "installation_id",
    "organisation_id",
    "person_id",
    "rca_id",
    "action_id",
    "submitter_id",
    "token_id",
    "subscription_id",
    "delivery_id",
    "notification_id",
    "view_id",
    "macro_id",
    "reference",
}


@pytest.mark.parametrize("role", ["partner_a_agent", "partner_a_manager", "customer_a_contact"])
def test_no_role_of_another_party_reaches_partner_bs_objects(desk, foreign, api_as, role):
    client = api_as(getattr(desk, role))
    leaks = []
    for method, path, operation in operations():
        params = set(re.findall(r"{(\w+)}", path))
        if not params & FOREIGN_NAMES:
            continue
        url = path
        for name in params:
            value = foreign[name] if name in FOREIGN_NAMES else FIXED[name]
            url = url.replace("{" + name + "}", str(value))
        if (method, path) in NAMESPACED:
            case = Case.objects.get(pk=foreign["case_id"])
            send(client, method, url, operation)
            if Case.objects.get(pk=case.pk).revision != case.revision:
                leaks.append(f"{method} {url} changed partner B's case")
            continue
        before = fingerprint() if method != "GET" else None
        response = send(client, method, url, operation)
        if response.status_code not in DENIED:
            leaks.append(f"{method} {url} -> {response.status_code}")
        if before is not None and fingerprint() != before:
            leaks.append(f"{method} {url} wrote something")
    assert leaks == []


def test_shared_configuration_is_written_by_the_vendor_only(desk, api_as):
    client = api_as(desk.partner_a_manager)
    refused = []
    for method, path, operation in operations():
        if (method, path) not in SHARED or method == "GET" or "/me/" in path:
            continue
        url = path
        for name in re.findall(r"{(\w+)}", path):
            url = url.replace("{" + name + "}", FIXED[name])
        before = fingerprint()
        response = send(client, method, url, operation)
        if response.status_code not in DENIED or fingerprint() != before:
            refused.append(f"{method} {url} -> {response.status_code}")
    assert refused == []


def test_anonymous_callers_get_401_everywhere(desk):
    client = Client()
    open_doors = []
    for method, path, _ in operations():
        url = re.sub(r"{\w+}", "1", path)
        response = getattr(client, method.lower())(url)
        if response.status_code != 401:
            open_doors.append(f"{method} {url} -> {response.status_code}")
    assert open_doors == []


def ui_routes() -> list[tuple[str, str]]:
    """Every portal route with an object in its path: (name, pattern)."""
    from django.urls import get_resolver

    _, resolver = get_resolver().namespace_dict["ui"]
    found = []
    for name, entries in resolver.reverse_dict.items():
        if not isinstance(name, str):
            continue
        template = entries[0][0][0]  # possibilities → (format string, parameters)
        if "%(" in template:
            found.append((name, template))
    return found


#: Portal routes whose objects are shared configuration (published matrices are everyone's).
UI_SHARED = {"rasci-version", "rasci-publish", "rasci-export", "rasci-cells", "rasci-activity"}


@pytest.mark.parametrize("role", ["partner_a_agent", "customer_a_contact"])
def test_no_portal_page_or_form_reaches_partner_bs_objects(desk, foreign, role):
    from django.urls import reverse

    client = Client()
    client.force_login(getattr(desk, role))
    leaks, unclassified = [], []
    checked = 0
    for name, pattern in ui_routes():
        params = re.findall(r"%\((\w+)\)s", pattern)
        if any(p == "version_id" for p in params) or name in UI_SHARED:
            continue
        missing = [p for p in params if p not in FOREIGN_NAMES and p not in FIXED | UI_FIXED]
        if missing:
            unclassified.append(f"{name}: {missing}")
            continue
        kwargs = {p: foreign[p] if p in FOREIGN_NAMES else (FIXED | UI_FIXED)[p] for p in params}
        url = reverse(f"ui:{name}", kwargs=kwargs)
        checked += 1
        before = fingerprint()
        got = client.get(url)
        posted = client.post(url, {"revision": 1, "status": "done", "reason": "x"})
        if got.status_code not in {403, 404, 405}:
            leaks.append(f"GET {url} -> {got.status_code}")
        if posted.status_code not in {302, 403, 404, 405}:
            leaks.append(f"POST {url} -> {posted.status_code}")
        if fingerprint() != before:
            leaks.append(f"{url} wrote something")
    assert unclassified == []
    assert leaks == []
    assert checked >= 20  # the matrix really walked the portal


#: An invitation link is the invitee's key, whoever holds it; an unknown one names nothing.
UI_FIXED = {"format": "csv", "token": "not-an-invitation"}
