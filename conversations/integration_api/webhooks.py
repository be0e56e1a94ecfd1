"""Integration API: webhook management (spec §8.8) under `/api/v2/webhooks`."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from agents.delivery.webhooks import MAX_WEBHOOKS, webhook_create, webhook_delete, webhook_ping
from agents.models import Webhook
from conversations.integration_api.base import IntegrationAPIView
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import StrictSerializer, field_error
from messenger_project.numbers import is_digits
from messenger_project.outbound_urls import url_problem
from messenger_project.timestamps import iso


def webhook_representation(webhook: Webhook, *, secret: bool = False) -> dict:
    """The secret only in the answer to the create request (§8.8)."""
    data = {
        "id": webhook.pk,
        "url": webhook.url,
        "events": webhook.events,
        "senderKinds": webhook.sender_kinds,
        "description": webhook.description,
        "active": webhook.active,
        "disabledReason": webhook.disabled_reason or None,
        "createdAt": iso(webhook.created_at),
        "ownerKeyId": webhook.owner_key_id,
    }
    if secret:
        data["secret"] = webhook.secret
    return data


class WebhookCreateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2048)
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
        return Response({"_embedded": {"webhooks": [webhook_representation(w) for w in webhooks]}})

    def post(self, request):
        payload = WebhookCreateSerializer(data=request.data)
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
        return Response(webhook_representation(webhook, secret=True), status=201, headers={"Location": location})


class WebhookDetailView(IntegrationAPIView):
    def delete(self, request, webhook_id: str):
        webhook_delete(webhook=_webhook(self.account, webhook_id))
        return Response(status=204)


class WebhookTestView(IntegrationAPIView):
    def post(self, request, webhook_id: str):
        delivery = webhook_ping(webhook=_webhook(self.account, webhook_id))
        return Response({"eventId": delivery.event_id}, status=202)


def _webhook(account, webhook_id: str) -> Webhook:
    """Another account's webhook, or an id that names none, is 404 (§1, tenant isolation)."""
    found = (
        Webhook.objects.filter(account=account, pk=int(webhook_id)) if is_digits(webhook_id) else Webhook.objects.none()
    )
    webhook = found.select_related("account").first()
    if webhook is None:
        raise ApiError(404, "not_found", "No such webhook.")
    return webhook
