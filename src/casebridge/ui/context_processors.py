"""Navigation by the signed-in person's organisation and roles: the pages of a working day in
the bar (``nav_items``), the rest under "More" (``nav_more``), so the bar fits one line."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from casebridge.parties.choices import OrganisationKind, Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_more": []}
    organisation = user.organisation
    kind = organisation.kind
    items = [("Cases", reverse("ui:cases"))]
    if kind != OrganisationKind.CUSTOMER:
        items.insert(0, ("My work", reverse("ui:home")))
    more = []
    if kind == OrganisationKind.VENDOR:
        items.append(("Organisations", reverse("ui:organisations")))
        # The partners are a filter of Organisations; the on-call engineer's line is a page.
        items.append(("24x7 line", reverse("ui:line")))
    elif kind == OrganisationKind.PARTNER:
        items.append(("Customers", reverse("ui:organisations") + "?kind=customer"))
    items.append(("My organisation", reverse("ui:organisation", args=[organisation.pk])))
    if kind != OrganisationKind.CUSTOMER:
        items.append(("End of life", reverse("ui:compliance")))
    items.append(("RCAs", reverse("ui:rcas")))
    if user.has_role(Role.ADMIN, Role.MANAGER):
        items.append(("Reports", reverse("ui:reports")))
    items.append(("RASCI", reverse("ui:rasci")))
    if kind != OrganisationKind.CUSTOMER:
        more.append(("Expiring certifications", reverse("ui:expiring")))
    more.append(("Releases", reverse("ui:releases")))
    more.append(("Service levels", reverse("ui:service-levels")))
    if user.has_role(Role.ADMIN, Role.MANAGER):
        more.append(("Integrations", reverse("ui:integrations")))
        more.append(("Invitations", reverse("ui:invitations")))
    if user.has_role(Role.ADMIN):
        more.append(("Audit", reverse("ui:audit")))
    more.append(("API", reverse("api:openapi-view")))
    more.append(("API tokens", reverse("ui:tokens")))
    if kind != OrganisationKind.CUSTOMER:
        more.append(("Macros", reverse("ui:macros")))
    if user.is_staff:
        more.append(("Back office", reverse("admin:index")))
    return {"nav_items": items, "nav_more": more}
