"""Macros: the page that keeps one's own, the desk's and the vendor's canned replies, and the
composer's two helpers on a case — a macro rendered for the case, and a Markdown preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.cases import audiences, macros, selectors, workflow
from casebridge.cases.choices import Audience, MacroScope
from casebridge.cases.models import Case, Macro
from casebridge.cases.text import render_markdown
from casebridge.core.errors import DomainError, NotFound
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.ui.forms import apply_domain_error
from casebridge.ui.views.cases import CommentForm


def _desk_only(actor: Person) -> None:
    if actor.organisation.kind == OrganisationKind.CUSTOMER:
        raise Http404("Macros are for the desks that work cases.")


def _macro_or_404(actor: Person, macro_id: int) -> Macro:
    try:
        return macros.access_macro(actor, macro_id)
    except NotFound as error:
        raise Http404(error.detail) from error


def _case_or_404(actor: Person, case_id: int) -> Case:
    try:
        return selectors.access_case(actor, case_id)
    except NotFound as error:
        raise Http404(error.detail) from error


def _steps() -> list[tuple[str, str]]:
    """Every step of the table by its label (the same action on both sides is offered once)."""
    seen: dict[str, str] = {}
    for transition in workflow.TRANSITIONS:
        seen.setdefault(transition.action, transition.label or transition.action)
    return sorted(seen.items(), key=lambda item: item[1])


class MacroForm(forms.Form):
    name = forms.CharField(max_length=80)
    body = forms.CharField(
        label="Reply",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=macros.MAX_BODY,
        help_text="Markdown. Placeholders: "
        + ", ".join("{{ " + name + " }}" for name in macros.PLACEHOLDERS)
        + ".",
    )
    scope = forms.ChoiceField(label="Who uses it")
    audience = forms.ChoiceField(
        label="Sets the audience",
        required=False,
        choices=[("", "No (keep the composer's)"), *Audience.choices],
    )
    action = forms.ChoiceField(
        label="Then applies the step", required=False, help_text="After the message is sent."
    )

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [  # type: ignore[attr-defined]
            (value, label)
            for value, label in MacroScope.choices
            if macros.may_write_macro(actor, value)
        ]
        self.fields["action"].choices = [("", "None"), *_steps()]  # type: ignore[attr-defined]

    def fields_of(self) -> macros.MacroFields:
        data = self.cleaned_data
        return macros.MacroFields(
            name=data["name"],
            body=data["body"],
            scope=data["scope"],
            audience=data["audience"] or "",
            action=data["action"] or "",
        )


def _initial(macro: Macro) -> dict[str, str]:
    return {name: getattr(macro, name) for name in macros.FIELDS}


@require_GET
@login_required
def macros_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    _desk_only(actor)
    steps = dict(_steps())
    rows = [
        (macro, macros.may_change(actor, macro), steps.get(macro.action, macro.action))
        for macro in macros.macros_for(actor)
    ]
    return render(request, "ui/macros/list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@login_required
def macro_new_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    _desk_only(actor)
    form = MacroForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            macro = macros.macro_create(actor=actor, fields=form.fields_of())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, f"Saved the macro “{macro.name}”.")
            return redirect("ui:macros")
    status = 422 if request.method == "POST" else 200
    return render(request, "ui/macros/form.html", {"form": form, "macro": None}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def macro_edit_view(request: HttpRequest, macro_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    macro = _macro_or_404(actor, macro_id)
    if not macros.may_change(actor, macro):
        raise PermissionDenied("You cannot change this macro.")
    form = MacroForm(request.POST or None, actor=actor, initial=_initial(macro))
    if request.method == "POST" and form.is_valid():
        try:
            macros.macro_update(actor=actor, macro=macro, fields=form.fields_of())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, f"Saved the macro “{form.cleaned_data['name']}”.")
            return redirect("ui:macros")
    status = 422 if request.method == "POST" else 200
    return render(request, "ui/macros/form.html", {"form": form, "macro": macro}, status=status)


@require_POST
@login_required
def macro_delete_view(request: HttpRequest, macro_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    macro = _macro_or_404(actor, macro_id)
    try:
        macros.macro_delete(actor=actor, macro=macro)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Removed the macro “{macro.name}”.")
    return redirect("ui:macros")


@require_GET
@login_required
def macro_insert_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The composer's message box, audience and step filled from the chosen macro (HTMX)."""
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    chosen = request.GET.get("macro", "")
    if not chosen.isdigit():
        return render(request, "ui/cases/partials/macro_inserted.html", {"inserted": None})
    macro = _macro_or_404(actor, int(chosen))
    inserted = macros.macro_insert(actor=actor, macro=macro, case=case)
    labels = dict(Audience.choices)
    writable = [(value, labels[value]) for value in audiences.writable_audiences(actor, case)]
    form = CommentForm(
        audiences=writable,
        default=inserted.audience,
        initial={"body": inserted.body},
    )
    for name in ("body", "audience"):  # swapped in place of the composer's own (HTMX)
        form.fields[name].widget.attrs["hx-swap-oob"] = "true"
    return render(
        request,
        "ui/cases/partials/macro_inserted.html",
        {"inserted": inserted, "macro": macro, "form": form},
    )


@require_POST
@login_required
def case_preview_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The message as it will read: the same Markdown and sanitiser as a sent message."""
    actor: Person = request.user  # type: ignore[assignment]
    _case_or_404(actor, case_id)
    body = request.POST.get("body", "")[: macros.MAX_BODY]
    return render(
        request,
        "ui/cases/partials/preview.html",
        {"html": render_markdown(body) if body.strip() else ""},
    )
