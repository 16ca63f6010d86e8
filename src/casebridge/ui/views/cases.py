"""Portal pages for cases: queues, a new case, the case page with its actions, escalation
checklist (live over HTMX), conversation with an audience selector and the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casebridge.cases import (
    audiences,
    macros,
    saved_views,
    selectors,
    services,
    workflow,
    workspace,
)
from casebridge.cases.choices import (
    CAUSE_LABELS,
    CAUSES,
    Audience,
    Category,
    CauseAttribution,
    CustomerStatus,
    EngagementKind,
    Frequency,
    Level,
    Priority,
    ReturnReason,
    VendorStatus,
)
from casebridge.cases.escalation import FIELD_LABELS, escalation_readiness
from casebridge.cases.exports import attachment_response
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.errors import DomainError, NotFound, ValidationFailed
from casebridge.core.validation import parse_digits
from casebridge.installed_base.selectors import case_system, component_list
from casebridge.parties import selectors as party_selectors
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rca import selectors as rca_selectors
from casebridge.ui.forms import apply_domain_error
from casebridge.ui.views.bulk import bulk_choices
from casebridge.ui.views.sla import clock_context

PAGE_SIZE = 50


def _case_or_404(actor: Person, case_id: int) -> Case:
    try:
        return selectors.access_case(actor, case_id)
    except NotFound as error:
        raise Http404(error.detail) from error


@require_GET
@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    # Everyone starts with every case they may see (the vendor: escalations and its model-2
    # desk); choosing the vendor engagement narrows to escalations.
    params = saved_views.queue_params(request.GET)
    q_error = saved_views.text_problem(request.GET.get("q", "")) if not params.q else ""
    engagement = params.engagement
    statuses = VendorStatus if engagement == EngagementKind.VENDOR else CustomerStatus
    filters = params.filters(actor)
    # Keyset pages (a cursor after the last row) cost the same on the thousandth page as on
    # the first and never count the whole queue.
    queue = selectors.case_queue(actor=actor, filters=filters)
    cursor = request.GET.get("cursor") or None
    try:
        rows = list(selectors.after_cursor(queue, cursor, filters.sort)[: PAGE_SIZE + 1])
    except DomainError:
        messages.error(request, "That page link is out of date; here is the first page.")
        cursor, rows = None, list(queue[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    # Each row's engagements as the actor may read them (a customer never sees the vendor's).
    sides = [{e["kind"]: e for e in audiences.engagements_read(actor, case)} for case in rows]
    here = request.GET.copy()
    here.pop("cursor", None)
    next_query = None
    if more:
        here["cursor"] = selectors.encode_cursor(rows[-1], filters.sort)
        next_query = here.urlencode()
        here.pop("cursor")
    return render(
        request,
        "ui/cases/queue.html",
        {
            "rows": list(zip(rows, sides, strict=True)),
            "first_query": here.urlencode() if cursor else None,
            "next_query": next_query,
            "now": clock.now(),
            "engagement": engagement,
            "statuses": statuses.choices,
            "priorities": Priority.choices,
            "filters": filters,
            "engagements": EngagementKind.choices,
            "q_error": q_error,
            "bulk": bulk_choices(actor)
            if actor.organisation.kind != OrganisationKind.CUSTOMER
            else None,
            "params": params,
            "choices": saved_views.filter_choices(actor),
            "may_share": actor.has_role("manager", "admin"),
            "sorts": [
                ("updated", "Last changed"),
                ("created", "Newest"),
                ("priority", "Priority"),
                ("due", "Due first"),
            ],
        },
    )


class NewCaseForm(forms.Form):
    customer = forms.TypedChoiceField(coerce=int)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(choices=Category.choices)
    impact = forms.ChoiceField(choices=Level.choices, initial=Level.MEDIUM)
    urgency = forms.ChoiceField(choices=Level.choices, initial=Level.MEDIUM)
    component = forms.ChoiceField(required=False)
    version = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: Any, actor: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = party_selectors.organisation_list(actor=actor, kind=OrganisationKind.CUSTOMER)
        self.fields["customer"].choices = [(c.pk, c.name) for c in customers[:500]]  # type: ignore[attr-defined]
        self.fields["component"].choices = [  # type: ignore[attr-defined]
            ("", "Not known yet"),
            *((c.code, c.name) for c in component_list()),
        ]


@require_http_methods(["GET", "POST"])
@login_required
def new_case_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    form = NewCaseForm(request.POST or None, actor=actor)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                customer = party_selectors.access_organisation(actor, data["customer"])
                case, _ = services.case_open(
                    actor=actor,
                    customer=customer,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    impact=data["impact"],
                    urgency=data["urgency"],
                    component=data["component"] or None,
                    version=data["version"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if case.priority == Priority.P1:
                    messages.warning(request, "Priority 1: follow up on the vendor's 24x7 line.")
                return redirect("ui:case", case_id=case.pk)
        status = 422
    return render(request, "ui/cases/new.html", {"form": form}, status=status)


class DetailsForm(forms.Form):
    expected_behaviour = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    actual_behaviour = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    error_messages = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    steps_to_reproduce = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reproducible = forms.NullBooleanField(required=False)
    occurred_at = forms.DateTimeField(
        required=False,
        help_text="A sample interaction's time (UTC), e.g. 2026-06-01 09:30.",
    )
    frequency = forms.ChoiceField(required=False, choices=[("", "—"), *Frequency.choices])
    business_impact = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    users_affected = forms.IntegerField(required=False, min_value=0)
    actions_taken = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    causes_ruled_out = forms.MultipleChoiceField(
        required=False,
        choices=[(cause, CAUSE_LABELS[cause]) for cause in CAUSES],
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    component = forms.ChoiceField(required=False)
    version = forms.CharField(required=False, max_length=40)
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [  # type: ignore[attr-defined]
            ("", "Not known yet"),
            *((c.code, c.name) for c in component_list()),
        ]


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern): a list, maybe empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(_MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class CommentForm(forms.Form):
    audience = forms.ChoiceField()
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 4}), max_length=50_000
    )
    files = _MultipleFileField(
        required=False,
        label="Files",
        help_text=f"Up to {services.MAX_REPLY_FILES}, sent with the message to the same readers.",
    )
    #: The step a macro applies once the message is sent (a ticked box beside the composer).
    step = forms.ChoiceField(
        required=False, choices=[("", "")] + [(a, a) for a in sorted(workflow.ACTIONS)]
    )

    def __init__(
        self, *args: Any, audiences: list[tuple[str, str]], default: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = audiences  # type: ignore[attr-defined]
        self.fields["audience"].initial = default

    @property
    def step_label(self) -> str:
        """The ticked step's label, to show it again when the form comes back."""
        action = self.data.get("step", "") if self.is_bound else ""
        if action not in workflow.ACTIONS:
            return ""
        return workflow.row_of(action).label or action


