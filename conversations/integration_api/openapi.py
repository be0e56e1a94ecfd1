"""The integration API's OpenAPI parts that every operation shares, described once: the error body of each status
with an example per error code, the response headers, and the AutoSchema that adds both to every operation."""

from __future__ import annotations

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from conversations.integration_api.fields import CONVERSATION_ID as CONVERSATION_ID_PATTERN
from conversations.integration_api.fields import USER_ID as USER_ID_PATTERN
from conversations.integration_api.idempotency import KEY_MAX_LENGTH
from messenger_project.integration_api.errors import IntegrationErrorSerializer, MergedRedirectSerializer
from messenger_project.integration_api.serializers import StrictSerializer

REQUEST_ID_HEADER = OpenApiParameter(
    "X-Request-Id",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The request id; equals `error.logRef` on errors.",
)


COMMON_HEADERS = [
    REQUEST_ID_HEADER,
    OpenApiParameter(
        "X-RateLimit-Limit-Minute",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Sent once the key is known.",
    ),
    OpenApiParameter(
        "X-RateLimit-Remaining-Minute",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Sent once the key is known.",
    ),
    OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429], description="Seconds."),
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[401],
        description='`Bearer realm="integration"`.',
    ),
]


def success_headers(success: int, *, location: bool = False, resource_id: bool = False) -> list[OpenApiParameter]:
    """The headers particular to an operation's success: `Location`, `Resource-ID`."""
    headers = []
    if location:
        headers.append(
            OpenApiParameter(
                "Location", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[success], description="The new URL."
            )
        )
    if resource_id:
        headers.append(
            OpenApiParameter(
                "Resource-ID",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[success],
                description="The new thread's id.",
            )
        )
    return headers


MOVED_LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[301],
    description="Where the merged resource lives now.",
)


LOG_REF = "0b6c1f3e-2d47-4e3a-9a51-7f0c9e2a4b11"


def _error_body(status: int, code: str, message: str, *, fields=None, details=None) -> dict:
    body = {"status": status, "code": code, "message": message, "logRef": LOG_REF}
    if fields is not None:
        body["fields"] = fields
    body["details"] = details or {}
    return {"error": body}


