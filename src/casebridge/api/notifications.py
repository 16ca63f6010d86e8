"""Integration endpoints: webhook subscriptions and their delivery log, notification
preferences, and the health of deliveries and inbound mail."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.notifications import services
from casebridge.notifications.choices import DeliveryStatus, InboundOutcome
from casebridge.notifications.models import (
    InboundMessage,
    NotificationPreference,
    WebhookDelivery,
    WebhookSubscription,
)
from casebridge.notifications.recipients import NOTIFIED_KINDS
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import Person

router = Router(tags=["integrations"])

ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Person:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class SubscriptionOut(Schema):
    id: int
    url: str
    kinds: list[str]
    is_active: bool
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="Shown once: keep it to verify the signatures.")


class SubscriptionIn(InSchema):
    url: str = Field(..., max_length=500, examples=["https://desk.partner.example/casebridge"])
    kinds: list[str] = Field(
        default_factory=list,
        description=(
            "Event kinds about a case (docs/integration.md lists them); a kind your organisation "
            "never receives is refused. Empty: every kind you may see."
        ),
        examples=[["case.opened", "case.provide_solution"]],
    )
    secret: str = Field("", max_length=100, description="Empty: one is generated.")


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    duration_ms: int
    error: str


class DeliveryOut(Schema):
    id: int
    kind: str
    event_key: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    log: list[AttemptOut]

    @staticmethod
    def resolve_kind(delivery: WebhookDelivery) -> str:
        return delivery.event.kind

    @staticmethod
    def resolve_event_key(delivery: WebhookDelivery) -> str:
        return delivery.event.dedup_key

    @staticmethod
    def resolve_log(delivery: WebhookDelivery) -> list[Any]:
        return list(delivery.log.all())


def _subscription(actor: Person, subscription_id: int) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.select_related("organisation")
        .filter(pk=subscription_id, organisation_id=actor.organisation_id)
        .first()
    )
    if subscription is None:
        raise NotFound("No such webhook.")
    return subscription


@router.get("/webhooks", response=list[SubscriptionOut], summary="Your organisation's webhooks")
@paginate(Pages)
def list_webhooks(request: HttpRequest) -> Any:
    return WebhookSubscription.objects.filter(
        organisation_id=_actor(request).organisation_id
    ).order_by("-id")


@router.post("/webhooks", response={201: SubscriptionCreatedOut, **ERRORS})
def create_webhook(request: HttpRequest, payload: SubscriptionIn) -> Status[Any]:
    subscription = services.subscription_create(
        actor=_actor(request), url=payload.url, kinds=payload.kinds, secret=payload.secret
    )
    return Status(201, subscription)


@router.delete("/webhooks/{subscription_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, subscription_id: int) -> Status[None]:
    actor = _actor(request)
    services.subscription_delete(actor=actor, subscription=_subscription(actor, subscription_id))
    return Status(204, None)


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response=list[DeliveryOut],
    summary="The delivery log: every event sent, its attempts and their outcome",
)
@paginate(Pages)
def list_deliveries(request: HttpRequest, subscription_id: int) -> Any:
    subscription = _subscription(_actor(request), subscription_id)
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related("log")
        .order_by("-created_at", "-id")
    )


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response={200: DeliveryOut, **ERRORS},
    summary="Send a delivery again at the next retry run",
)
def redeliver(request: HttpRequest, delivery_id: int) -> Any:
    delivery = services.redeliver(actor=_actor(request), delivery_id=delivery_id)
    return (
        WebhookDelivery.objects.select_related("event").prefetch_related("log").get(pk=delivery.pk)
    )


class PreferenceOut(Schema):
    kind: str
    email: bool


class PreferenceIn(InSchema):
    email: bool


@router.get("/me/notifications", response=list[PreferenceOut], summary="Your e-mail choices")
def list_preferences(request: HttpRequest) -> Any:
    actor = _actor(request)
    chosen = dict(NotificationPreference.objects.filter(person=actor).values_list("kind", "email"))
    return [{"kind": kind, "email": chosen.get(kind, True)} for kind in NOTIFIED_KINDS]


@router.put("/me/notifications/{kind}", response={200: PreferenceOut, **ERRORS})
def set_preference(request: HttpRequest, kind: str, payload: PreferenceIn) -> Any:
    return services.preference_set(actor=_actor(request), kind=kind, email=payload.email)


class HealthOut(Schema):
    outbox_failed: int
    outbox_stuck: int
    webhooks_failed: int
    webhooks_retrying: int
    mail_quarantined: int
    mail_last_received_at: dt.datetime | None


def _require_vendor_back_office(actor: Person) -> None:
    if actor.organisation.kind != OrganisationKind.VENDOR or not actor.has_role(
        Role.ADMIN, Role.MANAGER
    ):
        raise PermissionDenied("The vendor's administrators and managers see the health.")


@router.get("/health/integrations", response={200: HealthOut, **ERRORS})
def integration_health(request: HttpRequest) -> Any:
    _require_vendor_back_office(_actor(request))
    return services.health()


class InboundOut(Schema):
    id: int
    message_id: str
    received_at: dt.datetime
    sender: str
    recipient: str
    subject: str
    outcome: InboundOutcome
    reason: str
    case_id: int | None


@router.get("/mail/inbound", response=list[InboundOut], summary="Received e-mail and its fate")
@paginate(Pages)
def list_inbound(request: HttpRequest, outcome: InboundOutcome | None = None) -> Any:
    _require_vendor_back_office(_actor(request))
    messages = InboundMessage.objects.defer("raw").order_by("-received_at", "-id")
    return messages.filter(outcome=outcome) if outcome else messages
