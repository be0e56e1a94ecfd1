"""Admin pages of what leaves the server: deliveries (with "retry now"), webhooks, and accounts' push settings."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from agents.admin_scoping import TenantScopedAdmin, TenantScopedInline
from agents.delivery.liveness import worker_liveness
from agents.delivery.queue import delivery_retry_now
from agents.delivery.webhooks import webhook_turn_on
from agents.models import Delivery, PushSettings, Webhook


class PushSettingsInline(TenantScopedInline, admin.StackedInline):
    model = PushSettings
    account_path = "account"
    can_delete = False
    max_num = 1
    readonly_fields = ["webhook_secret"]

    def has_view_permission(self, request, obj=None):
        """Push credentials (private keys, client secrets) are for those who may change the account only."""
        return super().has_view_permission(request, obj) and self._parent_writable(request, obj)

    fieldsets = [
        ("FCM (push types 1, 3 and 6: Android and iOS apps)", {"fields": ["fcm_service_account"]}),
        (
            "APNs (push type 2)",
            {"fields": ["apns_team_id", "apns_key_id", "apns_private_key", "apns_topic", "apns_sandbox"]},
        ),
        (
            "Custom webhook (push types 4 and 5)",
            {
                "fields": [
                    "webhook_url",
                    "webhook_secret",
                    "oauth_token_url",
                    "oauth_client_id",
                    "oauth_client_secret",
                    "oauth_scope",
                ]
            },
        ),
    ]


@admin.register(Delivery)
class DeliveryAdmin(TenantScopedAdmin):
    """Seen by the accounts' members; "retry now" is for their admins (TenantScopedAdmin's write role)."""

    list_display = [
        "created_at",
        "kind",
        "event_type",
        "target",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "account",
    ]
    list_select_related = ["account"]
    list_filter = ["status", "kind", "event_type", "account"]
    search_fields = ["target", "event_id", "reference", "last_error"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    fields = [
        "account",
        "kind",
        "event_type",
        "event_id",
        "reference",
        "target",
        "webhook",
        "status",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "last_status_code",
        "last_error",
        "created_at",
        "updated_at",
        "delivered_at",
        "payload_shown",
    ]
    readonly_fields = fields
    account_path = "account"

    @admin.display(description="Payload")
    def payload_shown(self, delivery: Delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False))

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        """A banner: is the task worker, which sends all of these, alive (`agents.delivery.liveness`)?"""
        liveness = worker_liveness()
        if liveness is not None and liveness.ok:
            seen = timezone.localtime(liveness.last_beat_at).strftime("%Y-%m-%d %H:%M:%S %Z")
            self.message_user(request, f"The task worker was last seen at {seen}.", messages.INFO)
        elif liveness is not None:
            seen = (
                "has never been seen"
                if liveness.last_beat_at is None
                else "has not been seen since "
                + timezone.localtime(liveness.last_beat_at).strftime("%Y-%m-%d %H:%M:%S %Z")
            )
            self.message_user(request, f"The task worker {seen} — pushes and webhooks are waiting.", messages.ERROR)
        return super().changelist_view(request, extra_context)

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset):
        queued = sum(delivery_retry_now(delivery=delivery) for delivery in queryset)
        skipped = queryset.count() - queued
        self.message_user(request, f"{queued} queued for an attempt now.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} are being attempted right now.", messages.WARNING)


@admin.register(Webhook)
class WebhookAdmin(TenantScopedAdmin):
    list_display = ["url", "account", "active", "disabled_reason", "failing_since", "created_at"]
    list_select_related = ["account"]
    list_filter = ["active", "account"]
    search_fields = ["url", "description"]
    fields = [
        "account",
        "url",
        "events",
        "sender_kinds",
        "description",
        "owner_key",
        "active",
        "disabled_reason",
        "failing_since",
        "created_at",
    ]
    readonly_fields = ["account", "owner_key", "disabled_reason", "failing_since", "created_at"]
    actions = ["turn_on"]
    account_path = "account"

    def has_add_permission(self, request):
        return False  # made through the integration API, which shows the secret once

    @admin.action(description="Turn on again (after fixing the receiver)")
    def turn_on(self, request, queryset):
        for webhook in queryset:
            webhook_turn_on(webhook=webhook)
        self.message_user(request, "Turned on.", messages.SUCCESS)