ERROR_CASES: dict[str, tuple[int, str, dict]] = {
    "validation_failed": (
        400,
        "2 fields are invalid.",
        {
            "fields": [
                {
                    "path": "customer.firstName",
                    "code": "too_long",
                    "message": "must be 1 to 40 characters",
                    "rejectedValue": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                },
                {"path": "attachments[0].data", "code": "invalid_base64", "message": "is not valid base64"},
            ]
        },
    ),
    "malformed_json": (400, "The body is not valid JSON: Expecting value: line 1 column 2 (char 1)", {}),
    "authentication_required": (401, "An API key is required.", {}),
    "invalid_api_key": (401, "The API key is not valid.", {}),
    "bad_parameter": (
        400,
        "1 field is invalid.",
        {
            "code": "validation_failed",
            "fields": [
                {
                    "path": "path.conversationId",
                    "code": "invalid_characters",
                    "message": "contains a control character (U+000A)",
                }
            ],
        },
    ),
    "bad_idempotency_key": (
        400,
        "Idempotency-Key must be 1 to 255 characters.",
        {"code": "validation_failed", "fields": []},
    ),
    "https_required": (403, "The integration API is served over HTTPS only.", {}),
    "app_mismatch": (403, "The appId in the path is not the key's account.", {}),
    "not_found": (404, "Not found.", {}),
    "conversation_merged": (404, "The conversation was merged.", {"details": {"mergedInto": "order_391_fc"}}),
    "user_exists": (
        409,
        "User exists.",
        {"details": {"field": "email", "userId": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b"}},
    ),
    "email_taken": (409, "Email taken.", {}),
    "phone_taken": (409, "Phone taken.", {}),
    "idempotency_conflict": (409, "Idempotency conflict.", {}),
    "conversation_not_open": (409, "Only an open conversation can be snoozed.", {}),
    "too_many_attachments": (409, "A message holds at most 5 attachments.", {}),
    "thread_limit_reached": (412, "Thread limit reached.", {}),
    "conversation_too_old": (412, "Conversation too old.", {}),
    "payload_too_large": (413, "The body is over 1 MiB.", {}),
    "thread_not_editable": (
        422,
        "Only an agent's or bot's reply or note can be changed; a customer's message cannot.",
        {},
    ),
    "unsupported_media_type": (415, "The body must be application/json.", {}),
    "rate_limited": (429, "Rate limited.", {}),
}
STATUS_DESCRIPTIONS = {
    400: "Malformed JSON, invalid fields (every field error in one response), or a path or query parameter holding a "
    "control character.",
    401: "No key, or the key is not valid.",
    403: "Plain HTTP from anywhere but this machine (`https_required`), or the appId in the path is not the key's "
    "account (`app_mismatch`).",
    404: "Unknown resource (or another account's), or a write to a merged conversation.",
    409: "Conflict.",
    412: "Precondition failed (thread limit or too-old lock).",
    413: "Body too large.",
    415: "The body is not JSON.",
    422: "The request is understood but cannot apply to this resource.",
    429: "Rate limit exceeded (see `Retry-After`).",
}
READ_ERRORS = ("not_found",)
WRITE_ERRORS = ("validation_failed", "malformed_json", "payload_too_large", "unsupported_media_type")
# What the `Idempotency-Key` header adds to an operation that takes it.
IDEMPOTENCY_ERRORS = ("bad_idempotency_key", "idempotency_conflict")


def errors_of(*codes: str, overrides: dict[str, dict] | None = None) -> dict[int, OpenApiResponse]:
    """The §4 error body for each status the codes fall under, one example per code."""
    by_status: dict[int, list[OpenApiExample]] = {}
    for name in dict.fromkeys(codes):
        status, message, extra = ERROR_CASES[name]
        extra = {**extra, **((overrides or {}).get(name, {}))}
        message, code = extra.get("message", message), extra.get("code", name)
        by_status.setdefault(status, []).append(
            OpenApiExample(
                name,
                value=_error_body(status, code, message, fields=extra.get("fields"), details=extra.get("details")),
                response_only=True,
                status_codes=[str(status)],
            )
        )
    return {
        status: OpenApiResponse(IntegrationErrorSerializer, description=STATUS_DESCRIPTIONS[status], examples=examples)
        for status, examples in sorted(by_status.items())
    }


# What any operation may answer, whatever it does: no or a bad key, plain HTTP, a control character in a
# parameter, the rate limit.
COMMON_ERRORS = ("bad_parameter", "authentication_required", "invalid_api_key", "https_required", "rate_limited")


class IntegrationAutoSchema(AutoSchema):
    """Adds the shared response headers and the shared error answers to every integration operation; an
    operation's own declaration names only the errors particular to it."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *COMMON_HEADERS]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status, common in errors_of(*COMMON_ERRORS).items():
            shared = self._get_response_for_code(common, str(status), direction=direction)
            own = responses.setdefault(str(status), shared)
            if own is not shared:
                examples = own["content"]["application/json"].setdefault("examples", {})
                for name, example in shared["content"]["application/json"].get("examples", {}).items():
                    examples.setdefault(name, example)
        return dict(sorted(responses.items()))


# --- shared declarations: security, field schemas, parameters and examples --------------------------------


TAG_USERS = "Integration API: users"


TAG_V1 = "Integration API: v1 upserts"


TAG_CONVERSATIONS = "Integration API: conversations"


TAG_MESSAGES = "Integration API: messages"


TAG_ATTACHMENTS = "Integration API: attachments"


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """§2: a key in `Authorization: Bearer <key>` or in `Agent-Secret-Key: <key>` (either one; both must agree);
    an OAuth2 access token is taken in the same places."""

    target_class = "conversations.integration_api.authentication.ApiKeyAuthentication"
    name = ["IntegrationBearer", "AgentSecretKey"]

    def get_security_requirement(self, auto_schema):
        return [{"IntegrationBearer": []}, {"AgentSecretKey": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "sk_live_… or an OAuth2 access token",
                "description": "An account API key, or an access token of one of the account's OAuth apps (from "
                "`POST /api/v2/oauth2/token`, client credentials, valid 2 days): `Authorization: Bearer <key or "
                "token>`. An expired or revoked token is refused as a bad key is (401 `invalid_api_key`).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Agent-Secret-Key",
                "description": "The same key (or token) in the `Agent-Secret-Key` header. If both headers are sent "
                "they must hold the same value.",
            },
        ]


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Request bodies of the integration API refuse unknown keys (`unknown_field`): `additionalProperties: false`."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class NonEmptyListFieldExtension(OpenApiSerializerFieldExtension):
    """Both APIs: a list field with `allow_empty=False` refuses `[]`, which drf-spectacular does not document:
    `minItems: 1`. Lower priority than the extensions of particular list fields."""

    target_class = "rest_framework.fields.ListField"
    match_subclasses = True
    priority = -1

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_empty and schema.get("type") == "array":
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        return schema


class CustomDataFieldExtension(OpenApiSerializerFieldExtension):
    """§3.7: one JSON object; in the [S2] family (`strings_only`) string values, `null` deleting a key."""

    target_class = "messenger_project.integration_api.serializers.CustomDataField"

    def map_serializer_field(self, auto_schema, direction):
        if self.target.strings_only:
            schema = {
                "type": "object",
                "additionalProperties": {"type": "string", "maxLength": 2000, "nullable": True},
                "description": "String values (≤2000 characters), merged key by key; `null` deletes a key. "
                "At most 50 keys and 16 KiB.",
            }
        else:
            schema = {
                "type": "object",
                "additionalProperties": {},
                "description": "Any JSON values; replaces the stored object. At most 50 keys and 16 KiB.",
            }
        if self.target.allow_null:
            schema["nullable"] = True
        return schema


class IdentifierListFieldExtension(OpenApiSerializerFieldExtension):
    """[S2] `email` / `phone`: an array of 0–10 values, a single string, or null."""

    target_class = "conversations.integration_api.users.IdentifierListField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "oneOf": [{"type": "array", "items": {"type": "string"}, "maxItems": 10}, {"type": "string"}],
            "nullable": True,
            "description": "An array of 0–10 values or a single string; `null` or `[]` clears the list.",
        }


EMPTY_OBJECT = {"type": "object", "maxProperties": 0, "description": "Always `{}`."}


NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


UUID_STRING = {"type": "string", "format": "uuid"}


def path_param(
    name: str, description: str, *, pattern: str = NO_CONTROL_CHARACTERS, type_=OpenApiTypes.STR, example=None
) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        type_,
        OpenApiParameter.PATH,
        required=True,
        description=description,
        pattern=pattern,
        examples=[OpenApiExample(name, value=example)] if example is not None else None,
    )


def query_param(name: str, type_=OpenApiTypes.STR, description: str = "", **kwargs) -> OpenApiParameter:
    if type_ == OpenApiTypes.STR and "enum" not in kwargs:
        kwargs.setdefault("pattern", NO_CONTROL_CHARACTERS)
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


def int_query_param(
    name: str, description: str, *, minimum: int = 1, maximum: int | None = None, empty: bool = False, **kwargs
) -> OpenApiParameter:
    """An integer query parameter with the range the view checks (`out_of_range` outside it)."""
    schema = {"type": "integer", "minimum": minimum, **({"maximum": maximum} if maximum is not None else {})}
    return query_param(name, or_empty(schema) if empty else schema, description, **kwargs)


def or_empty(schema: dict) -> dict:
    """A filter whose empty value (`?assigneeId=`) counts as absent."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


APP_ID = path_param(
    "app_id", "The account's appId; must be the key's account (403 `app_mismatch` otherwise).", example="app_7Hq2kL"
)


V1_USER_ID = path_param(
    "user_id",
    "A user id (1–128 of `A–Z a–z 0–9 _ - . : @ ~`): the fkId, else the UUID.",
    pattern=USER_ID_PATTERN.pattern,
    example="12081",
)


CONVERSATION_ID_PARAM = path_param(
    "conversation_id",
    "The conversation id (1–128 of `A–Z a–z 0–9 _ - . : ~`).",
    pattern=CONVERSATION_ID_PATTERN.pattern,
    example="order_391_fc",
)


USER_UUID = path_param(
    "user_id",
    "The user's UUID `id`; anything else is a 404.",
    pattern=None,
    type_=UUID_STRING,
    example="5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b",
)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH},
    OpenApiParameter.HEADER,
    description="Optional, 1–255 characters (an empty or longer key is a 400). The first 2xx response is stored "
    "for 24 h and replayed with `Idempotent-Replayed: true`; the same key with a different body gives 409 "
    "`idempotency_conflict`.",
)


