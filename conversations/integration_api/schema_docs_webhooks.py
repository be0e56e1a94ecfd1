"""OpenAPI documentation of webhook management (spec §8.8), and of what a webhook receives.

Documentation only, like `schema_docs`: attached to the views at import time (from `urls.py`).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from conversations.integration_api.openapi import (
    IDEMPOTENCY_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    errors_of,
    success_headers,
)
from conversations.integration_api.schema_docs import IDEMPOTENCY_KEY, _example, _ok, _path, _request_example
from conversations.integration_api.webhooks import (
    NewWebhookSerializer,
    WebhookCreatedSerializer,
    WebhookDetailView,
    WebhookListSerializer,
    WebhooksView,
    WebhookTestSerializer,
    WebhookTestView,
)

TAG_WEBHOOKS = "Integration API: webhooks"
WEBHOOK_ID = _path("webhook_id", "The webhook id (digits); anything else is a 404.", pattern="^[0-9]+$", example="7")

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

extend_schema_view(
    get=extend_schema(
        operation_id="listWebhooks",
        summary="List webhooks",
        description="The account's webhooks, without their secrets." + RECEIVING,
        tags=[TAG_WEBHOOKS],
        parameters=success_headers(200),
        responses={
            200: _ok(
                WebhookListSerializer, "The webhooks.", _example("Webhooks", {"_embedded": {"webhooks": [WEBHOOK]}})
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
            _request_example(
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
            201: _ok(
                WebhookCreatedSerializer,
                "Created; the secret is shown only now.",
                _example("Created", {**WEBHOOK, "secret": "whsec_3b0c…"}),
            ),
            **errors_of(*WRITE_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    ),
)(WebhooksView)

extend_schema_view(
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
)(WebhookDetailView)

extend_schema_view(
    post=extend_schema(
        operation_id="testWebhook",
        summary="Send a ping",
        description="Queues a `ping` event to this webhook alone (`data.webhookId`), signed and retried like any "
        "other. Answers 202 with the event id.",
        tags=[TAG_WEBHOOKS],
        parameters=[WEBHOOK_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={
            202: _ok(WebhookTestSerializer, "Queued.", _example("Queued", {"eventId": "evt_5Kp0aZ8s2W9mQ1bT7cV3xY"})),
            **errors_of(*READ_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    )
)(WebhookTestView)
