"""Sign-in: the session backend loads the person with their organisation in one query, and
counts and audits failed passwords (whatever form asked: allauth's sign-in, re-authentication,
the back office)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from casebridge.core import throttle
from casebridge.core.audit import audit_record_about
from casebridge.core.clients import address_key, client_address
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
        if username is None:
            username = kwargs.pop("email", None)  # allauth signs in by e-mail address
        else:
            kwargs.pop("email", None)
        if username is not None:
            username = username.strip().lower()
        if login_wait(username, request):
            return None  # locked or slowed down: not even the right password, until it ends
        person = super().authenticate(request, username=username, password=password, **kwargs)
        keys = login_keys(username, request)
        if person is None and username:
            window = dt.timedelta(minutes=settings.CASEBRIDGE_LOGIN_LOCKOUT_MINUTES)
            cap = dt.timedelta(seconds=settings.CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS)
            throttle.fail(
                keys.pair, limit=settings.CASEBRIDGE_LOGIN_MAX_FAILURES, window=window, lock=window
            )
            throttle.slow(
                keys.account,
                free=settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
                window=window,
                cap=cap,
            )
            if keys.address:
                throttle.slow(
                    keys.address,
                    free=settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS,
                    window=window,
                    cap=cap,
                )
            _audit_failure(username, request)
        elif person is not None:
            # Only this account's failures from this address are forgotten: signing in to an
            # account of one's own must not wipe the slate of an address or of an account.
            throttle.clear(keys.pair)
        return person


@dataclass(frozen=True)
class LoginKeys:
    """The throttle keys of one sign-in attempt.

    * ``pair`` — this account from this client address: locked after
      CASEBRIDGE_LOGIN_MAX_FAILURES, so guessing one password from one place stops;
    * ``account`` — this account from anywhere: slowed down (never locked) past
      CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT, against guessing from many addresses;
    * ``address`` — any account from this address: slowed down (never locked) past
      CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS, so random names from one place cannot lock
      out the people who share it (an office NAT, a proxy seen without
      CASEBRIDGE_TRUSTED_PROXIES).
    """

    pair: str
    account: str
    address: str

    def all(self) -> list[str]:
        return [key for key in (self.pair, self.account, self.address) if key]


def login_keys(username: str | None, request: Any, *, purpose: str = "login") -> LoginKeys:
    """The throttle keys of a sign-in (the account name is hashed: it is whatever was typed);
    ``purpose`` "reset" counts password-reset requests apart, under the same rules."""
    name = (username or "").strip().lower()
    account = hashlib.sha256(name.encode()).hexdigest()[:32]
    address = address_key(client_address(request)) if request is not None else ""
    return LoginKeys(
        pair=f"{purpose}:pair:{account}:{address or '-'}",
        account=f"{purpose}:account:{account}",
        address=f"{purpose}:address:{address}" if address else "",
    )


def login_wait(username: str | None, request: Any) -> int:
    """Seconds until this account may try to sign in again from this address (0: now)."""
    return max((throttle.locked_for(key) for key in login_keys(username, request).all()), default=0)


def password_reset_wait(email: str | None, request: Any) -> int:
    """Seconds until a password reset for this address may be asked for again (0: now)."""
    keys = login_keys(email, request, purpose="reset")
    return max((throttle.locked_for(key) for key in keys.all()), default=0)


def password_reset_counted(email: str | None, request: Any) -> None:
    """Count one password-reset request with the sign-in failure rules: this account from this
    address is locked after CASEBRIDGE_LOGIN_MAX_FAILURES requests in the window; the account
    from anywhere and the address for any account are slowed down past their own limits, so
    nobody can flood someone's mailbox or lock them out of resetting."""
    keys = login_keys(email, request, purpose="reset")
    window = dt.timedelta(minutes=settings.CASEBRIDGE_LOGIN_LOCKOUT_MINUTES)
    cap = dt.timedelta(seconds=settings.CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS)
    throttle.fail(
        keys.pair, limit=settings.CASEBRIDGE_LOGIN_MAX_FAILURES, window=window, lock=window
    )
    throttle.slow(
        keys.account,
        free=settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT,
        window=window,
        cap=cap,
    )
    if keys.address:
        throttle.slow(
            keys.address,
            free=settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS,
            window=window,
            cap=cap,
        )


def _audit_failure(username: str, request: Any) -> None:
    """A failed password in the audit trail: under the person's organisation when the address
    is someone's (their administrators see it), else the vendor's trail only."""
    person = (
        Person.objects.filter(email=username).values("pk", "organisation_id", "is_active").first()
    )
    address = client_address(request) if request is not None else ""
    reason = "wrong password"
    if person is None:
        reason = "no such account"
    elif not person["is_active"]:
        reason = "the account is deactivated"
    audit_record_about(
        actor=None,
        actor_label=username,
        action="sign_in.failed",
        target_type="parties.person",
        target_id=str(person["pk"]) if person else "",
        organisation_id=person["organisation_id"] if person else None,
        after={"email": username, "address": address, "reason": reason},
    )


def _is_back_office_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_active", False)
        and getattr(user, "is_staff", False)
        and user.organisation.kind == OrganisationKind.VENDOR
        and user.has_role(Role.ADMIN)
    )