def _details_initial(case: Case) -> dict[str, Any]:
    names = [name for name in DetailsForm.base_fields if name not in {"revision", "component"}]
    return {
        **{name: getattr(case, name) for name in names},
        "component": case.component_id or "",
        "revision": case.revision,
    }


@dataclass(frozen=True)
class Refusal:
    """A step the portal posted and the services refused: its errors by field ("" for the form
    as a whole) and what was typed, so its form is shown again beside its button."""

    action: str
    errors: dict[str, list[str]]
    values: dict[str, str]


#: The inputs of a step's form the portal posts (and shows again when the step is refused).
STEP_INPUTS = ("message", "reason", "return_reason", "attribution", "version_override_request")


def _step_form(case: Case, transition: workflow.Transition, refused: Refusal | None) -> dict:
    """What one step's form shows: its text box's label (the words' addressee in plain words),
    whether it needs a form at all (a step without inputs is one button), and, when it was just
    refused, its errors beside its fields and the text as typed."""
    mine = refused if refused is not None and refused.action == transition.action else None
    words = transition.words
    inputs = bool(
        words
        or transition.reason_required
        or workflow.Guard.RETURN_REASON in transition.guards
        or workflow.Guard.CAUSE_ATTRIBUTION in transition.guards
    )
    return {
        "transition": transition,
        "words": words,
        "words_label": audiences.words_label(case, transition) if words else "",
        "has_inputs": inputs,
        "open": mine is not None,
        "errors": mine.errors if mine else {},
        "form_errors": mine.errors.get("", []) if mine else [],
        "values": mine.values if mine else {},
    }


