"""Second factors added, removed or renewed, into the audit trail.

django-allauth's MFA views tell of these only through its signals (there is no adapter hook),
so this module listens to them; casebridge's own writes never use signals."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals
from allauth.mfa.models import Authenticator

from casebridge.core.audit import audit_record_about
from casebridge.core.clients import client_address

FACTOR_NAMES = {
    Authenticator.Type.TOTP: "authenticator app",
    Authenticator.Type.WEBAUTHN: "security key",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
}


def _record(action: str, request: Any, user: Any, authenticator: Authenticator) -> None:
    audit_record_about(
        actor=user,
        action=action,
        target_type="mfa.authenticator",
        target_id=str(authenticator.pk or ""),
        organisation_id=getattr(user, "organisation_id", None),
        after={
            "factor": FACTOR_NAMES.get(authenticator.type, authenticator.type),
            "address": client_address(request) if request is not None else "",
        },
    )


def on_added(sender: Any, request: Any, user: Any, authenticator: Authenticator, **_: Any) -> None:
    _record("second_factor.added", request, user, authenticator)


def on_removed(
    sender: Any, request: Any, user: Any, authenticator: Authenticator, **_: Any
) -> None:
    _record("second_factor.removed", request, user, authenticator)


def on_reset(sender: Any, request: Any, user: Any, authenticator: Authenticator, **_: Any) -> None:
    _record("second_factor.renewed", request, user, authenticator)


def on_failed(sender: Any, request: Any, user: Any, authenticator: Any = None, **_: Any) -> None:
    audit_record_about(
        actor=None,
        actor_label=getattr(user, "email", "") or "unknown",
        action="second_factor.failed",
        target_type="parties.person",
        target_id=str(getattr(user, "pk", "") or ""),
        organisation_id=getattr(user, "organisation_id", None),
        after={"address": client_address(request) if request is not None else ""},
    )


signals.authenticator_added.connect(on_added, dispatch_uid="casebridge.factor_added")
signals.authenticator_removed.connect(on_removed, dispatch_uid="casebridge.factor_removed")
signals.authenticator_reset.connect(on_reset, dispatch_uid="casebridge.factor_reset")
signals.authentication_failed.connect(on_failed, dispatch_uid="casebridge.factor_failed")
