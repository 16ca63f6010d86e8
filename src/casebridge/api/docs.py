"""``/api/docs``: Swagger UI served from the project's own static files.

ninja's default Swagger page loads Swagger UI from a CDN (blank on a closed network, no
integrity check) unless ``ninja`` is an installed app. casebridge vendors swagger-ui-dist
(``ui/static/casebridge/vendor/swagger-ui``, see SOURCE.txt there) and starts it from a script
file of its own, so the page needs nothing from outside and runs under the portal's
Content-Security-Policy (no inline script)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI


class VendoredSwagger(Swagger):
    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        auth = api.auth if isinstance(api.auth, list | tuple) else []
        context = {
            "api": api,
            "swagger_settings": settings,
            # The browser session's writes need the CSRF token (a bearer token does not).
            "add_csrf": any(getattr(method, "csrf", False) for method in auth),
        }
        return render(request, self.template, context)