def _workflow_context(actor: Person, case: Case, refused: Refusal | None = None) -> dict[str, Any]:
    """The buttons the actor may press now, each with its form, and the escalation checklist
    when it applies (a step behind the escalation gate has its form, with the checklist,
    instead of a button)."""
    allowed = selectors.allowed_actions(actor=actor, case=case)
    engagements = {e.kind: e for e in case.engagements.all()}
    steps = [
        transition
        for kind in (EngagementKind.CUSTOMER, EngagementKind.VENDOR)
        if kind in engagements
        for transition in workflow.available(kind, engagements[kind].status)
        if transition.action in allowed
    ]
    gated = [t for t in steps if workflow.Guard.ESCALATION_GATE in t.guards]
    return {
        "case": case,
        "engagements": engagements,
        "allowed": allowed,
        "actions": [_step_form(case, t, refused) for t in steps if t not in gated],
        "may_escalate": bool(gated),
        "readiness": escalation_readiness(case, submitter=actor) if gated else None,
        "return_reasons": ReturnReason.choices,
        "attributions": CauseAttribution.choices,
    }


#: The escalation gate's rules that are not a field of the details form, in words.
GATE_RULE_LABELS = {
    "submitter": "You as the submitter",
    "partner": "Your organisation's qualification",
    "version": "Version",
}


def _gate_summary(problems: dict[str, list[str]], form: DetailsForm | None) -> list[dict]:
    """One line per unmet rule of the escalation gate, in words, each linked to its field of
    the details form when it has one."""
    lines = []
    order = {name: place for place, name in enumerate(form.fields if form is not None else [])}
    for name, messages_ in sorted(problems.items(), key=lambda item: order.get(item[0], -1)):
        has_field = form is not None and name in form.fields
        lines.append(
            {
                "label": FIELD_LABELS.get(name) or GATE_RULE_LABELS.get(name, name),
                "message": " ".join(messages_),
                "anchor": f"id_{name}" if has_field else "",
            }
        )
    return lines


FREQUENCIES = dict(Frequency.choices)


