"""API tokens carry scopes (read, write, exchange) and an expiry. Every API operation needs
the scope of its kind — read for safe methods, write for the others, exchange for the
/exchange endpoints — and the OpenAPI document says which. A token mints only tokens within
its own scopes and lifetime, and they die with it; deactivating a person revokes all theirs."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from casebridge.api.urls import api
from casebridge.core.models import AuditEvent
from casebridge.parties import services
from casebridge.parties.models import ApiToken
from casebridge.parties.tokens import api_token_create
from tests.factories import PASSWORD

TODAY = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
ALL = ["read", "write", "exchange"]


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_a_token_minted_by_a_token_dies_with_it(world):
    session = signed_in(world.partner_a_agent)
    parent = post(session, "/api/v1/tokens", {"name": "ci", "scopes": ["read", "write"]}).json()
    child = post(bearer(parent["token"]), "/api/v1/tokens", {"name": "ci child"})
    assert child.status_code == 201
    assert child.json()["minted_by_id"] == parent["id"]
    grandchild = post(bearer(child.json()["token"]), "/api/v1/tokens", {"name": "deeper"})
    assert grandchild.status_code == 403  # the child was minted read-only: it cannot write

    assert session.delete(f"/api/v1/tokens/{parent['id']}").status_code == 200

    assert bearer(parent["token"]).get("/api/v1/me").status_code == 401
    assert bearer(child.json()["token"]).get("/api/v1/me").status_code == 401
    revoked = AuditEvent.objects.filter(action="api_token.revoked").count()
    assert revoked == 2


def test_a_token_mints_no_wider_scopes_and_no_longer_life_than_its_own(world):
    with time_machine.travel(TODAY, tick=False):
        _, raw = api_token_create(
            actor=world.partner_a_agent,
            name="ci",
            scopes=["read", "write"],
            expires_at=TODAY + dt.timedelta(days=10),
        )
        wider = post(bearer(raw), "/api/v1/tokens", {"name": "x", "scopes": ["exchange"]})
        longer = post(
            bearer(raw),
            "/api/v1/tokens",
            {"name": "x", "expires_at": (TODAY + dt.timedelta(days=11)).isoformat()},
        )
        fitting = post(bearer(raw), "/api/v1/tokens", {"name": "x", "scopes": ["write"]})

    assert wider.status_code == 422
    assert wider.json()["fields"] == {
        "scopes": ["A token gives at most its own scopes: read, write."]
    }
    assert longer.status_code == 422
    assert longer.json()["fields"] == {
        "expires_at": ["A token gives at most its own lifetime, until 2026-06-25 09:00 UTC."]
    }
    assert fitting.status_code == 201
    assert fitting.json()["expires_at"] == "2026-06-25T09:00:00Z"


def test_tokens_expire_by_default_and_never_beyond_the_longest_lifetime(world, settings):
    settings.CASEBRIDGE_API_TOKEN_DAYS = 90
    settings.CASEBRIDGE_API_TOKEN_MAX_DAYS = 365
    session = signed_in(world.partner_a_agent)
    with time_machine.travel(TODAY, tick=False):
        made = post(session, "/api/v1/tokens", {"name": "desk"})
        too_long = post(
            session,
            "/api/v1/tokens",
            {"name": "desk", "expires_at": (TODAY + dt.timedelta(days=400)).isoformat()},
        )
        unknown = post(session, "/api/v1/tokens", {"name": "desk", "scopes": ["admin", "read"]})
        empty = post(session, "/api/v1/tokens", {"name": "desk", "scopes": []})

    assert made.status_code == 201
    assert (made.json()["scopes"], made.json()["expires_at"]) == (["read"], "2026-09-13T09:00:00Z")
    assert too_long.json()["fields"] == {"expires_at": ["At most 365 days ahead."]}
    assert unknown.json()["fields"] == {
        "scopes": ["Not scopes: admin. One of: read, write, exchange."]
    }
    assert empty.json()["fields"] == {"scopes": ["Give at least one of: read, write, exchange."]}


@pytest.mark.parametrize(
    ("scopes", "method", "path", "allowed"),
    [
        (["read"], "get", "/api/v1/me", True),
        (["read"], "post", "/api/v1/cases", False),
        (["write"], "get", "/api/v1/me", False),
        (["write"], "post", "/api/v1/cases", True),
        (["read", "write"], "get", "/api/v1/exchange/cases/INC-1", False),
        (["read", "write"], "put", "/api/v1/exchange/cases/INC-1", False),
        (["exchange"], "get", "/api/v1/exchange/cases/INC-1", True),
        (["exchange"], "put", "/api/v1/exchange/cases/INC-1", True),
        (["exchange"], "get", "/api/v1/cases", False),
    ],
    ids=lambda value: str(value),
)
def test_each_operation_needs_the_scope_of_its_kind(world, scopes, method, path, allowed):
    _, raw = api_token_create(actor=world.partner_a_agent, name="t", scopes=scopes)

    response = getattr(bearer(raw), method)(path, {}, content_type="application/json")

    if allowed:
        assert response.status_code != 403
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"


def test_deactivating_a_person_revokes_all_their_tokens(world):
    _, first = api_token_create(actor=world.partner_a_agent, name="one", scopes=ALL)
    _, second = api_token_create(actor=world.partner_a_agent, name="two")

    services.person_update(
        actor=world.partner_a_manager, person=world.partner_a_agent, is_active=False
    )
    services.person_update(
        actor=world.partner_a_manager, person=world.partner_a_agent, is_active=True
    )

    assert not ApiToken.objects.filter(
        person=world.partner_a_agent, revoked_at__isnull=True
    ).exists()
    assert bearer(first).get("/api/v1/me").status_code == 401
    assert bearer(second).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 2


def test_deactivating_an_organisation_revokes_its_peoples_tokens(world):
    _, raw = api_token_create(actor=world.partner_b_agent, name="desk", scopes=ALL)

    services.organisation_update(
        actor=world.vendor_admin, organisation=world.partner_b, is_active=False
    )
    services.organisation_update(
        actor=world.vendor_admin, organisation=world.partner_b, is_active=True
    )

    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_the_token_list_shows_scopes_expiry_and_who_minted_it(world, django_assert_max_num_queries):
    session = signed_in(world.partner_a_agent)
    for number in range(5):
        api_token_create(actor=world.partner_a_agent, name=f"t{number}", scopes=["read", "write"])

    with django_assert_max_num_queries(6):
        listed = session.get("/api/v1/tokens").json()["items"]

    assert {tuple(item["scopes"]) for item in listed} == {("read", "write")}
    assert all(item["expires_at"] for item in listed)
    assert {item["minted_by_id"] for item in listed} == {None}


# --- Generated from the OpenAPI document: every operation, its scope, enforced ---


def _operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def _needed(method, path):
    if path.startswith("/api/v1/exchange/"):
        return "exchange"
    return "read" if method in ("get", "head", "options") else "write"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    list(_operations()),
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_openapi_document_names_each_operations_scope_and_its_403(method, path, operation):
    assert {"TokenAuth": [_needed(method, path)]} in operation["security"]
    assert {401, 403} <= {int(code) for code in operation["responses"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [(method, path) for method, path, _ in _operations()],
    ids=lambda value: value,
)
def test_every_operation_refuses_a_token_without_its_scope(world, method, path):
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    others = [scope for scope in ALL if scope != _needed(method, path)]
    _, raw = api_token_create(actor=world.partner_a_manager, name="t", scopes=others)
    before = ApiToken.objects.count()

    response = getattr(bearer(raw), method)(concrete, {}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert ApiToken.objects.count() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_tokens_issued_before_scopes_keep_working_and_get_an_expiry(settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.CASEBRIDGE_API_TOKEN_MAX_DAYS = 30
    before = [("parties", "0007_unique_identities")]
    after = [("parties", "0010_token_expiry_required")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Organisation = old.get_model("parties", "Organisation")
    Person = old.get_model("parties", "Person")
    Token = old.get_model("parties", "ApiToken")
    vendor = Organisation.objects.create(name="V", slug="v", kind="vendor")
    person = Person.objects.create(email="p@v.example", full_name="P", organisation=vendor)
    forever = Token.objects.create(person=person, name="old", prefix="a1", secret_hash="x")
    dated = Token.objects.create(
        person=person, name="dated", prefix="b2", secret_hash="y", expires_at=TODAY
    )

    with time_machine.travel(TODAY, tick=False):
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    Token = executor.loader.project_state(after).apps.get_model("parties", "ApiToken")

    assert Token.objects.get(pk=forever.pk).expires_at == TODAY + dt.timedelta(days=30)
    assert Token.objects.get(pk=dated.pk).expires_at == TODAY
    assert {tuple(t.scopes) for t in Token.objects.all()} == {("read", "write", "exchange")}
    assert {t.family for t in Token.objects.all()} == {"a1", "b2"}
