"""Sign-in: the session backend loads the person with their organisation in one query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from casebridge.core import throttle
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
        keys = login_keys(username, request)
        if any(throttle.locked_for(key) for key in keys):
            return None  # locked: not even the right password opens it until the lock ends
        person = super().authenticate(request, username=username, password=password, **kwargs)
        if person is None and username:
            lock = dt.timedelta(minutes=settings.CASEBRIDGE_LOGIN_LOCKOUT_MINUTES)
            window = lock
            throttle.fail(
                keys[0], limit=settings.CASEBRIDGE_LOGIN_MAX_FAILURES, window=window, lock=lock
            )
            if len(keys) > 1:
                throttle.fail(
                    keys[1],
                    limit=settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS,
                    window=window,
                    lock=lock,
                )
        elif person is not None:
            throttle.clear(keys[0])
        return person


def login_keys(username: str | None, request: Any) -> list[str]:
    """The throttle keys of a sign-in: the account, and the client address when known."""
    keys = [f"login:account:{(username or '').strip().lower()}"]
    address = getattr(request, "META", {}).get("REMOTE_ADDR") if request is not None else None
    if address:
        keys.append(f"login:address:{address}")
    return keys


def login_locked_for(username: str | None, request: Any) -> int:
    """Seconds until this account (or this address) may try to sign in again."""
    return max((throttle.locked_for(key) for key in login_keys(username, request)), default=0)


def _is_back_office_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.organisation.kind == OrganisationKind.VENDOR
        and user.has_role(Role.ADMIN)
    )
