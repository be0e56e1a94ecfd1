"""OpenAPI documentation of the integration API (`/api/…`, spec integration-api.md §2, §4, §7, §8).

Documentation only: the serializers below describe the bodies that the views build with plain functions
(`user_representation`, `conversation_v2`, `message_v2`, …) and are never used at run time. The input serializers of
the views are reused as request bodies. The decorators at the bottom attach everything to the view classes at import
time. Loaded from `messenger_project/integration_api/urls.py`.
"""

from __future__ import annotations

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from conversations.integration_api.attachments import AttachmentView
from conversations.integration_api.chats import ChatsView, ChatThreadSerializer
from conversations.integration_api.conversations import (
    ConversationDetailView,
    ConversationListView,
    ConversationMergeView,
    ConversationPageSerializer,
    ConversationUpdateSerializer,
    ConversationUpsertSerializer,
    ConversationView,
    MergeSerializer,
)
from conversations.integration_api.fields import CONVERSATION_ID as CONVERSATION_ID_PATTERN
from conversations.integration_api.fields import USER_ID as USER_ID_PATTERN
from conversations.integration_api.idempotency import KEY_MAX_LENGTH
from conversations.integration_api.messages import (
    MAX_BATCH,
    ConversationMessagesV2View,
    ConversationMessagesView,
    ConversationTypingView,
    MessagePageSerializer,
    ReplySerializer,
    TypingSerializer,
    V1MessageSerializer,
)
from conversations.integration_api.openapi import (
    IDEMPOTENCY_ERRORS,
    MOVED_LOCATION,
    READ_ERRORS,
    WRITE_ERRORS,
    errors_of,
    success_headers,
)
from conversations.integration_api.records import (
    ConversationRecordSerializer,
    MessageIdSerializer,
    MessageRecordListSerializer,
    UserRecordSerializer,
)
from conversations.integration_api.threads import ThreadListSerializer, ThreadListView
from conversations.integration_api.users import (
    UserCreateSerializer,
    UserDetailView,
    UserSearchResultSerializer,
    UserSearchView,
    UsersView,
    UserUpsertSerializer,
    UserView,
)
from conversations.representations import (
    ConversationSerializer,
    MessageSerializer,
)
from devices.representations import UserSerializer
from messenger_project.integration_api.errors import MergedRedirectSerializer
from messenger_project.integration_api.serializers import StrictSerializer

TAG_USERS = "Integration API: users"
TAG_V1 = "Integration API: v1 upserts"
TAG_CONVERSATIONS = "Integration API: conversations"
TAG_MESSAGES = "Integration API: messages"
TAG_ATTACHMENTS = "Integration API: attachments"

# Choice sets shared by several components; SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] names them by these paths.
CONVERSATION_STATUS_CHOICES = [("active", "active"), ("pending", "pending"), ("closed", "closed"), ("spam", "spam")]
THREAD_STATUS_CHOICES = [("open", "open"), ("closed", "closed")]
MESSAGE_TYPE_CHOICES = [("UserMessage", "UserMessage"), ("SystemMessage", "SystemMessage")]
SENDER_KIND_CHOICES = [("customer", "customer"), ("agent", "agent"), ("bot", "bot")]


