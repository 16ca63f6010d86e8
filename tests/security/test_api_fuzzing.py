"""Bounded API fuzzing: schemathesis generates requests from the OpenAPI document and sends
them, authenticated, to the app in-process; no answer may be a server error, and every answer
must match the documented schema of its status."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from casebridge.parties.tokens import api_token_create

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def bearer(desk):
    """A token, and the WSGI app kept on the test's database connection (as Django's test
    client does: no closing of connections at the start and end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _, raw = api_token_create(
        actor=desk.partner_a_manager, name="fuzz", scopes=["read", "write", "exchange"]
    )
    yield {"Authorization": f"Bearer {raw}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_makes_the_server_fail(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error, response_schema_conformance])
