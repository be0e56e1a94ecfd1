"""Integration API: webhook management under `/api/v2/webhooks`; each shape declared once, rendering and documenting."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from agents.delivery.webhooks import MAX_WEBHOOKS, webhook_create, webhook_delete, webhook_ping
from agents.models import Webhook
from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.openapi import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_KEY,
    READ_ERRORS,
    WRITE_ERRORS,
    errors_of,
    example_of,
    ok_response,
    path_param,
    request_example,
    success_headers,
)
from conversations.integration_api.pages import hal_all, hal_list_serializer
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


WebhookListSerializer = hal_list_serializer("Webhook", "webhooks", WebhookSerializer)


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


TAG_WEBHOOKS = "Integration API: webhooks"


WEBHOOK_ID = path_param(
    "webhook_id", "The webhook id (digits); anything else is a 404.", pattern="^[0-9]+$", example="7"
)


RECEIVING = """
**What a webhook receives.** A `POST` with the JSON envelope
`{"id": "evt_…", "type": "message.created", "createdAt": "…Z", "appId": "app_…", "data": {…}}` and the headers
`X-Webhook-Id` (the event id), `X-Webhook-Event`, `X-Webhook-Timestamp` (Unix seconds) and
`X-Webhook-Signature: v1=<hex>`: HMAC-SHA256, keyed with the webhook's secret, of `"{timestamp}.{raw body}"`.
Compare in constant time and reject timestamps older than 5 minutes.

`data` holds `conversation` (as `GET /api/v2/conversations/{id}`), and per event `thread`, `message` (as in the
messages list, plus `silent`), `user` (as `GET /api/external/users/{id}`), `previousStatus`, `previousAssigneeId`,
`mergedConversationId` or `mergedUserId`. Typing events carry `conversation.id` and `user` (`kind`, `userId`).

**Delivery.** Any 2xx within 10 s is success; redirects are not followed. Otherwise the same event (same id and
body, fresh timestamp and signature) is retried after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h. A `410 Gone`
turns the webhook off at once; 3 days of nothing but failures turn it off too (`active: false`, `disabledReason`).
At least once and in no guaranteed order: dedupe by `X-Webhook-Id`. Imported content and spam conversations fire
nothing. A `message.created` (or typing) of the bot bound to the key that made the webhook is not sent to it.
"""


WEBHOOK = {
    "id": 7,
    "url": "https://bots.example.com/hooks/messenger",
    "events": ["message.created"],
    "senderKinds": ["customer"],
    "description": "Pens bot",
    "active": True,
    "disabledReason": None,
    "createdAt": "2024-05-01T10:00:00Z",
    "ownerKeyId": 3,
}


@extend_schema_view(
    get=extend_schema(
        operation_id="listWebhooks",
        summary="List webhooks",
        description="The account's webhooks, without their secrets." + RECEIVING,
        tags=[TAG_WEBHOOKS],
        parameters=success_headers(200),
        responses={
            200: ok_response(
                WebhookListSerializer, "The webhooks.", example_of("Webhooks", {"_embedded": {"webhooks": [WEBHOOK]}})
            ),
            **errors_of(*READ_ERRORS),
        },
    ),
    post=extend_schema(
        operation_id="createWebhook",
        summary="Create a webhook",
        description="`url` must use https and must not resolve to a loopback, private or link-local address "
        "(unless the server's `WEBHOOKS_ALLOW_PRIVATE_TARGETS` is on, which allows those and plain http). At most "
        '10 per account. `senderKinds` filters `message.created` (default `["customer"]`: new customer '
        "messages)." + RECEIVING,
        tags=[TAG_WEBHOOKS],
        parameters=[IDEMPOTENCY_KEY, *success_headers(201, location=True)],
        request=NewWebhookSerializer,
        examples=[
            request_example(
                "Bot",
                {
                    "url": WEBHOOK["url"],
                    "events": ["message.created"],
                    "senderKinds": ["customer"],
                    "description": "Pens bot",
                },
            )
        ],
        responses={
            201: ok_response(
                WebhookCreatedSerializer,
                "Created; the secret is shown only now.",
                example_of("Created", {**WEBHOOK, "secret": "whsec_3b0c…"}),
            ),
            **errors_of(*WRITE_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    ),
)
class WebhooksView(IntegrationAPIView):
    def get(self, request):
        webhooks = Webhook.objects.filter(account=self.account).order_by("created_at", "id")
        items = WebhookSerializer(webhooks, many=True).data
        return Response(hal_all(request, key="webhooks", items=items))

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


@extend_schema_view(
    delete=extend_schema(
        operation_id="deleteWebhook",
        summary="Delete a webhook",
        description="Its pending deliveries are dropped. Answers 204.",
        tags=[TAG_WEBHOOKS],
        parameters=[WEBHOOK_ID, IDEMPOTENCY_KEY],
        responses={
            204: OpenApiResponse(description="Deleted; empty body."),
            **errors_of(*READ_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    )
)
class WebhookDetailView(IntegrationAPIView):
    def delete(self, request, webhook_id: str):
        webhook_delete(webhook=_webhook(self.account, webhook_id))
        return Response(status=204)


@extend_schema_view(
    post=extend_schema(
        operation_id="testWebhook",
        summary="Send a ping",
        description="Queues a `ping` event to this webhook alone (`data.webhookId`), signed and retried like any "
        "other. Answers 202 with the event id.",
        tags=[TAG_WEBHOOKS],
        parameters=[WEBHOOK_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={
            202: ok_response(
                WebhookTestSerializer, "Queued.", example_of("Queued", {"eventId": "evt_5Kp0aZ8s2W9mQ1bT7cV3xY"})
            ),
            **errors_of(*READ_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    )
)
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
