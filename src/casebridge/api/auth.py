"""API authentication: hashed bearer tokens for machines, the session (with CSRF) for browsers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from casebridge.core import throttle
from casebridge.core.errors import RateLimited
from casebridge.parties.tokens import api_token_authenticate

MINUTE = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cb_<prefix>_<secret>``, at most CASEBRIDGE_API_RATE_PER_MINUTE
    requests a minute per token (then 429 with Retry-After)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        person = api_token_authenticate(token)
        if person is None:
            return None
        prefix = token.split("_", 2)[1]
        wait = throttle.hit(
            f"api:{prefix}", limit=settings.CASEBRIDGE_API_RATE_PER_MINUTE, window=MINUTE
        )
        if wait:
            raise RateLimited(
                f"More than {settings.CASEBRIDGE_API_RATE_PER_MINUTE} requests a minute with "
                "this token.",
                retry_after=wait,
            )
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