def example_of(name: str, value, **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


def request_example(name: str, value) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def ok_response(serializer, description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description, examples=list(examples))


def moved_response(name: str, old: str, final: str, href: str) -> OpenApiResponse:
    return OpenApiResponse(
        MergedRedirectSerializer,
        description="Merged: follow `Location` to the surviving resource.",
        examples=[example_of(name, {"id": old, "mergedInto": final, "_links": {"location": {"href": href}}})],
    )


USER = {
    "id": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b",
    "number": 456,
    "firstName": "John",
    "lastName": "Doe",
    "context": "Support",
    "source": "webchat",
    "fkId": "123456",
    "fkUserId": "u-77",
    "email": "john@example.com",
    "phoneNumber": "+1234567890",
    "metadata": {"customData": {"plan": "gold"}},
    "kind": "customer",
    "registered": True,
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:00:00Z",
}


ATTACHMENT = {
    "id": "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
    "fileName": "file.txt",
    "mimeType": "plain/text",
    "size": 4,
    "url": "/api/v2/attachments/3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
}


CONVERSATION = {
    "id": "order_391_fc",
    "number": 8104,
    "mailboxId": 1,
    "subject": "What a lovely day!",
    "status": "active",
    "snooze": None,
    "visible": True,
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:05:00Z",
    "userUpdatedAt": "2024-05-01T10:05:00Z",
    "lastActivityAt": "2024-05-01T10:05:00Z",
    "closedAt": None,
    "threadCount": 3,
    "openThreadId": 567,
    "mergedInto": None,
    "primaryCustomer": {
        "id": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b",
        "number": 456,
        "email": "alice@example.com",
        "first": "Alice",
        "last": None,
    },
    "participants": [
        {
            "userId": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b",
            "fkId": "12081",
            "kind": "customer",
            "access": "ReadWrite",
            "notify": True,
        }
    ],
    "assignee": None,
    "custom": {"category": "order_inquiry"},
    "tags": [{"id": 7, "tag": "billing", "color": "#1e88e5"}],
    "satisfaction": {"rating": 4, "comment": "Quick and friendly.", "answeredAt": "2024-04-20T09:12:00Z"},
    "_links": {
        "self": {"href": "/api/v2/conversations/order_391_fc"},
        "threads": {"href": "/api/v2/conversations/order_391_fc/threads"},
        "messages": {"href": "/api/v2/conversations/order_391_fc/messages"},
    },
}


MESSAGE_V2 = {
    "id": 10743,
    "conversationId": "123",
    "threadId": 567,
    "type": "UserMessage",
    "sender": {"userId": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b", "kind": "customer"},
    "text": "Buy more pens",
    "attachments": [ATTACHMENT],
    "createdAt": "2024-05-01T10:05:00Z",
    "origin": "chat_api",
    "imported": False,
    "referencedMessageId": None,
    "custom": {},
}


V1_MESSAGE = {
    "id": "10743",
    "conversationId": "order_391_fc",
    "type": "UserMessage",
    "senderId": "8029",
    "readBy": ["12081"],
    "text": "Hello Alice!",
    "attachment": None,
    "attachments": [],
    "location": None,
    "origin": "rest",
    "createdAt": 1714557900000,
    "editedAt": None,
    "custom": {},
    "referencedMessageId": None,
}


V1_CONVERSATION = {
    "id": "order_391_fc",
    "subject": "What a lovely day!",
    "topicId": None,
    "photoUrl": None,
    "welcomeMessages": None,
    "custom": {"category": "order_inquiry"},
    "participants": {
        "12081": {"access": "ReadWrite", "notify": True},
        "8029": {"access": "ReadWrite", "notify": True},
    },
    "lastMessage": V1_MESSAGE,
    "createdAt": 1714557600000,
}


WRITE_PARAMS = [IDEMPOTENCY_KEY]
