"""The URL map: back office, REST API, health check and the portal."""

from django.contrib import admin
from django.urls import include, path

from casebridge.api.urls import api
from casebridge.ui.views.health import health

admin.site.site_header = "casebridge back office"
admin.site.site_title = "casebridge"

handler400 = "casebridge.core.http.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health, name="health"),
    path("", include("casebridge.ui.urls")),
]