def _shown(value: Any, name: str) -> str:
    """A submission field as text (empty when not given)."""
    if name == "frequency":
        return str(FREQUENCIES.get(value, value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def case_page(
    request: HttpRequest,
    case: Case,
    *,
    comment_form: CommentForm | None = None,
    details_form: DetailsForm | None = None,
    attachment_form: forms.Form | None = None,
    refused: Refusal | None = None,
    gate_problems: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    writable = _writable_audiences(actor, case)
    may_edit = services.can_edit_details(actor, case)
    if gate_problems and may_edit and details_form is None:
        # A refused escalation: each unmet rule's error beside its field of the details form.
        details_form = DetailsForm(initial=_details_initial(case))
        for name, problems in gate_problems.items():
            if name in details_form.fields:
                details_form.errors.setdefault(name, details_form.error_class()).extend(problems)
    view = audiences.case_read(actor, case)
    default = audiences.default_audience(actor, case, [value for value, _ in writable])
    earlier, later = selectors.case_links(actor, case)
    is_customer = actor.organisation.kind == OrganisationKind.CUSTOMER
    steps = _workflow_context(actor, case, refused)
    return render(
        request,
        "ui/cases/detail.html",
        {
            **_assignment_context(actor, case),
            **steps,
            **clock_context(actor, case),
            "gate_summary": _gate_summary(gate_problems, details_form) if gate_problems else [],
            "escalate_refused": _step_form(case, workflow.row_of("escalate"), refused)
            if refused and refused.action == "escalate" and not gate_problems
            else None,
            "escalate_values": refused.values if refused and refused.action == "escalate" else {},
            "view": view,
            "sides": {e["kind"]: e for e in view["engagements"]},
            "is_customer": is_customer,
            "next_step": audiences.next_step(actor, case, allowed=steps["allowed"]),
            **_next_due(actor, case, is_customer),
            "system": case_system(
                actor,
                component_id=case.component_id,
                version=case.version,
                installation_id=case.installation_id,
                partner=case.partner,
            ),
            "submission": [
                (FIELD_LABELS[name], _shown(view[name], name))
                for name in audiences.GUIDELINE_FIELDS
            ],
            "follow_up_of": earlier,
            "follow_ups": later,
            "rca": rca_selectors.rca_visible(actor).filter(case=case).first(),
            "comments": selectors.case_comments(actor=actor, case=case),
            "events": audiences.timeline_read(actor, case),
            "comment_form": comment_form or CommentForm(audiences=writable, default=default),
            "macro_choices": macros.macros_for(actor).select_related(None).only("pk", "name"),
            "attachments": selectors.case_attachments(actor=actor, case=case),
            "attachment_form": attachment_form or AttachmentForm(audiences=writable),
            "details_form": (details_form or DetailsForm(initial=_details_initial(case)))
            if may_edit
            else None,
            "is_p1": case.priority == Priority.P1,
            "vendor_phone": party_selectors.organisation_list(
                actor=actor, kind=OrganisationKind.VENDOR
            )
            .values_list("helpdesk_phone", flat=True)
            .first(),
        },
        status=status,
    )


def _next_due(actor: Person, case: Case, is_customer: bool) -> dict[str, Any]:
    """The header's next due time on the reader's side, with its colour (none for customers:
    their page says what is expected of them instead)."""
    if is_customer:
        return {"next_due": None, "due_state": ""}
    return {
        "next_due": workspace.next_due_at(case, actor),
        "due_state": workspace.due_state(case, actor, clock.now()),
    }


@require_GET
@login_required
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    return case_page(request, _case_or_404(actor, case_id))


@require_POST
@login_required
def case_action_view(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    revision = request.POST.get("revision")
    expected = parse_digits(revision)
    values = {name: request.POST.get(name, "") for name in STEP_INPUTS}
    try:
        if revision and expected is None:
            raise ValidationFailed(
                "The form is out of date: reload the case and try again.",
                fields={"revision": "Not a revision of this case."},
            )
        services.case_transition(
            actor=actor,
            case=case,
            action=action,
            expected_revision=expected,
            reason=values["reason"],
            return_reason=values["return_reason"] or None,
            attribution=values["attribution"] or None,
            version_override_request=values["version_override_request"],
            message=values["message"],
        )
    except DomainError as error:
        # The step's form is shown again beside its button, each error beside its field and
        # what was typed kept; a refused escalation lists every unmet rule in words instead.
        gate = error.code == "escalation_gate"
        errors = {
            name: list(items)
            for name, items in error.fields.items()
            if name in STEP_INPUTS and not gate
        }
        others = [
            " ".join(items)
            for name, items in error.fields.items()
            if name not in STEP_INPUTS and name != "allowed" and not gate
        ]
        # Errors shown beside their fields need no line on top; anything else does.
        errors[""] = others if errors else [error.detail, *others]
        return case_page(
            request,
            _case_or_404(actor, case_id),
            refused=Refusal(action, errors, values),
            gate_problems=dict(error.fields) if gate else None,
            status=error.status,
        )
    return redirect("ui:case", case_id=case.pk)


@require_POST
@login_required
def case_comment_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    form = CommentForm(request.POST, request.FILES, audiences=_writable_audiences(actor, case))
    if form.is_valid():
        try:
            # A macro's step goes with the message in one transaction: refused, neither is kept.
            comment = macros.case_reply_then_step(
                actor=actor,
                case=case,
                audience=form.cleaned_data["audience"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                action=form.cleaned_data["step"] or "",
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            outcome = getattr(comment, "outcome", "added")
            if outcome == "reopened":
                messages.success(request, f"Your message reopened {case.number}; the desk is told.")
            elif outcome == "follow_up":
                messages.info(
                    request,
                    f"{case.number} was closed too long ago to reopen, so your message opened "
                    f"{comment.case.number}, linked to it.",
                )
            return redirect("ui:case", case_id=comment.case_id)
    return case_page(request, case, comment_form=form, status=422)


@require_POST
@login_required
def case_details_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    form = DetailsForm(request.POST)
    saved = False
    if form.is_valid():
        data = dict(form.cleaned_data)
        revision = data.pop("revision")
        data["frequency"] = data["frequency"] or ""
        data["component"] = data["component"] or None
        try:
            services.case_update_details(
                actor=actor, case=case, expected_revision=revision, changes=data
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            saved = True
    if request.htmx:  # type: ignore[attr-defined]
        # Autosave: the checklist, the buttons and the revision follow; the form stays as typed.
        case = _case_or_404(actor, case_id)
        context = {**_workflow_context(actor, case), "problems": form.errors}
        return render(
            request, "ui/cases/partials/autosaved.html", context, status=200 if saved else 422
        )
    if saved:
        messages.success(request, "The details are saved.")
        return redirect("ui:case", case_id=case.pk)
    return case_page(request, case, details_form=form, status=422)


@require_GET
@login_required
def escalation_checklist_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The checklist partial the escalation form refreshes while it is filled in."""
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    readiness = escalation_readiness(case, submitter=actor)
    return render(request, "ui/cases/partials/checklist.html", {"readiness": readiness})


class AttachmentForm(forms.Form):
    audience = forms.ChoiceField()
    file = forms.FileField()

    def __init__(self, *args: Any, audiences: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = audiences  # type: ignore[attr-defined]


def _writable_audiences(actor: Person, case: Case) -> list[tuple[str, str]]:
    """The audiences the actor may address, narrowest first (in model 1 the vendor is never
    offered the customer)."""
    labels = dict(Audience.choices)
    return [(value, labels[value]) for value in audiences.writable_audiences(actor, case)]


@require_POST
@login_required
def case_attach_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    form = AttachmentForm(request.POST, request.FILES, audiences=_writable_audiences(actor, case))
    status = 422
    if form.is_valid():
        try:
            services.case_attach(
                actor=actor,
                case=case,
                upload=form.cleaned_data["file"],
                audience=form.cleaned_data["audience"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
            status = error.status
        else:
            return redirect("ui:case", case_id=case.pk)
    return case_page(request, case, attachment_form=form, status=status)


@require_GET
@login_required
def attachment_download_view(request: HttpRequest, case_id: int, attachment_id: int) -> Any:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        attachment = selectors.access_attachment(actor, case_id, attachment_id)
    except NotFound as error:
        raise Http404(error.detail) from error
    return attachment_response(attachment)


@require_GET
@login_required
def case_lookup_view(request: HttpRequest) -> HttpResponse:
    """The header box's first address: it is the search now (a case number still opens the
    case), kept so that links and bookmarks to it work."""
    return redirect(f"{reverse('ui:search')}?{urlencode({'q': request.GET.get('q', '')})}")


def _assignment_context(actor: Person, case: Case) -> dict[str, Any]:
    """Who has each side the actor reads, and — when the actor may give its side to someone —
    the people of its desk who may take it at the level the side is worked at."""
    sides = {e.kind: e for e in case.engagements.all()}
    # Assignments are partner + vendor (their history lines are): a customer sees none here.
    shown = (
        []
        if actor.organisation.kind == OrganisationKind.CUSTOMER
        else [EngagementKind.CUSTOMER, EngagementKind.VENDOR]
    )
    assigned = [(kind, sides[kind].assignee) for kind in shown if kind in sides]
    side = services.assignable_side(actor, case)
    people = (
        list(services.assignable_people(actor.organisation, sides[side].tier))
        if side is not None and side in sides
        else []
    )
    return {
        "assigned": assigned,
        "assign_side": side if people else None,
        "assign_current": sides[side].assignee_id if side in sides else None,
        "assign_people": people,
    }


@require_POST
@login_required
def case_assign_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Give the side the actor's desk works to a colleague (or to nobody) from the case page."""
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    choice = request.POST.get("assignee", "")
    side = services.assignable_side(actor, case)
    if side is None:
        messages.error(request, f"You may not assign {case.number}.")
        return redirect("ui:case", case_id=case.pk)
    assignee: Person | None = None
    if choice:
        person_id = parse_digits(choice)
        assignee = (
            Person.objects.select_related("organisation")
            .filter(pk=person_id, organisation_id=actor.organisation_id)
            .first()
            if person_id is not None
            else None
        )
        if assignee is None:
            messages.error(request, f"{case.number} was not assigned: choose a colleague.")
            return redirect("ui:case", case_id=case.pk)
    try:
        services.case_assign(
            actor=actor,
            case=case,
            engagement=side,
            assignee=assignee,
            expected_revision=parse_digits(request.POST.get("revision", "")),
        )
    except DomainError as error:
        problems = "; ".join(p for ps in error.fields.values() for p in ps) or error.detail
        messages.error(request, f"{case.number} was not assigned: {problems}")
    else:
        who = "you" if assignee == actor else (assignee.full_name if assignee else "nobody")
        messages.success(request, f"{case.number} is assigned to {who}.")
    return redirect("ui:case", case_id=case.pk)


@require_POST
@login_required
def assign_to_me_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Take a case from a list: the side the actor's organisation works becomes the actor's."""
    actor: Person = request.user  # type: ignore[assignment]
    case = _case_or_404(actor, case_id)
    try:
        services.case_assign(
            actor=actor, case=case, engagement=services.side_worked_by(actor, case), assignee=actor
        )
    except DomainError as error:
        messages.error(request, f"{case.number} was not assigned to you: {error.detail}")
    else:
        messages.success(request, f"{case.number} is assigned to you.")
    return redirect("ui:home" if request.POST.get("back") == "home" else "ui:cases")
