from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from casebridge.core.choices import DeliveryStatus
from casebridge.core.models import AuditEvent, OutboxDelivery, OutboxEvent, PeriodicJobState
from casebridge.core.outbox import outbox_retry_failed


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only: the back office may read it, never edit it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "actor_label", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "target_id", "action"]
    date_hierarchy = "occurred_at"


class OutboxDeliveryInline(admin.TabularInline):
    model = OutboxDelivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "occurred_at", "dedup_key"]
    list_filter = ["kind"]
    search_fields = ["dedup_key", "kind"]
    inlines = [OutboxDeliveryInline]


@admin.register(OutboxDelivery)
class OutboxDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event",
        "handler",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "handler"]
    list_select_related = ["event"]
    actions = ["retry"]

    @admin.action(description="Retry the selected failed deliveries")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxDelivery]) -> None:
        ids = list(queryset.filter(status=DeliveryStatus.FAILED).values_list("id", flat=True))
        count = outbox_retry_failed(delivery_ids=ids)
        self.message_user(request, f"Queued {count} deliveries again.", messages.SUCCESS)


@admin.register(PeriodicJobState)
class PeriodicJobStateAdmin(ReadOnlyAdmin):
    list_display = ["name", "next_run_at", "last_enqueued_at"]
