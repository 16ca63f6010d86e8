"""The integrations page: an organisation's webhooks with their delivery log and redelivery;
for the vendor's back office, the health of deliveries and the inbound mail quarantine."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from casebridge.core.errors import DomainError
from casebridge.notifications import services, webhooks
from casebridge.notifications.choices import InboundOutcome
from casebridge.notifications.models import InboundMessage, WebhookDelivery, WebhookSubscription
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Person
from casebridge.ui.forms import apply_domain_error


class WebhookForm(forms.Form):
    url = forms.CharField(max_length=500, label="URL")
    kinds = forms.MultipleChoiceField(
        required=False,
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event your organisation may hear of.",
    )

    def __init__(self, *args: object, organisation_kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kinds"].choices = list(webhooks.kinds_for(organisation_kind).items())  # type: ignore[attr-defined]


def _page(request: HttpRequest, form: WebhookForm | None = None, status: int = 200) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    manager = actor.has_role(Role.ADMIN, Role.MANAGER)
    subscriptions = list(
        WebhookSubscription.objects.filter(
            organisation_id=actor.organisation_id, is_active=True
        ).order_by("-id")[:50]
    )
    deliveries = (
        WebhookDelivery.objects.filter(subscription__in=subscriptions)
        .select_related("event", "subscription")
        .prefetch_related("log")
        .order_by("-created_at", "-id")[:50]
    )
    back_office = actor.organisation.kind == OrganisationKind.VENDOR and manager
    return render(
        request,
        "ui/integrations/page.html",
        {
            "manager": manager,
            "subscriptions": subscriptions,
            "deliveries": deliveries,
            "form": form or WebhookForm(organisation_kind=actor.organisation.kind),
            "health": services.health() if back_office else None,
            "quarantine": InboundMessage.objects.defer("raw")
            .filter(outcome=InboundOutcome.QUARANTINED)
            .order_by("-received_at")[:50]
            if back_office
            else [],
        },
        status=status,
    )


@require_GET
@login_required
def integrations_view(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@login_required
def webhook_add_view(request: HttpRequest) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    form = WebhookForm(request.POST, organisation_kind=actor.organisation.kind)
    if form.is_valid():
        kinds = form.cleaned_data["kinds"]
        try:
            subscription = services.subscription_create(
                actor=actor, url=form.cleaned_data["url"], kinds=kinds
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Webhook added. Its signing secret, shown only now: {subscription.secret}",
            )
            return redirect("ui:integrations")
    return _page(request, form, status=422)


@require_POST
@login_required
def webhook_delete_view(request: HttpRequest, subscription_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    subscription = WebhookSubscription.objects.filter(
        pk=subscription_id, organisation_id=actor.organisation_id
    ).first()
    if subscription is not None:
        try:
            cancelled = services.subscription_delete(actor=actor, subscription=subscription)
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request,
                "Webhook removed."
                + (f" {cancelled} pending deliveries were cancelled." if cancelled else ""),
            )
    return redirect("ui:integrations")


@require_POST
@login_required
def redeliver_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    actor: Person = request.user  # type: ignore[assignment]
    try:
        services.redeliver(actor=actor, delivery_id=delivery_id)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, "It goes out again with the next retry run (within a minute).")
    return redirect("ui:integrations")
