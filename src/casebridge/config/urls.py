"""The URL map: back office, REST API and the portal (/healthz and /readyz are answered by
``casebridge.core.health.HealthMiddleware`` before any URL is resolved)."""

from django.contrib import admin
from django.urls import include, path

from casebridge.api.urls import api

admin.site.site_header = "casebridge back office"
admin.site.site_title = "casebridge"

handler400 = "casebridge.core.http.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("casebridge.ui.urls")),
]
