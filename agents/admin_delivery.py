"""Admin pages of what leaves the server: deliveries (with "retry now"), webhooks, and accounts' push settings."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from agents.admin_display import short_time, wrapped
from agents.admin_fields import SecretFileField, SecretTextField, secret_value
from agents.admin_scoping import TenantScopedAdmin, TenantScopedInline
from agents.delivery.liveness import worker_liveness
from agents.delivery.queue import delivery_retry_now
from agents.delivery.webhooks import (
    MAX_WEBHOOKS,
    WEBHOOK_EDITABLE,
    webhook_create,
    webhook_delete,
    webhook_ping,
    webhook_turn_off,
    webhook_turn_on,
    webhook_update,
)
from agents.models import Delivery, PushSettings, Webhook


def _fcm_key(text: str) -> dict:
    try:
        key = json.loads(text)
    except ValueError:
        raise ValidationError("This is not JSON: paste (or upload) the service account's .json key file.") from None
    missing = [name for name in PushSettings.FCM_KEY_FIELDS if not isinstance(key, dict) or not key.get(name)]
    if missing:
        raise ValidationError(f"This is not a service account key file: it lacks {', '.join(missing)}.")
    return key


def _apns_key(text: str) -> str:
    if "-----BEGIN PRIVATE KEY-----" not in text or "-----END PRIVATE KEY-----" not in text:
        raise ValidationError("Paste (or upload) the .p8 file as downloaded: -----BEGIN PRIVATE KEY----- …")
    return text


class PushSettingsForm(forms.ModelForm):
    """The push secrets pasted or uploaded, never shown back; blank leaves them as they are (see admin_fields)."""

    fcm_service_account = SecretTextField(
        label="FCM service account key",
        placeholder="Paste the .json key file's text here, or upload it below",
        help_text="The Firebase service account's JSON key (project_id, client_email, private_key, token_uri). "
        "Blank: unchanged.",
    )
    fcm_service_account_file = SecretFileField(label="…or upload the .json file")
    fcm_service_account_clear = forms.BooleanField(required=False, label="Remove the stored FCM key")
    apns_private_key = SecretTextField(
        label="APNs key (.p8)",
        placeholder="-----BEGIN PRIVATE KEY-----",
        help_text="The PEM text of the .p8 key. Blank: unchanged.",
    )
    apns_private_key_file = SecretFileField(label="…or upload the .p8 file")
    apns_private_key_clear = forms.BooleanField(required=False, label="Remove the stored APNs key")
    oauth_client_secret = forms.CharField(
        required=False,
        label="OAuth client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Blank: unchanged.",
    )

    class Meta:
        model = PushSettings
        fields = [
            "fcm_service_account",
            "apns_team_id",
            "apns_key_id",
            "apns_private_key",
            "apns_topic",
            "apns_sandbox",
            "webhook_url",
            "oauth_token_url",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_scope",
        ]

    def clean(self):
        data = super().clean()
        for name, parse in (("fcm_service_account", _fcm_key), ("apns_private_key", _apns_key)):
            try:
                data[name] = secret_value(self, name, parse)
            except ValidationError as error:
                self.add_error(name, error)
        data["oauth_client_secret"] = data.get("oauth_client_secret") or self.instance.oauth_client_secret
        return data

    def has_changed(self):
        return bool(self.changed_data)

    @property
    def changed_data(self):
        return [
            name for name in super().changed_data if not name.endswith("_clear") or self.data.get(self.add_prefix(name))
        ]


class PushSettingsInline(TenantScopedInline, admin.StackedInline):
    model = PushSettings
    form = PushSettingsForm
    account_path = "account"
    can_delete = False
    max_num = 1
    readonly_fields = ["webhook_secret", "fcm_key_stored", "apns_key_stored"]

    def has_view_permission(self, request, obj=None):
        """Push credentials (private keys, client secrets) are for those who may change the account only."""
        return super().has_view_permission(request, obj) and self._parent_writable(request, obj)

    @admin.display(description="Stored FCM key")
    def fcm_key_stored(self, settings: PushSettings):
        key = settings.fcm_service_account if settings.pk else None
        if not key:
            return "None"
        return f"{key.get('client_email', '?')} (project {key.get('project_id', '?')})"

    @admin.display(description="Stored APNs key")
    def apns_key_stored(self, settings: PushSettings):
        return "A key is stored" if settings.pk and settings.apns_private_key else "None"

    fieldsets = [
        (
            "FCM (push types 1, 3 and 6: Android and iOS apps)",
            {
                "fields": [
                    "fcm_key_stored",
                    "fcm_service_account",
                    "fcm_service_account_file",
                    "fcm_service_account_clear",
                ]
            },
        ),
        (
            "APNs (push type 2)",
            {
                "fields": [
                    "apns_team_id",
                    "apns_key_id",
                    "apns_key_stored",
                    "apns_private_key",
                    "apns_private_key_file",
                    "apns_private_key_clear",
                    "apns_topic",
                    "apns_sandbox",
                ]
            },
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

    list_display = ["when", "event_type", "target_shown", "status_shown", "account"]
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

    @admin.display(description="Created", ordering="created_at")
    def when(self, delivery: Delivery):
        return short_time(delivery.created_at)

    @admin.display(description="Target", ordering="target")
    def target_shown(self, delivery: Delivery):
        return wrapped(delivery.target)

    @admin.display(description="Status", ordering="status")
    def status_shown(self, delivery: Delivery):
        """The status with what happened: the last HTTP status and the attempts (the next one while pending)."""
        parts = [delivery.get_status_display()]
        if delivery.last_status_code:
            parts.append(f"HTTP {delivery.last_status_code}")
        if delivery.attempts:
            parts.append(f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}")
        if delivery.status == Delivery.Status.PENDING and delivery.next_attempt_at:
            parts.append(f"next {short_time(delivery.next_attempt_at)}")
        return ", ".join(parts)

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


class WebhookForm(forms.ModelForm):
    """Events and senders as checkboxes (not raw JSON); the URL checked by the outgoing-URL policy (the model's
    clean, as the integration API checks it)."""

    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in Webhook.Event.values],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events sent to this URL.",
    )
    sender_kinds = forms.MultipleChoiceField(
        choices=[(kind, kind) for kind in Webhook.SENDER_KINDS],
        widget=forms.CheckboxSelectMultiple,
        initial=["customer"],
        label="Senders",
        help_text="Whose messages are sent (message.created).",
    )

    class Meta:
        model = Webhook
        fields = ["account", "url", "events", "sender_kinds", "description", "active"]
        labels = {"url": "URL"}

    def clean(self):
        data = super().clean()
        account = data.get("account") or (self.instance.account if self.instance.pk else None)
        full = account is not None and Webhook.objects.filter(account=account).count() >= MAX_WEBHOOKS
        if self.instance.pk is None and full:
            raise forms.ValidationError(f"An account has at most {MAX_WEBHOOKS} webhooks.")
        return data


@admin.register(Webhook)
class WebhookAdmin(TenantScopedAdmin):
    """Added, edited, turned on and off and pinged through the same services as the integration API's webhooks
    (`agents.delivery.webhooks`), audited with what changed. The secret is shown once, when the webhook is made."""

    form = WebhookForm

    class Media:
        css = {"all": ["agents/admin_forms.css"]}

    list_display = ["url_shown", "account", "active", "events_shown"]
    list_select_related = ["account"]
    list_filter = ["active", "account", "failing_since"]
    search_fields = ["url", "description", "account__name"]
    readonly_fields = ["owner_key", "disabled_reason", "failing_since", "created_at", "deliveries_link"]
    actions = ["send_test_ping", "turn_on", "turn_off"]
    account_path = "account"
    change_form_template = "admin/agents/webhook/change_form.html"

    def get_fields(self, request, obj=None):
        editable = ["account", "url", "events", "sender_kinds", "description", "active"]
        if obj is None:
            return editable
        return [*editable, "disabled_reason", "failing_since", "owner_key", "created_at", "deliveries_link"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["account", *self.readonly_fields]

    @admin.display(description="URL", ordering="url")
    def url_shown(self, webhook: Webhook):
        return wrapped(webhook.url)

    @admin.display(description="Events")
    def events_shown(self, webhook: Webhook):
        events = webhook.events or []
        return ", ".join(events[:3]) + (f" +{len(events) - 3}" if len(events) > 3 else "")

    @admin.display(description="Deliveries")
    def deliveries_link(self, webhook: Webhook):
        url = reverse("admin:agents_delivery_changelist") + f"?webhook__id__exact={webhook.pk}"
        return format_html('<a href="{}">Deliveries to this webhook</a>', url)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            webhook_update(
                webhook=obj, actor=request.user, **{name: data[name] for name in WEBHOOK_EDITABLE if name in data}
            )
            return
        webhook = webhook_create(
            account=data["account"],
            url=data["url"],
            events=data["events"],
            sender_kinds=data["sender_kinds"],
            description=data.get("description", ""),
            active=data.get("active", True),
            actor=request.user,
        )
        obj.pk = webhook.pk
        self.message_user(
            request,
            format_html(
                "The webhook's signing secret is <code>{}</code>. Copy it now: it is never shown again.",
                webhook.secret,
            ),
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        webhook_delete(webhook=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for webhook in queryset:
            webhook_delete(webhook=webhook, actor=request.user)

    # --- the test ping: an action on the list, and a button on the change page --------------------------

    def get_urls(self):
        ping = path(
            "<path:object_id>/ping/",
            self.admin_site.admin_view(self.ping_view),
            name="agents_webhook_ping",
        )
        return [ping, *super().get_urls()]

    def ping_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        webhook = self.get_object(request, object_id)  # another tenant's: None (its queryset is scoped)
        if webhook is None or not self.has_change_permission(request, webhook):
            raise Http404("No such webhook.")
        self._ping(request, webhook)
        return redirect(reverse("admin:agents_delivery_changelist") + f"?webhook__id__exact={webhook.pk}")

    def _ping(self, request, webhook: Webhook) -> None:
        delivery = webhook_ping(webhook=webhook)
        link = reverse("admin:agents_delivery_change", args=[delivery.pk])
        self.message_user(
            request,
            format_html('A test ping to {} is queued: <a href="{}">delivery {}</a>.', webhook.url, link, delivery.pk),
            messages.SUCCESS,
        )

    @admin.action(description="Send a test ping")
    def send_test_ping(self, request, queryset):
        for webhook in queryset.select_related("account"):
            self._ping(request, webhook)

    @admin.action(description="Turn on (after fixing the receiver)")
    def turn_on(self, request, queryset):
        self._switch(request, queryset, webhook_turn_on, "Turned on")

    @admin.action(description="Turn off")
    def turn_off(self, request, queryset):
        self._switch(request, queryset, webhook_turn_off, "Turned off")

    def _switch(self, request, queryset, service, done: str) -> None:
        for webhook in queryset:
            try:
                service(webhook=webhook, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{webhook.url}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{done}: {webhook.url}.", messages.SUCCESS)
