"""The signed-in person's API tokens: each with its scopes, expiry and the token that issued
it; issue one (its secret shown once) or revoke one (with the tokens it issued)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casebridge.core.errors import DomainError, NotFound
from casebridge.parties.choices import TokenScope
from casebridge.parties.models import Person
from casebridge.parties.tokens import (
    access_api_token,
    api_token_create,
    api_token_list,
    api_token_revoke,
)
from casebridge.ui.forms import apply_domain_error


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="After the machine that uses it.")
    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
        help_text="Read: GET; write: every other request; exchange: the /exchange endpoints.",
    )
    expires_at = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: the default lifetime.",
    )


def _page(request: HttpRequest, form: TokenForm | None = None, status: int = 200) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    tokens = api_token_list(actor=actor).select_related("minted_by")[:200]
    return render(
        request,
        "ui/tokens/page.html",
        {"tokens": tokens, "form": form or TokenForm(), "now": timezone.now()},
        status=status,
    )


@require_GET
@login_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required
def token_create_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["expires_at"]
        expires_at = (
            dt.datetime.combine(day, dt.time(23, 59), tzinfo=timezone.get_current_timezone())
            if day
            else None
        )
        try:
            token, raw = api_token_create(
                actor=actor,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=expires_at,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, f"Token {token.name} issued; shown only now: {raw}")
            return redirect("ui:tokens")
    return _page(request, form, status=422)


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        token = access_api_token(actor, token_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    api_token_revoke(actor=actor, token=token)
    messages.success(request, f"Token {token.name} revoked, with any token it issued.")
    return redirect("ui:tokens")
