"""Portal middleware: the Content-Security-Policy of every page, and times in the viewer's time
zone (the browser reports it in the ``cb_tz`` cookie, set by static/casebridge/tz.js; until it
has, the viewer's customer relationship zone or UTC)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from casebridge.identity.selectors import sign_on_origins
from casebridge.parties.second_factor import has_second_factor, second_factor_required

COOKIE = "cb_tz"


def _zone(name: str) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def viewer_zone(request: HttpRequest) -> ZoneInfo | None:
    return _zone(unquote(request.COOKIES.get(COOKIE, "")))


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            zone = _zone(user.time_zone) or zone  # the profile's choice beats the browser's
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
            targets = list(getattr(request, "csp_form_action", ()))
            match = SIGN_ON_PAGE.match(request.path)
            if match:  # allauth's page whose button continues at this provider
                targets += sign_on_origins(provider_id=match["provider"])
            response["Content-Security-Policy"] = with_form_targets(policy, targets)
        return response


#: allauth's pages that start a sign-in at an organisation's identity provider.
SIGN_ON_PAGE = re.compile(r"^/accounts/(?:oidc|saml)/(?P<provider>org-[\w-]+)/login/$")


def with_form_targets(policy: str, origins: list[str]) -> str:
    """``policy`` whose ``form-action`` also allows ``origins``: a form that starts a sign-in
    at an identity provider is answered with a redirect there, and the browser checks the
    redirect against ``form-action`` too."""
    if not origins:
        return policy
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    extra = " ".join(origins)
    for index, directive in enumerate(directives):
        if directive.split(" ", 1)[0] == "form-action":
            directives[index] = f"{directive} {extra}"
            break
    return "; ".join(directives)


#: Paths a person who still has to enrol a second factor may use: enrolment itself (allauth's
#: /accounts/), signing out, static files, the health check and the page that explains.
SECOND_FACTOR_FREE_PREFIXES = ("/accounts/", "/logout/", "/static/", "/healthz", "/two-factor/")


class SecondFactorRequiredMiddleware:
    """Whoever must use a second factor (``parties.second_factor``) and has none is sent to
    enrol one before anything else (a background htmx request gets no content); the API
    refuses their session (403 ``second_factor_required``). Tokens are separate credentials and
    are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(SECOND_FACTOR_FREE_PREFIXES)
            and second_factor_required(user)
            and not has_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                if request.headers.get("Authorization", "").startswith("Bearer "):
                    return self.get_response(request)
                return JsonResponse(
                    {
                        "detail": "Enrol a second factor before using casebridge.",
                        "code": "second_factor_required",
                        "fields": {},
                    },
                    status=403,
                )
            if request.headers.get("HX-Request") == "true":
                # A part of a page fetched in the background (the bell polls on every page, the
                # enrolment page too): no content, which htmx leaves in place, rather than the
                # redirect, whose whole page htmx would swap into the part.
                return HttpResponse(status=204)
            return redirect("ui:second-factor-required")
        return self.get_response(request)
