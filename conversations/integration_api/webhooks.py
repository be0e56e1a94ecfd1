"""Integration API: webhook management under `/api/v2/webhooks`; each shape declared once, rendering and documenting."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from agents.delivery.webhooks import MAX_WEBHOOKS, webhook_create, webhook_delete, webhook_ping
from agents.models import Webhook
from conversations.integration_api.base import IntegrationAPIView
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import (
    IsoDateTimeField,
    NullIfBlankField,
    StrictSerializer,
    field_error,
)
from messenger_project.numbers import is_digits
from messenger_project.outbound_urls import url_problem


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "pattern": "^https://",
        "maxLength": 2048,
        "description": "An https URL whose host resolves to public addresses only (`invalid_url` otherwise). With "
        "the server's `WEBHOOKS_ALLOW_PRIVATE_TARGETS`, plain http and private addresses are allowed too.",
    }
)
class WebhookUrlField(serializers.CharField):
    pass


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=Webhook.Event.values))
    senderKinds = serializers.ListField(
        source="sender_kinds", child=serializers.ChoiceField(choices=Webhook.SENDER_KINDS)
    )
    description = serializers.CharField()
    active = serializers.BooleanField()
    disabledReason = NullIfBlankField(source="disabled_reason")
    createdAt = IsoDateTimeField(source="created_at")
    ownerKeyId = serializers.IntegerField(
        source="owner_key_id", allow_null=True, help_text="The API key that made it (the loop guard)."
    )


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="`whsec_…`: signs the deliveries. Shown only in this answer.")


class WebhooksEmbeddedSerializer(serializers.Serializer):
    webhooks = WebhookSerializer(many=True)


class WebhookListSerializer(serializers.Serializer):
    _embedded = WebhooksEmbeddedSerializer()


class WebhookTestSerializer(serializers.Serializer):
    eventId = serializers.CharField(help_text="The `ping` event's id (`X-Webhook-Id`).")


class NewWebhookSerializer(StrictSerializer):
    """A new webhook: where to send which events."""

    url = WebhookUrlField(max_length=2048)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Webhook.Event.values), allow_empty=False, max_length=len(Webhook.Event)
    )
    senderKinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Webhook.SENDER_KINDS), allow_empty=False, required=False
    )
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate_url(self, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise serializers.ValidationError(field_error(f"{problem}", "invalid_url"))
        return value


class WebhooksView(IntegrationAPIView):
    def get(self, request):
        webhooks = Webhook.objects.filter(account=self.account).order_by("created_at", "id")
        return Response(WebhookListSerializer({"_embedded": {"webhooks": webhooks}}).data)

    def post(self, request):
        payload = NewWebhookSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            webhook = webhook_create(
                account=self.account,
                url=data["url"],
                events=data["events"],
                sender_kinds=data.get("senderKinds", ["customer"]),
                description=data.get("description", ""),
                owner_key=self.api_key,
            )
        except ServiceError as error:
            if error.code != "too_many_webhooks":
                raise
            raise validation_failed(
                [FieldError("url", "too_many_items", f"an account has at most {MAX_WEBHOOKS} webhooks")]
            ) from None
        location = f"/api/v2/webhooks/{webhook.pk}"
        body = WebhookCreatedSerializer(webhook).data  # the secret only in this answer
        return Response(body, status=201, headers={"Location": location})


class WebhookDetailView(IntegrationAPIView):
    def delete(self, request, webhook_id: str):
        webhook_delete(webhook=_webhook(self.account, webhook_id))
        return Response(status=204)


class WebhookTestView(IntegrationAPIView):
    def post(self, request, webhook_id: str):
        delivery = webhook_ping(webhook=_webhook(self.account, webhook_id))
        return Response(WebhookTestSerializer({"eventId": delivery.event_id}).data, status=202)


def _webhook(account, webhook_id: str) -> Webhook:
    """Another account's webhook, or an id that names none, is 404 (§1, tenant isolation)."""
    found = (
        Webhook.objects.filter(account=account, pk=int(webhook_id)) if is_digits(webhook_id) else Webhook.objects.none()
    )
    webhook = found.select_related("account").first()
    if webhook is None:
        raise ApiError(404, "not_found", "No such webhook.")
    return webhook
