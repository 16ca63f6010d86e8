"""Sign-in: the session backend loads the person with their organisation in one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Person


class PersonBackend(ModelBackend):
    """E-mail and password sign-in; inactive people and inactive organisations are refused."""

    def get_user(self, user_id: Any) -> Person | None:
        person = (
            Person.objects.select_related("organisation")
            .prefetch_related("roles")
            .filter(pk=user_id)
            .first()
        )
        if person is None or not self.user_can_authenticate(person):
            return None
        return person

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return bool(user.organisation.is_active)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        """The vendor's administrators run the back office: every permission, by role."""
        if _is_back_office_admin(user_obj):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if _is_back_office_admin(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Person | None:
        if username is not None:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)


def _is_back_office_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.organisation.kind == OrganisationKind.VENDOR
        and user.has_role(Role.ADMIN)
    )
