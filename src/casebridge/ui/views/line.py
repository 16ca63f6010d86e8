"""The 24x7 line screen for the vendor's on-call engineer: a caller's number typed in any
formatting gives the person, their organisation, whether they may file cases and their open
Priority 1 cases; the call is logged on one of them from the same screen."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from casebridge.cases import selectors as case_selectors
from casebridge.cases import services as case_services
from casebridge.cases.models import Case
from casebridge.core.errors import DomainError, NotFound
from casebridge.parties import selectors as party_selectors
from casebridge.parties.models import Person

#: Open Priority 1 cases listed for one caller (a caller with more is rare; the rest are in the
#: queue's Priority 1 filter).
OPEN_P1_SHOWN = 20


class CallerForm(forms.Form):
    phone = forms.CharField(
        label="Caller's number",
        max_length=40,
        help_text="Any formatting: +31 20 123 4567, 0031-20-1234567, (020) 123 4567.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


class CallForm(forms.Form):
    case = forms.TypedChoiceField(label="Case", coerce=int, widget=forms.RadioSelect)
    summary = forms.CharField(
        label="What was said",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Summarise the call."},
    )

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["case"])
        field.choices = [(c.pk, f"{c.number} · {c.title}") for c in cases]
        if len(cases) == 1:
            self.fields["case"].initial = cases[0].pk


def _field_errors(form: forms.Form, error: DomainError, renamed: dict[str, str]) -> None:
    """A domain refusal shown beside the field it names, else above the form."""
    if not error.fields:
        form.add_error(None, error.detail)
    for name, texts in error.fields.items():
        field = renamed.get(name, name)
        form.add_error(field if field in form.fields else None, " ".join(texts))


def _open_p1(actor: Person, caller: Person | None) -> list[Case]:
    if caller is None:
        return []
    return list(
        case_selectors.open_p1_cases(caller=caller, actor=actor).select_related(
            "customer", "partner", "assignee"
        )[:OPEN_P1_SHOWN]
    )


@require_http_methods(["GET", "POST"])
@login_required
def line_view(request: HttpRequest) -> HttpResponse:
    """GET ?phone=… looks the caller up; POST logs a call on one of their open Priority 1s."""
    actor: Person = request.user  # type: ignore[assignment]
    raw = (request.POST if request.method == "POST" else request.GET).get("phone", "")
    caller_form = CallerForm({"phone": raw} if raw else None)
    match = None
    cases: list[Case] = []
    if raw and caller_form.is_valid():
        try:
            match = party_selectors.caller_lookup(
                actor=actor, phone=caller_form.cleaned_data["phone"]
            )
        except DomainError as error:
            _field_errors(caller_form, error, {})
        else:
            cases = _open_p1(actor, match.person)
    call_form = CallForm(request.POST if request.method == "POST" else None, cases=cases)
    status = 422 if caller_form.errors else 200
    if request.method == "POST":
        if match is None:
            status = 422
        elif call_form.is_valid():
            try:
                case = case_selectors.access_case(actor, call_form.cleaned_data["case"])
                case_services.case_log_phone_call(
                    actor=actor,
                    case=case,
                    caller_number=match.phone,
                    summary=call_form.cleaned_data["summary"],
                )
            except NotFound:
                call_form.add_error("case", "That case is not one you may see.")
            except DomainError as error:
                _field_errors(call_form, error, {"caller_number": "case"})
            else:
                messages.success(request, f"The call is logged on {case.number}.")
                return redirect(f"{reverse('ui:line')}?{urlencode({'phone': match.phone})}")
        status = 422
    return render(
        request,
        "ui/line.html",
        {
            "caller_form": caller_form,
            "call_form": call_form,
            "match": match,
            "cases": cases,
            "looked_up": bool(raw),
        },
        status=status,
    )
