"""Hostile input that used to answer 500: digits ``int`` refuses, a body of the wrong type or
size, on every operation it could reach (derived from the OpenAPI document), and the portal."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from casebridge.api.urls import api
from casebridge.cases.models import Case
from casebridge.parties.choices import TokenScope
from casebridge.parties.tokens import api_token_create
from tests.security.test_isolation_matrix import openapi, sample

#: Digits ``str.isdigit`` accepts and ``int`` refuses, and numbers no column holds.
BAD_REVISIONS = ["²", "١٢", "7²", "9" * 40, "1" * 5000, "-1", 'W/"²"']


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _body(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return "{}"
    return json.dumps(sample(openapi(), content["application/json"]["schema"]))


def _with_if_match() -> list[Any]:
    return [
        pytest.param(method, path, _body(operation), id=f"{method} {path}")
        for method, path, operation in _operations()
        if any(
            p["in"] == "header" and p["name"] == "If-Match" for p in operation.get("parameters", [])
        )
    ]


def _with_json_body() -> list[Any]:
    return [
        pytest.param(method, path, id=f"{method} {path}")
        for method, path, operation in _operations()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def _url(path: str, **values: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_the_document_has_operations_of_each_kind():
    assert len(_with_if_match()) >= 5
    assert len(_with_json_body()) >= 30


@pytest.mark.parametrize(("method", "path", "body"), _with_if_match())
@pytest.mark.parametrize("if_match", BAD_REVISIONS)
def test_an_if_match_that_is_no_revision_is_a_422(desk, open_case, method, path, body, if_match):
    case = open_case()
    _, token = api_token_create(actor=desk.partner_a_agent, name="tests", scopes=TokenScope.values)
    client = Client()

    response = getattr(client, method.lower())(
        _url(path, case_id=case.pk, action="start"),
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "If-Match": if_match},
    )

    assert response.status_code == 422, response.content
    assert response.json()["fields"] == {"If-Match": ["Not an ETag of a case."]}
    assert Case.objects.get(pk=case.pk).revision == case.revision


@pytest.mark.parametrize("revision", BAD_REVISIONS)
def test_a_portal_form_with_a_revision_that_is_no_number_is_refused(desk, open_case, revision):
    case = open_case()
    client = Client()
    client.force_login(desk.partner_a_agent)

    response = client.post(f"/cases/{case.pk}/actions/start/", {"revision": revision})

    assert response.status_code == 422
    assert "out of date" in response.content.decode()
    assert Case.objects.get(pk=case.pk).revision == case.revision


@pytest.fixture
def browser(desk):
    """A signed-in browser session with CSRF enforced, as in a real browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.partner_a_manager)
    client.get("/cases/")  # a page with a form sets the CSRF cookie
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize(("method", "path"), _with_json_body())
def test_a_multipart_body_to_a_json_operation_in_a_session_is_a_415(browser, method, path):
    client, csrf = browser

    response = (
        getattr(client, method.lower())(
            _url(path),
            {"csrfmiddlewaretoken": csrf, "title": "not JSON"},
            headers={"X-CSRFToken": csrf},
        )
        if method == "POST"
        else getattr(client, method.lower())(
            _url(path),
            "title=not+JSON",
            content_type="application/x-www-form-urlencoded",
            headers={"X-CSRFToken": csrf},
        )
    )

    assert response.status_code == 415, response.content
    assert response.json()["code"] == "unsupported_type"
    assert "application/json" in response.json()["detail"]


def test_a_json_operation_sent_as_text_with_a_token_is_a_415(desk):
    _, token = api_token_create(
        actor=desk.partner_a_manager, name="tests", scopes=TokenScope.values
    )

    response = Client().post(
        "/api/v1/cases",
        json.dumps({"title": "x"}),
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type"


def test_malformed_json_is_a_400_that_says_so(desk):
    _, token = api_token_create(
        actor=desk.partner_a_manager, name="tests", scopes=TokenScope.values
    )

    response = Client().post(
        "/api/v1/cases",
        '{"title": ',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
@pytest.mark.parametrize(("method", "path"), _with_json_body())
def test_a_json_body_over_the_limit_is_a_413(desk, settings, debug, method, path):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _, token = api_token_create(
        actor=desk.partner_a_manager, name="tests", scopes=TokenScope.values
    )

    response = getattr(Client(), method.lower())(
        _url(path),
        json.dumps({"title": "x" * 2000}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 413, response.content
    assert response.json() == {
        "detail": "The request body is larger than 1,000 bytes.",
        "code": "too_large",
        "fields": {"__all__": ["At most 1,000 bytes (CASEBRIDGE_MAX_REQUEST_BYTES)."]},
    }


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_portal_form_over_the_limit_is_a_413(desk, settings, debug):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client()
    client.force_login(desk.customer_a_contact)

    response = client.post(
        "/cases/new/",
        "title=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 413
    assert response.content.decode().startswith("The request body is larger than 1,000 bytes.")
    assert not Case.objects.exists()


def test_a_multipart_form_with_fields_over_the_limit_is_a_413(desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = Client(raise_request_exception=False)
    client.force_login(desk.customer_a_contact)

    response = client.post("/cases/new/", {"title": "x" * 2000, "description": "y" * 2000})

    assert response.status_code == 413
    assert not Case.objects.exists()


@pytest.mark.parametrize("hours", ["²:00-17:00", "09:00-17:²", "٠٩:00-17:00"])
def test_working_hours_in_digits_int_refuses_are_a_field_error(desk, api_as, hours):
    response = api_as(desk.vendor_admin).put(
        "/api/v1/sla/calendars/office", {"name": "Office", "hours": {"mon": [hours]}}
    )

    assert response.status_code == 422
    assert "hours.mon" in response.json()["fields"]


@pytest.mark.parametrize(
    "url",
    [
        "/organisations/?q=a%00b",
        "/organisations/?kind=%00",
        "/cases/?status=%00&cursor=%00",
        "/installed-base/?state=%00&component=%00&partner=%00",
        "/installed-base/?partner=99999999999999999999999",
        "/rcas/?owner_party=%00&status=%00",
        "/cases/%00/",
    ],
)
def test_a_portal_address_with_a_nul_or_a_huge_number_is_no_500(desk, url):
    client = Client(raise_request_exception=False)
    client.force_login(desk.vendor_admin)

    response = client.get(url)

    assert response.status_code in {200, 400, 404}, response.status_code


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("get", "/api/v1/cases?component=%00", None, "__all__"),
        ("get", "/api/v1/sla/plans/a%00", None, "__all__"),
        (
            "put",
            "/api/v1/sla/plans/gold",
            {"name": "Gold", "description": "a\x00b"},
            "description",
        ),
        (
            "post",
            "/api/v1/cases",
            {
                "customer_id": 1,
                "title": "t",
                "description": "d",
                "component": "sbc\x00",
                "category": "incident",
                "impact": "low",
                "urgency": "low",
            },
            "component",
        ),
        ("post", "/api/v1/cases", {"customer_id": 1, "a\x00": "x"}, "a"),
    ],
)
def test_a_nul_anywhere_in_an_api_request_is_a_4xx_naming_where(
    desk, api_as, method, url, body, field
):
    client = api_as(desk.vendor_admin)

    response = getattr(client, method)(url, body) if body is not None else client.get(url)

    assert response.status_code in {400, 422}, response.content
    assert field in response.json()["fields"]
