"""Navigation by the signed-in person's organisation and roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from casebridge.parties.choices import OrganisationKind, Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    organisation = user.organisation
    items = [
        ("Cases", reverse("ui:cases")),
        ("My organisation", reverse("ui:organisation", args=[organisation.pk])),
    ]
    if organisation.kind == OrganisationKind.VENDOR:
        items = [
            items[0],
            ("Organisations", reverse("ui:organisations")),
            ("Partners", reverse("ui:organisations") + "?kind=partner"),
            ("Expiring certifications", reverse("ui:expiring")),
            *items[1:],
        ]
    elif organisation.kind == OrganisationKind.PARTNER:
        items.append(("Customers", reverse("ui:organisations") + "?kind=customer"))
        items.append(("Expiring certifications", reverse("ui:expiring")))
    if organisation.kind != OrganisationKind.CUSTOMER:
        items.append(("End of life", reverse("ui:compliance")))
    items.append(("Releases", reverse("ui:releases")))
    items.append(("Service levels", reverse("ui:service-levels")))
    items.append(("RCAs", reverse("ui:rcas")))
    if user.has_role(Role.ADMIN, Role.MANAGER):
        items.append(("Integrations", reverse("ui:integrations")))
        items.append(("Invitations", reverse("ui:invitations")))
    if user.has_role(Role.ADMIN):
        items.append(("Audit", reverse("ui:audit")))
    items.append(("RASCI", reverse("ui:rasci")))
    items.append(("API", reverse("api:openapi-view")))
    items.append(("API tokens", reverse("ui:tokens")))
    if user.is_staff:
        items.append(("Back office", reverse("admin:index")))
    return {"nav_items": items}
