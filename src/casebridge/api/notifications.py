"""Integration endpoints: webhook subscriptions and their delivery log, notification
preferences, and the health of deliveries and inbound mail."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from casebridge.api.pagination import Pages
from casebridge.api.schemas import ErrorOut, InSchema
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.notifications import selectors, services
from casebridge.notifications.choices import DeliveryStatus, InboundOutcome
from casebridge.notifications.models import (
    InboundMessage,
    WebhookDelivery,
    WebhookSubscription,
)
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
    return [
        {"kind": kind, "email": email}
        for kind, _, email in selectors.email_choices(_actor(request))
    ]


@router.put("/me/notifications/{kind}", response={200: PreferenceOut, **ERRORS})
def set_preference(request: HttpRequest, kind: str, payload: PreferenceIn) -> Any:
    return services.preference_set(actor=_actor(request), kind=kind, email=payload.email)


class InboxItemOut(Schema):
    id: int
    kind: str = Field(..., description="The event kind (docs/integration.md lists them).")
    headline: str = Field(..., description="The event in one sentence, as its e-mail says it.")
    purpose: str = Field(..., description="alert (you must act), consult, inform or escalate.")
    case_id: int | None
    case_number: str | None
    case_title: str | None
    respond_by: dt.datetime | None = Field(..., description="Consultations: answer by then.")
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_headline(notification: Any) -> str:
        return selectors.headline(notification)

    @staticmethod
    def resolve_case_number(notification: Any) -> str | None:
        return notification.case.number if notification.case else None

    @staticmethod
    def resolve_case_title(notification: Any) -> str | None:
        return notification.case.title if notification.case else None


class InboxOut(Schema):
    items: list[InboxItemOut]
    unread: int = Field(..., description="How many of your notifications are unread.")
    before: int | None = Field(..., description="Pass as ?before= for the next, older page.")


class ReadAllOut(Schema):
    read: int


class InboxIn(Schema):
    unread: bool = Field(False, description="Only the unread ones.")
    before: int | None = Field(None, ge=1, le=2**62, description="The page's `before`.")


@router.get("/me/inbox", response={200: InboxOut, **ERRORS}, summary="Your notifications")
def list_inbox(request: HttpRequest, query: Query[InboxIn]) -> Any:
    actor = _actor(request)
    page = selectors.inbox_page(actor, before=query.before, unread=query.unread)
    return {"items": page.items, "unread": selectors.unread_count(actor), "before": page.before}


@router.post(
    "/me/inbox/{notification_id}/read",
    response={200: InboxItemOut, **ERRORS},
    summary="Mark one of your notifications read",
)
def read_notification(request: HttpRequest, notification_id: int) -> Any:
    actor = _actor(request)
    notification = selectors.access_notification(actor, notification_id)
    return services.notification_read(actor=actor, notification=notification)


@router.post("/me/inbox/read-all", response={200: ReadAllOut, **ERRORS}, summary="Mark all read")
def read_all_notifications(request: HttpRequest) -> Any:
    return {"read": services.notifications_read_all(actor=_actor(request))}


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
