"""API authentication: hashed bearer tokens for machines, the session (with CSRF) for browsers.

A token acts within its scopes: ``read`` for the safe methods, ``write`` for the others,
``exchange`` for the /exchange endpoints (a partner's service desk), whatever the method.
:func:`required_scope` is the one rule; the OpenAPI document lists it per operation
(:func:`document_scopes`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from casebridge.core import throttle
from casebridge.core.errors import PermissionDenied, RateLimited
from casebridge.parties.choices import TokenScope
from casebridge.parties.tokens import api_token_authenticate

MINUTE = dt.timedelta(minutes=1)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXCHANGE_PREFIX = "/api/v1/exchange/"


def required_scope(method: str, path: str) -> str:
    """The scope an operation needs: ``path`` is its route (``/api/v1/exchange/cases/…``)."""
    if ("/" + path.lstrip("/")).startswith(EXCHANGE_PREFIX):
        return TokenScope.EXCHANGE
    return TokenScope.READ if method.upper() in SAFE_METHODS else TokenScope.WRITE


def _route_of(request: HttpRequest) -> str:
    """The route the URL resolved to, never the raw path: ``api/v1/exchange/cases/<reference>``."""
    match = getattr(request, "resolver_match", None)
    return str(getattr(match, "route", "") or request.path_info)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cb_<prefix>_<secret>``, within the token's scopes (else 403
    ``insufficient_scope``), at most CASEBRIDGE_API_RATE_PER_MINUTE requests a minute per token
    and the tokens it issued together (then 429 with Retry-After)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token)
        if found is None:
            return None
        # Per line of tokens: one that issues others does not multiply its rate by doing so.
        line = found.family or found.prefix
        wait = throttle.hit(
            f"api:{line}", limit=settings.CASEBRIDGE_API_RATE_PER_MINUTE, window=MINUTE
        )
        if wait:
            raise RateLimited(
                f"More than {settings.CASEBRIDGE_API_RATE_PER_MINUTE} requests a minute with "
                "this token.",
                retry_after=wait,
            )
        needed = required_scope(request.method or "GET", _route_of(request))
        if needed not in found.scopes:
            raise PermissionDenied(
                f"This token may not do this: it needs the {needed} scope.",
                fields={"token": f"Scopes: {', '.join(found.scopes)}; needed: {needed}."},
                code="insufficient_scope",
            )
        request.user = found.person
        request.api_token = found  # type: ignore[attr-defined]  # the minting token, if any
        return found.person


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


authentication = [TokenAuth(), ActiveSessionAuth()]

BEARER_SCHEME_HELP = (
    "An API token, `Authorization: Bearer cb_<prefix>_<secret>`, with the scope each operation "
    "lists: `read` for GET, `write` for the other methods, `exchange` for /exchange. Without "
    "it: 403 `insufficient_scope`."
)


def document_scopes(schema: dict[str, Any], error_ref: str) -> dict[str, Any]:
    """State in the OpenAPI document the token scope of every operation (OpenAPI 3.1 allows
    a list of required roles for a non-OAuth scheme) and the 401/403 every one may answer."""
    scheme = schema.get("components", {}).get("securitySchemes", {}).get("TokenAuth")
    if scheme is not None:
        scheme["description"] = BEARER_SCHEME_HELP
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            security = operation.get("security")
            if not security:
                continue
            scope = required_scope(method, path)
            operation["security"] = [
                {name: ([scope] if name == "TokenAuth" else []) for name in requirement}
                for requirement in security
            ]
            responses = operation.setdefault("responses", {})
            error = {"content": {"application/json": {"schema": {"$ref": error_ref}}}}
            if 401 not in responses and "401" not in responses:
                responses[401] = {"description": "Not signed in, or no valid token.", **error}
            if 403 not in responses and "403" not in responses:
                responses[403] = {
                    "description": f"Not allowed (a token needs the `{scope}` scope).",
                    **error,
                }
    return schema
