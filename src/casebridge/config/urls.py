"""The URL map: back office, REST API and the portal (/healthz and /readyz are answered by
``casebridge.core.health.HealthMiddleware`` before any URL is resolved)."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from casebridge.api.urls import api

admin.site.site_header = "casebridge back office"
admin.site.site_title = "casebridge"
# The back office signs in through the portal's sign-in, so second factors apply there too.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]

handler400 = "casebridge.core.http.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("casebridge.ui.urls")),
    # django-allauth: password reset, second factors, sessions, single sign-on callbacks
    # (its sign-up answers "closed": nobody signs up without an invitation).
    path("accounts/", include("allauth.urls")),
]
