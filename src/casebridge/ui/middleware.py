"""Portal middleware: the Content-Security-Policy of every page, and times in the viewer's time
zone (the browser reports it in the ``cb_tz`` cookie, set by static/casebridge/tz.js; until it
has, the viewer's customer relationship zone or UTC)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE = "cb_tz"


def viewer_zone(request: HttpRequest) -> ZoneInfo | None:
    name = unquote(request.COOKIES.get(COOKIE, ""))
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ContentSecurityPolicyMiddleware:
    """Send CASEBRIDGE_CONTENT_SECURITY_POLICY with every HTML response that has no policy of
    its own (a download keeps its ``sandbox``). The pages load their scripts and styles from
    static files only, so an injected ``<script>`` or ``onclick`` never runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CASEBRIDGE_CONTENT_SECURITY_POLICY
        is_html = response.get("Content-Type", "").startswith("text/html")
        if policy and is_html and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
