"""The signed-in person's own profile: name, phone, time zone and language; which events they
hear of by e-mail; their second factors; and their signed-in sessions, with "sign out
everywhere"."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from casebridge.cases import events as case_events
from casebridge.core.audit import audit_record_about
from casebridge.core.clients import client_address
from casebridge.core.errors import DomainError
from casebridge.identity.audit_hooks import FACTOR_NAMES
from casebridge.identity.sessions import sessions_end
from casebridge.installed_base import events as installed_base_events
from casebridge.notifications.models import NotificationPreference
from casebridge.notifications.recipients import NOTIFIED_KINDS
from casebridge.notifications.services import preferences_set
from casebridge.parties import events as parties_events
from casebridge.parties.models import Person
from casebridge.parties.phones import phone_display
from casebridge.parties.second_factor import second_factor_reasons
from casebridge.parties.services import person_update
from casebridge.parties.services._validation import time_zones
from casebridge.rca import events as rca_events
from casebridge.ui.forms import apply_domain_error

#: Event kinds in words; a kind added later shows its code until it gets a line here.
KIND_LABELS: dict[str, str] = {
    case_events.OPENED: "A case is opened",
    case_events.ESCALATED: "A case is escalated to the vendor",
    case_events.RETURN: "The vendor returns a case",
    case_events.REQUEST_INFORMATION: "Someone asks for information on a case",
    case_events.PROVIDE_SOLUTION: "The vendor proposes a solution",
    case_events.CLOSE: "A case is closed",
    case_events.SLA_WARNING: "A service-level target is about to be missed",
    case_events.SLA_BREACHED: "A service-level target was missed",
    rca_events.OPENED: "A root-cause analysis is opened",
    rca_events.REASSIGNED: "A root-cause analysis changes owner",
    rca_events.OVERDUE: "A root-cause analysis is overdue",
    rca_events.SIGNED: "A root-cause analysis is signed off",
    installed_base_events.END_OF_LIFE_NOTICE: "Installed software nears its end of life",
    parties_events.CERTIFICATION_EXPIRING: "A certification expires soon",
}


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Name")
    phone = forms.CharField(
        required=False, max_length=40, label="Phone", help_text="Include the country code."
    )
    time_zone = forms.ChoiceField(
        required=False, label="Time zone", help_text="Empty: your browser's."
    )
    language = forms.ChoiceField(
        required=False,
        label="Language",
        help_text="The interface is in English today; your choice is kept for the translations.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            ("", "Your browser's"),
            *((zone, zone) for zone in sorted(time_zones())),
        ]
        self.fields["language"].choices = [("", "Not chosen"), *settings.LANGUAGES]  # type: ignore[attr-defined]


def _page(request: HttpRequest, form: ProfileForm | None = None, status: int = 200) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    if form is None:
        form = ProfileForm(
            initial={
                "full_name": person.full_name,
                "phone": phone_display(person.phone) if person.phone else "",
                "time_zone": person.time_zone,
                "language": person.language,
            }
        )
    chosen = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "email"))
    preferences = [
        (kind, KIND_LABELS.get(kind, kind), chosen.get(kind, True)) for kind in NOTIFIED_KINDS
    ]
    factors = [
        (authenticator, FACTOR_NAMES.get(authenticator.type, authenticator.type))
        for authenticator in Authenticator.objects.filter(user_id=person.pk).order_by("type")
    ]
    sessions = UserSession.objects.filter(user_id=person.pk).order_by("-created_at")[:50]
    return render(
        request,
        "ui/identity/profile.html",
        {
            "form": form,
            "preferences": preferences,
            "factors": factors,
            "factor_reasons": second_factor_reasons(person),
            "sessions": sessions,
            "current_session": request.session.session_key,
            "has_password": person.has_usable_password(),
        },
        status=status,
    )


@require_GET
@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required
def profile_save_view(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            person_update(
                actor=person,
                person=person,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("ui:profile")
    return _page(request, form, status=422)


@require_POST
@login_required
def preferences_save_view(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    wanted = set(request.POST.getlist("email"))
    preferences_set(actor=person, email={kind: kind in wanted for kind in NOTIFIED_KINDS})
    messages.success(request, "Your e-mail choices are saved.")
    return redirect("ui:profile")


@require_POST
@login_required
def sign_out_everywhere_view(request: HttpRequest) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    ended = sessions_end(person)  # this one too
    audit_record_about(
        actor=person,
        action="sign_in.signed_out_everywhere",
        target_type="parties.person",
        target_id=str(person.pk),
        organisation_id=person.organisation_id,
        after={"sessions_ended": ended, "address": client_address(request)},
    )
    logout(request)
    messages.success(request, f"Signed out everywhere ({ended} session(s)).")
    return redirect("ui:login")
