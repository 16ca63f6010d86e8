"""The API's contract, checked on the whole OpenAPI document: every schema has one name, every
request body refuses fields it does not define, every workflow action documents its body."""

from __future__ import annotations

import json
import re
import typing
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from casebridge.api.urls import api
from casebridge.cases import workflow
from casebridge.parties.choices import TokenScope
from casebridge.parties.tokens import api_token_create
from tests.security.test_isolation_matrix import _resolve, openapi, sample

UNKNOWN = "no_such_field"


def _models_of(annotation: Any, found: dict[str, set[str]], seen: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        if annotation.__module__.startswith("casebridge."):
            found.setdefault(annotation.__name__, set()).add(
                f"{annotation.__module__}.{annotation.__qualname__}"
            )
        for field in annotation.model_fields.values():
            _models_of(field.annotation, found, seen)
    for argument in typing.get_args(annotation):
        _models_of(argument, found, seen)


def test_no_two_schemas_of_the_api_share_a_name():
    found: dict[str, set[str]] = {}
    seen: set[type] = set()
    for _, router in api._routers:
        for operations in router.path_operations.values():
            for operation in operations.operations:
                for model in operation.models:
                    _models_of(model, found, seen)
                for model in (operation.response_models or {}).values():
                    _models_of(model, found, seen)

    assert {name: places for name, places in found.items() if len(places) > 1} == {}


def _json_bodies() -> list[Any]:
    return [
        pytest.param(method.upper(), path, operation, id=f"{method.upper()} {path}")
        for path, methods in openapi()["paths"].items()
        for method, operation in methods.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def _objects(node: dict[str, Any], seen: set[int]) -> list[dict[str, Any]]:
    """Every object schema a body can hold, itself and nested."""
    node = _resolve(openapi(), node)
    if id(node) in seen:
        return []
    seen.add(id(node))
    found = [node] if node.get("type") == "object" and "properties" in node else []
    for child in [
        *node.get("properties", {}).values(),
        *([node["items"]] if "items" in node else []),
        *node.get("anyOf", []),
    ]:
        found.extend(_objects(child, seen))
    return found


@pytest.mark.parametrize(("method", "path", "operation"), _json_bodies())
def test_every_request_body_refuses_fields_it_does_not_define(method, path, operation):
    body = operation["requestBody"]["content"]["application/json"]["schema"]

    objects = _objects(body, set())

    assert objects
    assert [o.get("title") for o in objects if o.get("additionalProperties") is not False] == []


@pytest.fixture
def vendor_token(desk):
    return api_token_create(actor=desk.vendor_admin, name="contract", scopes=TokenScope.values)[1]


@pytest.mark.parametrize(("method", "path", "operation"), _json_bodies())
def test_an_unknown_field_is_a_422_that_names_it(vendor_token, method, path, operation):
    body = sample(openapi(), operation["requestBody"]["content"]["application/json"]["schema"])
    url = re.sub(r"\{\w+\}", "1", path).replace("/actions/1", "/actions/start")

    response = getattr(Client(), method.lower())(
        url,
        json.dumps({**body, UNKNOWN: "x"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {vendor_token}"},
    )

    assert response.status_code == 422, response.content
    assert response.json()["fields"][UNKNOWN] == ["Not a field of this operation."]


def _body_of(path: str) -> dict[str, Any]:
    operation = openapi()["paths"][path]["post"]
    return _resolve(openapi(), operation["requestBody"]["content"]["application/json"]["schema"])


@pytest.mark.parametrize(
    ("path", "schema", "fields"),
    [
        ("/api/v1/cases/{case_id}/actions/{action}", "CaseActionIn", {"reason", "message"}),
        (
            "/api/v1/cases/{case_id}/actions/escalate",
            "CaseEscalateIn",
            {"version_override_request"},
        ),
        (
            "/api/v1/cases/{case_id}/actions/return",
            "CaseReturnIn",
            {"return_reason", "reason", "message"},
        ),
        ("/api/v1/cases/{case_id}/actions/resolve", "CaseResolveIn", {"attribution", "reason"}),
    ],
)
def test_each_workflow_action_documents_its_own_body(path, schema, fields):
    body = _body_of(path)

    assert (body["title"], set(body["properties"])) == (schema, fields)


def test_every_workflow_action_has_a_documented_path():
    paths = openapi()["paths"]
    generic = paths["/api/v1/cases/{case_id}/actions/{action}"]["post"]
    (action,) = [p for p in generic["parameters"] if p["name"] == "action"]
    own = {
        path.rsplit("/", 1)[1]
        for path in paths
        if path.startswith("/api/v1/cases/{case_id}/actions/") and "{" not in path.rsplit("/", 1)[1]
    }

    assert own == {"escalate", "return", "resolve"}
    assert set(_resolve(openapi(), action["schema"])["enum"]) | own == set(workflow.ACTIONS)
