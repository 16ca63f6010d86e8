"""API authentication: hashed bearer tokens for machines, the session (with CSRF) for browsers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from casebridge.parties.tokens import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cb_<prefix>_<secret>``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = api_token_authenticate(token)
        if person is not None:
            request.user = person
        return person


class ActiveSessionAuth(SessionAuth):
    """The signed-in browser session; unsafe methods need the CSRF token."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


authentication = [TokenAuth(), ActiveSessionAuth()]