# --- security and field schemas ----------------------------------------------------------------------------------


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """§2: a key in `Authorization: Bearer <key>` or in `Agent-Secret-Key: <key>` (either one; both must agree)."""

    target_class = "conversations.integration_api.authentication.ApiKeyAuthentication"
    name = ["IntegrationBearer", "AgentSecretKey"]

    def get_security_requirement(self, auto_schema):
        return [{"IntegrationBearer": []}, {"AgentSecretKey": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "sk_live_…",
                "description": "An account API key: `Authorization: Bearer <key>`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Agent-Secret-Key",
                "description": "The same key in the `Agent-Secret-Key` header. If both headers are sent they must "
                "hold the same key.",
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


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class StringMapField(serializers.Field):
    pass


@extend_schema_field({})
class AnyValueField(serializers.Field):
    pass


# --- error body (§4) ---------------------------------------------------------------------------------------------


# --- representations ---------------------------------------------------------------------------------------------


# `{}`: the answer of every [S2] upsert.
EMPTY_OBJECT = {"type": "object", "maxProperties": 0, "description": "Always `{}`."}


# --- parameters and headers --------------------------------------------------------------------------------------


# What the edge check (`messenger_project.json_input`) lets through in a path or query parameter: no NUL and no
# other control character (U+0000-001F, U+007F-009F); such a parameter is a 400 `invalid_characters`.
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
UUID_STRING = {"type": "string", "format": "uuid"}


def _path(
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


def _query(name: str, type_=OpenApiTypes.STR, description: str = "", **kwargs) -> OpenApiParameter:
    if type_ == OpenApiTypes.STR and "enum" not in kwargs:
        kwargs.setdefault("pattern", NO_CONTROL_CHARACTERS)
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


def _int_query(
    name: str, description: str, *, minimum: int = 1, maximum: int | None = None, empty: bool = False, **kwargs
) -> OpenApiParameter:
    """An integer query parameter with the range the view checks (`out_of_range` outside it)."""
    schema = {"type": "integer", "minimum": minimum, **({"maximum": maximum} if maximum is not None else {})}
    return _query(name, _or_empty(schema) if empty else schema, description, **kwargs)


def _or_empty(schema: dict) -> dict:
    """A filter whose empty value (`?assigneeId=`) counts as absent."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


APP_ID = _path(
    "app_id", "The account's appId; must be the key's account (403 `app_mismatch` otherwise).", example="app_7Hq2kL"
)
V1_USER_ID = _path(
    "user_id",
    "A user id (1–128 of `A–Z a–z 0–9 _ - . : @ ~`): the fkId, else the UUID.",
    pattern=USER_ID_PATTERN.pattern,
    example="12081",
)
CONVERSATION_ID = _path(
    "conversation_id",
    "The conversation id (1–128 of `A–Z a–z 0–9 _ - . : ~`).",
    pattern=CONVERSATION_ID_PATTERN.pattern,
    example="order_391_fc",
)
USER_UUID = _path(
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
# --- examples ----------------------------------------------------------------------------------------------------


def _example(name: str, value, **kwargs) -> OpenApiExample:
    return OpenApiExample(name, value=value, **kwargs)


def _request_example(name: str, value) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


def _ok(serializer, description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description, examples=list(examples))


def _moved(name: str, old: str, final: str, href: str) -> OpenApiResponse:
    return OpenApiResponse(
        MergedRedirectSerializer,
        description="Merged: follow `Location` to the surviving resource.",
        examples=[_example(name, {"id": old, "mergedInto": final, "_links": {"location": {"href": href}}})],
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
    "subject": "What a lovely day!",
    "status": "active",
    "visible": True,
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:05:00Z",
    "lastActivityAt": "2024-05-01T10:05:00Z",
    "closedAt": None,
    "threadCount": 3,
    "openThreadId": 567,
    "mergedInto": None,
    "primaryCustomer": {"id": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b", "number": 456, "email": "alice@example.com"},
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
    "id": 10743,
    "conversationId": "order_391_fc",
    "type": "UserMessage",
    "senderId": "8029",
    "text": "Hello Alice!",
    "attachments": [],
    "origin": "rest",
    "createdAt": 1714557900000,
    "custom": {},
    "referencedMessageId": None,
}

_WRITE = [IDEMPOTENCY_KEY]

# --- [S1] users (§7.1) -------------------------------------------------------------------------------------------

extend_schema_view(
    post=extend_schema(
        operation_id="createUser",
        summary="Create a conversation user",
        description="Creates a customer (`registered: true`). `firstName` and `lastName` are required, and at least "
        "one of `email` and `phoneNumber`. With a skip flag the value is only trimmed and length-checked. Fires "
        "`user.created`.",
        tags=[TAG_USERS],
        parameters=[*_WRITE, *success_headers(201, location=True)],
        request=UserCreateSerializer,
        examples=[
            _request_example(
                "Create",
                {
                    "firstName": "John",
                    "lastName": "Doe",
                    "email": "john@example.com",
                    "phoneNumber": "+1234567890",
                    "context": "Support",
                    "source": "webchat",
                    "fkId": "123456",
                    "fkUserId": "u-77",
                    "customData": {"plan": "gold"},
                },
            )
        ],
        responses={
            201: _ok(UserSerializer, "Created; `Location` names the new user.", _example("User", USER)),
            **errors_of(*WRITE_ERRORS, "user_exists", *IDEMPOTENCY_ERRORS),
        },
    )
)(UsersView)

extend_schema_view(
    get=extend_schema(
        operation_id="searchUsers",
        summary="Find a user and their conversation ids",
        description="At least one parameter is required; each is normalized, and when several are given they must all "
        "match the same user. Unknown or repeated parameters are a 400.",
        tags=[TAG_USERS],
        parameters=[
            _query("email", OpenApiTypes.EMAIL, "Email address (case-insensitive)."),
            _query("phoneNumber", description="E.164 phone number; an unencoded `+` is accepted."),
            _query("fkId", description="The operator's own key."),
        ],
        responses={
            200: _ok(
                UserSearchResultSerializer,
                "The user plus `conversationIds`.",
                _example("Found", {**USER, "conversationIds": ["order_391_fc", "123"]}),
            ),
            **errors_of(
                "validation_failed",
                *READ_ERRORS,
                overrides={
                    "validation_failed": {
                        "fields": [{"path": "query", "code": "required", "message": "give email, phoneNumber or fkId"}]
                    }
                },
            ),
        },
    )
)(UserSearchView)

extend_schema_view(
    get=extend_schema(
        operation_id="getUser",
        summary="Get a user",
        description="404 for an unknown or malformed id, or a user of another account; 301 for a merged user.",
        tags=[TAG_USERS],
        parameters=[USER_UUID, MOVED_LOCATION],
        responses={
            200: _ok(UserSerializer, "The user.", _example("User", USER)),
            301: _moved(
                "Merged user",
                "0d6f6c4e-8a51-4f37-9c2a-1d2e3f405162",
                USER["id"],
                f"/api/external/users/{USER['id']}",
            ),
            **errors_of(*READ_ERRORS),
        },
    ),
    delete=extend_schema(
        operation_id="deleteUser",
        summary="Delete a user",
        description="Revokes the user's devices; deletes conversations where they are the only customer; keeps their "
        "messages elsewhere with `sender: null`. Fires `user.deleted`. A second delete gives 404.",
        tags=[TAG_USERS],
        parameters=[USER_UUID, *_WRITE],
        responses={
            204: OpenApiResponse(description="Deleted; empty body."),
            **errors_of(*READ_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    ),
)(UserDetailView)

# --- [S2] TalkJS-style upserts (§7.2) ----------------------------------------------------------------------------

extend_schema_view(
    put=extend_schema(
        operation_id="upsertUserV1",
        summary="Create or update a user (TalkJS-style)",
        description="Merge-patch: fields not sent stay as they are. `name` and the `email` key are required when the "
        "user is created (with `fkId = userId`). Idempotent: answers `200 {}`.",
        tags=[TAG_V1],
        parameters=[APP_ID, V1_USER_ID],
        request=UserUpsertSerializer,
        examples=[
            _request_example(
                "Upsert",
                {
                    "name": "Alice",
                    "email": ["alice@example.com"],
                    "photoUrl": "https://example.com/u/12081.png",
                    "welcomeMessage": "Hey there! :-)",
                    "role": "buyer",
                },
            )
        ],
        responses={
            200: _ok(EMPTY_OBJECT, "Stored.", _example("Done", {})),
            **errors_of(*WRITE_ERRORS, "app_mismatch", "not_found", "email_taken", "phone_taken"),
        },
    ),
    get=extend_schema(
        operation_id="getUserV1",
        summary="Get a user (TalkJS-style)",
        description="Timestamps in Unix milliseconds.",
        tags=[TAG_V1],
        parameters=[APP_ID, V1_USER_ID],
        responses={
            200: _ok(
                UserRecordSerializer,
                "The user.",
                _example(
                    "User",
                    {
                        "id": "12081",
                        "name": "Alice",
                        "email": ["alice@example.com"],
                        "phone": [],
                        "photoUrl": "https://example.com/u/12081.png",
                        "welcomeMessage": "Hey there! :-)",
                        "role": "buyer",
                        "locale": None,
                        "custom": {},
                        "kind": "customer",
                        "createdAt": 1714557600000,
                    },
                ),
            ),
            **errors_of(*READ_ERRORS, "app_mismatch"),
        },
    ),
)(UserView)

extend_schema_view(
    put=extend_schema(
        operation_id="upsertConversationV1",
        summary="Create or update a conversation (TalkJS-style)",
        description="Participants are only ever added. A new conversation starts `closed`, with no threads and "
        "`visible: false`. A merged id is never brought back to life (404 `conversation_merged`). Answers `200 {}`.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID],
        request=ConversationUpsertSerializer,
        examples=[
            _request_example(
                "Upsert",
                {
                    "participants": ["12081", "8029"],
                    "subject": "What a lovely day!",
                    "custom": {"category": "order_inquiry"},
                },
            )
        ],
        responses={
            200: _ok(EMPTY_OBJECT, "Stored.", _example("Done", {})),
            **errors_of(*WRITE_ERRORS, "app_mismatch", "conversation_merged"),
        },
    ),
    get=extend_schema(
        operation_id="getConversationV1",
        summary="Get a conversation (TalkJS-style)",
        description="A merged id gives 301 to the v1 path of the survivor.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID, MOVED_LOCATION],
        responses={
            200: _ok(
                ConversationRecordSerializer,
                "The conversation.",
                _example(
                    "Conversation",
                    {
                        "id": "order_391_fc",
                        "subject": "What a lovely day!",
                        "photoUrl": None,
                        "welcomeMessages": None,
                        "custom": {"category": "order_inquiry"},
                        "participants": {
                            "12081": {"access": "ReadWrite", "notify": True},
                            "8029": {"access": "ReadWrite", "notify": True},
                        },
                        "lastMessage": V1_MESSAGE,
                        "createdAt": 1714557600000,
                    },
                ),
            ),
            301: _moved("Merged", "c1", "order_391_fc", "/api/v1/app_7Hq2kL/conversations/order_391_fc"),
            **errors_of(*READ_ERRORS, "app_mismatch"),
        },
    ),
)(ConversationView)

extend_schema_view(
    post=extend_schema(
        operation_id="postMessagesV1",
        summary="Send messages (TalkJS-style)",
        description="An array of 1–10 messages. `UserMessage` needs a participant `sender`; `SystemMessage` has none. "
        "Every item is validated before anything is stored. A repeated `idempotencyKey` with the same content returns "
        "the original id. Answers the new ids in request order.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID],
        request=V1MessageSerializer(many=True),
        examples=[
            _request_example("One user message", [{"text": "Hello Alice!", "sender": "8029", "type": "UserMessage"}])
        ],
        responses={
            200: _ok(MessageIdSerializer(many=True), "The ids, in request order.", _example("Ids", [{"id": 10743}])),
            **errors_of(
                *WRITE_ERRORS,
                "app_mismatch",
                "conversation_merged",
                "idempotency_conflict",
                "thread_limit_reached",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {"path": "[1].sender", "code": "not_a_participant", "message": "is not a participant"}
                        ]
                    },
                    "payload_too_large": {"message": "The body is over 28 MiB."},
                },
            ),
        },
    ),
    get=extend_schema(
        operation_id="listMessagesV1",
        summary="List messages (TalkJS-style)",
        description="Newest first; `startingAfter` is a message id and the next page is older. A merged id gives "
        "301 to the same path (and query) of the survivor.",
        tags=[TAG_V1],
        parameters=[
            APP_ID,
            CONVERSATION_ID,
            _int_query("limit", "1–100, default 10.", maximum=100),
            _int_query("startingAfter", "A message id; returns older messages."),
            MOVED_LOCATION,
        ],
        responses={
            200: _ok(MessageRecordListSerializer, "A page of messages.", _example("Page", {"data": [V1_MESSAGE]})),
            301: _moved("Merged", "c1", "order_391_fc", "/api/v1/app_7Hq2kL/conversations/order_391_fc/messages"),
            **errors_of("validation_failed", *READ_ERRORS, "app_mismatch"),
        },
    ),
)(ConversationMessagesView)

# --- [S3] create chat thread (§7.3) ------------------------------------------------------------------------------

extend_schema_view(
    post=extend_schema(
        operation_id="createChatThread",
        summary="Create a chat thread",
        description="Finds the customer by `customer.id` (number or UUID), else by `customer.email`, else creates one "
        "from the email and the optional fields. Not imported: closes any open thread (`superseded`), opens the new "
        "one and makes the conversation `active`. Imported: stored closed, with no notifications. Answers 201 with an "
        "empty body and `Resource-ID`.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID, *_WRITE, *success_headers(201, resource_id=True)],
        request=ChatThreadSerializer,
        examples=[
            _request_example(
                "Chat with an attachment",
                {
                    "customer": {"id": 456},
                    "text": "Buy more pens",
                    "attachments": [{"fileName": "file.txt", "mimeType": "plain/text", "data": "ZmlsZQ=="}],
                },
            )
        ],
        responses={
            201: OpenApiResponse(description="Created; empty body. `Resource-ID` holds the new thread id."),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                "phone_taken",
                "email_taken",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={"payload_too_large": {"message": "The body is over 28 MiB."}},
            ),
        },
    )
)(ChatsView)

# --- beyond the seeds (§8) ---------------------------------------------------------------------------------------

extend_schema_view(
    get=extend_schema(
        operation_id="listConversations",
        summary="List conversations",
        description="A HAL page. The default status `all` leaves out spam; merged tombstones never appear. A page past "
        "the end is an empty list.",
        tags=[TAG_CONVERSATIONS],
        parameters=[
            _query(
                "status",
                description="`open` means active and pending.",
                enum=["active", "pending", "closed", "spam", "open", "all"],
                default="all",
            ),
            _query("customerId", description="A customer UUID or number; empty means no filter."),
            _query("participantUserId", description="A participant's UUID or number; empty means no filter."),
            _int_query("assigneeId", "An agent id (a positive integer); empty means no filter.", empty=True),
            _query(
                "modifiedSince",
                _or_empty({"type": "string", "format": "date-time"}),
                "ISO 8601; empty means no filter.",
            ),
            _query("visible", _or_empty({"type": "boolean"}), "Empty means no filter."),
            _query("sortField", enum=["lastActivityAt", "createdAt"], default="lastActivityAt"),
            _query("sortOrder", enum=["desc", "asc"], default="desc"),
            _int_query("page", "1-based.", default=1),
            _int_query("size", "1–100.", maximum=100, default=25),
        ],
        responses={
            200: _ok(
                ConversationPageSerializer,
                "A page.",
                _example(
                    "Page 2 of 3",
                    {
                        "_embedded": {"conversations": [CONVERSATION]},
                        "page": {"size": 25, "totalElements": 51, "totalPages": 3, "number": 2},
                        "_links": {
                            "self": {"href": "/api/v2/conversations?page=2"},
                            "first": {"href": "/api/v2/conversations?page=1"},
                            "prev": {"href": "/api/v2/conversations?page=1"},
                            "next": {"href": "/api/v2/conversations?page=3"},
                            "last": {"href": "/api/v2/conversations?page=3"},
                        },
                    },
                ),
            ),
            **errors_of(
                "validation_failed",
                *READ_ERRORS,
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "query.size",
                                "code": "out_of_range",
                                "message": "is not an allowed value",
                                "rejectedValue": "500",
                            }
                        ]
                    }
                },
            ),
        },
    )
)(ConversationListView)

extend_schema_view(
    get=extend_schema(
        operation_id="getConversation",
        summary="Get a conversation",
        description="A merged id gives 301 with `Location` at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID, MOVED_LOCATION],
        responses={
            200: _ok(ConversationSerializer, "The conversation.", _example("Conversation", CONVERSATION)),
            301: _moved("Merged", "A", "C", "/api/v2/conversations/C"),
            **errors_of(*READ_ERRORS),
        },
    ),
    patch=extend_schema(
        operation_id="updateConversation",
        summary="Update, close, reopen or assign a conversation",
        description="At least one field. `closed`/`spam` close the open thread; going from closed or spam to active or "
        "pending opens a new session thread (subject to the 412 locks). `assigneeId` must be an agent of the account "
        "(`not_staff`), or null to unassign.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID, *_WRITE],
        request=ConversationUpdateSerializer,
        examples=[
            _request_example("Close", {"status": "closed"}),
            _request_example("Hand over to a person", {"assigneeId": 12}),
        ],
        responses={
            200: _ok(ConversationSerializer, "The conversation.", _example("Conversation", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "assigneeId",
                                "code": "not_staff",
                                "message": "is not an agent of this account",
                                "rejectedValue": 77,
                            }
                        ]
                    }
                },
            ),
        },
    ),
)(ConversationDetailView)

extend_schema_view(
    get=extend_schema(
        operation_id="listThreads",
        summary="List a conversation's threads",
        description="All threads (at most 100), oldest first. A merged id gives 301 to the same path of the "
        "conversation at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID, MOVED_LOCATION],
        responses={
            301: _moved("Merged", "A", "C", "/api/v2/conversations/C/threads"),
            200: _ok(
                ThreadListSerializer,
                "The threads.",
                _example(
                    "Threads",
                    {
                        "_embedded": {
                            "threads": [
                                {
                                    "id": 567,
                                    "conversationId": "123",
                                    "type": "chat",
                                    "status": "open",
                                    "imported": False,
                                    "source": "chat_api",
                                    "openedBy": {"kind": "customer", "userId": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b"},
                                    "createdAt": "2024-05-01T10:05:00Z",
                                    "closedAt": None,
                                    "closeReason": None,
                                    "messageCount": 1,
                                }
                            ]
                        }
                    },
                ),
            ),
            **errors_of(*READ_ERRORS),
        },
    )
)(ThreadListView)

extend_schema_view(
    get=extend_schema(
        operation_id="listMessages",
        summary="List a conversation's messages",
        description="A page in ascending time order: the latest `limit` messages, or those just older than `before` "
        "or just newer than `after` (not both). A merged id gives 301 to the same path (and query) of the survivor.",
        tags=[TAG_MESSAGES],
        parameters=[
            CONVERSATION_ID,
            _int_query("limit", "1–100, default 50.", maximum=100, default=50),
            _int_query("before", "A message id; not with `after`."),
            _int_query("after", "A message id; not with `before`."),
            MOVED_LOCATION,
        ],
        responses={
            200: _ok(
                MessagePageSerializer,
                "A page.",
                _example(
                    "Page",
                    {
                        "_embedded": {"messages": [MESSAGE_V2]},
                        "_links": {
                            "self": {"href": "/api/v2/conversations/123/messages"},
                            "prev": {"href": "/api/v2/conversations/123/messages?before=10743&limit=50"},
                        },
                    },
                ),
            ),
            301: _moved("Merged", "A", "C", "/api/v2/conversations/C/messages"),
            **errors_of("validation_failed", *READ_ERRORS),
        },
    ),
    post=extend_schema(
        operation_id="postReply",
        summary="A bot or agent replies",
        description="The sender is `senderId` (an agent of the account), else the key's bound bot (`sender_required` "
        "without either). Staff-message effects: opens a `pending` thread if none is open, pushes to the app. "
        "Answers 201 with the message and `Location`.",
        tags=[TAG_MESSAGES],
        parameters=[CONVERSATION_ID, *_WRITE, *success_headers(201, location=True)],
        request=ReplySerializer,
        examples=[
            _request_example(
                "Reply",
                {"text": "Thanks, your pens are on their way.", "senderId": 12, "idempotencyKey": "reply-10743"},
            )
        ],
        responses={
            201: _ok(
                MessageSerializer,
                "The new message.",
                _example(
                    "Message",
                    {
                        **MESSAGE_V2,
                        "id": 10744,
                        "sender": {"userId": "12", "kind": "bot"},
                        "text": "Thanks, your pens are on their way.",
                        "attachments": [],
                        "origin": "rest",
                    },
                ),
            ),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "senderId",
                                "code": "sender_required",
                                "message": "no senderId and no bot bound to the key",
                            }
                        ]
                    }
                },
            ),
        },
    ),
)(ConversationMessagesV2View)

extend_schema_view(
    post=extend_schema(
        operation_id="mergeConversation",
        summary="Merge a conversation into another",
        description="Moves the path conversation's threads and messages into `into`, combining participants. Repeating "
        "the same merge answers 200 again. Answers the target conversation.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID, *_WRITE],
        request=MergeSerializer,
        examples=[_request_example("Merge", {"into": "order_391_fc"})],
        responses={
            200: _ok(ConversationSerializer, "The target conversation.", _example("Target", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "into",
                                "code": "unknown_conversation",
                                "message": "no such conversation",
                                "rejectedValue": "nope",
                            }
                        ]
                    }
                },
            ),
        },
    )
)(ConversationMergeView)

extend_schema_view(
    post=extend_schema(
        operation_id="setTyping",
        summary="Staff typing indicator",
        description="`start` lasts 15 s unless renewed; events more often than every 2 s are merged. Sender rules as "
        "for replies. Answers 204.",
        tags=[TAG_MESSAGES],
        parameters=[CONVERSATION_ID, *_WRITE],
        request=TypingSerializer,
        examples=[_request_example("Start", {"state": "start"}), _request_example("Stop", {"state": "stop"})],
        responses={
            204: OpenApiResponse(description="Accepted; empty body."),
            **errors_of(*WRITE_ERRORS, "not_found", "conversation_merged", *IDEMPOTENCY_ERRORS),
        },
    )
)(ConversationTypingView)

extend_schema_view(
    get=extend_schema(
        operation_id="downloadAttachment",
        summary="Download an attachment",
        description="The bytes. `Content-Type` is the stored type only for png, jpeg, gif and webp images; otherwise "
        "`application/octet-stream` with `Content-Disposition: attachment`. Always `X-Content-Type-Options: nosniff`.",
        tags=[TAG_ATTACHMENTS],
        parameters=[
            _path(
                "attachment_id",
                "The attachment id (a UUID); anything else is a 404.",
                pattern=None,
                type_=UUID_STRING,
                example=ATTACHMENT["id"],
            )
        ],
        responses={
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes.")
                for media_type in ("image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream")
            },
            **errors_of(*READ_ERRORS),
        },
    )
)(AttachmentView)


V1_MESSAGES_PATH = "/api/v1/{app_id}/conversations/{conversation_id}/messages"


def v1_batch_limits(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS: the [S2] batch holds 1 to 10 messages (`empty`, `too_many_items` otherwise), which
    drf-spectacular cannot say of a list serializer's body."""
    operation = result["paths"].get(V1_MESSAGES_PATH, {}).get("post")
    for media in (operation or {}).get("requestBody", {}).get("content", {}).values():
        media["schema"].update(minItems=1, maxItems=MAX_BATCH)
    return result


def integers_are_64_bit(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS, for both APIs: every integer they take or give is a signed 64-bit one (the bigint
    columns; the edge check of `messenger_project.json_input` refuses any other as `out_of_range`), so each integer
    schema without a format says `int64`."""
    stack: list = [result["paths"], result.get("components", {}).get("schemas", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "integer" and "format" not in node:
                node["format"] = "int64"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result
