"""django-allauth adapters: how allauth's accounts, second factors and single sign-on fit
casebridge (settings ACCOUNT_ADAPTER and SOCIALACCOUNT_ADAPTER).

* Nobody signs up (``is_open_for_signup``): people join by invitation or through their
  organisation's identity provider.
* Failed passwords are counted by ``parties.auth.PersonBackend`` (per account and address,
  shared by every worker), not by allauth's cache; the client address is read through the
  trusted proxies (``core.clients``).
* Completed sign-ins go to the audit trail, with how (password, single sign-on, second factor).
* An identity provider signs people into its own organisation only (``identity.sign_on``);
  a refusal shows the reason and is audited and logged.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.shortcuts import render

from casebridge.core.audit import audit_record_about
from casebridge.core.clients import client_address
from casebridge.core.errors import DomainError
from casebridge.identity.services.sign_in import person_join_by_sign_on
from casebridge.identity.sign_on import (
    Admission,
    admit,
    record_refusal,
    record_sign_in,
    single_sign_on_of,
)
from casebridge.parties.models import Person

METHOD_NAMES = {"password": "password", "socialaccount": "single sign-on", "mfa": "second factor"}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Please enter a correct email address and password.",
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Failures are counted and limited by PersonBackend (see parties/auth.py)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_address(request) or "0.0.0.0"  # noqa: S104  (unknown, not a bind)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        records = request.session.get("account_authentication_methods") or []
        methods = []
        for record in records:
            name = METHOD_NAMES.get(str(record.get("method")), str(record.get("method")))
            if name not in methods:
                methods.append(name)
        record_sign_in(request, user, methods)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """Changing second factors asks to confirm the password (or a factor) first, except
        for someone who has neither: a person who signs in only through their organisation's
        identity provider could otherwise never enrol one."""
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated and not get_reauthentication_flows(user):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def set_password(self, user: Any, password: str) -> None:
        super().set_password(user, password)
        audit_record_about(
            actor=user,
            action="password.changed",
            target_type="parties.person",
            target_id=str(user.pk),
            organisation_id=user.organisation_id,
            after={"address": client_address(self.request) if self.request else ""},
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def _refuse(self, request: HttpRequest, admission: Any, provider: str) -> None:
        record_refusal(request, admission, provider=provider)
        raise ImmediateHttpResponse(
            render(
                request,
                "ui/identity/sign_on_refused.html",
                {"reason": admission.refusal, "single_sign_on": admission.single_sign_on},
                status=403,
            )
        )

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        app = sociallogin.provider.app if sociallogin.provider else None
        single_sign_on = single_sign_on_of(app)
        provider = getattr(app, "provider_id", "") or getattr(app, "provider", "")
        if sociallogin.state.get("process") == "connect":
            # Accounts are linked to a provider only by signing in through it, under the rules.
            refused = Admission(
                single_sign_on,
                "",
                refusal="Accounts are linked to an identity provider by signing in through it.",
            )
            self._refuse(request, refused, provider)
        linked = sociallogin.user if sociallogin.is_existing else None
        email = getattr(sociallogin.user, "email", "") or next(
            (address.email for address in sociallogin.email_addresses), ""
        )
        admission = admit(single_sign_on, email, linked=linked)
        if not admission.allowed:
            self._refuse(request, admission, provider)
        if linked is None and admission.person is not None:
            # An existing person of the provider's organisation: link this identity to them.
            sociallogin.connect(request, admission.person)

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True  # pre_social_login let only invited or domain-allowed people through

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Person:
        app = sociallogin.provider.app if sociallogin.provider else None
        email = getattr(sociallogin.user, "email", "") or next(
            (address.email for address in sociallogin.email_addresses), ""
        )
        admission = admit(single_sign_on_of(app), email)
        provider = getattr(app, "provider_id", "")
        if not admission.allowed:
            self._refuse(request, admission, provider)
        data = sociallogin.account.extra_data or {}
        info = data.get("userinfo") or data.get("id_token") or data
        full_name = str(info.get("name") or "").strip() if isinstance(info, dict) else ""
        try:
            person = person_join_by_sign_on(admission=admission, full_name=full_name)
        except DomainError as error:
            refused = Admission(admission.single_sign_on, admission.email, refusal=error.detail)
            self._refuse(request, refused, provider)
        sociallogin.user = person
        sociallogin.save(request)
        return person

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        app = getattr(provider, "app", None)
        single_sign_on = single_sign_on_of(app)
        audit_record_about(
            actor=None,
            actor_label=getattr(app, "provider_id", "") or "single sign-on",
            action="sign_in.failed",
            target_type="identity.singlesignon",
            target_id=str(single_sign_on.pk) if single_sign_on else "",
            organisation_id=single_sign_on.organisation_id if single_sign_on else None,
            after={
                "address": client_address(request),
                "reason": f"the identity provider's answer failed: {error or 'unknown'}",
            },
        )
        super().on_authentication_error(request, provider, error, exception, extra_context)
