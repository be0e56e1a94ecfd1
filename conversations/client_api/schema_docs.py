"""OpenAPI documentation of the client API (`/clientApi/v{version}/…`, spec client-api.md §3–§5).

Documentation only: the serializers below are never used to parse or render anything. They describe the envelope
(§3) and the message object (§4) that the views build by hand, and the decorators at the bottom attach them to the
view classes at import time (drf-spectacular stores its annotations on the view methods). Loaded from
`messenger_project/client_api/urls.py`.
"""

from __future__ import annotations

import copy

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers

from conversations.client_api.base import SUPPORTED_VERSIONS
from conversations.client_api.devices import ConfigView, DevicesView, TypingEventView
from conversations.client_api.media import MediaByIdView, MediaFileView, MediaUploadView
from conversations.client_api.messages import (
    MessageDetailView,
    MessageInputSerializer,
    MessageStatusSerializer,
    MessageStatusView,
    MessagesView,
    TimelineView,
    UnseenCountView,
)
from conversations.client_api.serializers import DeviceRegistrationSerializer
from devices.identification import DEVICE_ID_MAX_LENGTH

TAG = "Client API"
JSON_ANY_TYPE_NOTE = (
    "The body is JSON. It is parsed as JSON **whatever the Content-Type** (the web and Android SDKs send "
    "`text/plain;charset=UTF-8`, iOS `application/json`); unknown keys are ignored."
)


# --- field schemas ---------------------------------------------------------------------------------------------


class StringMapFieldExtension(OpenApiSerializerFieldExtension):
    """`userAdditionalInformation` of `POST devices`: a string→string map."""

    target_class = "conversations.client_api.serializers.StringMapField"

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "object",
            "additionalProperties": {},
            "description": "String→string map (`name`, `email`, `address`, …): any JSON object is accepted; other "
            "scalars are coerced to strings, and null, objects and arrays are ignored.",
        }


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "maxLength": 0},
            {
                "type": "string",
                "format": "uri",
                "pattern": "^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp][Ss]?)://",
                "maxLength": 2048,
            },
        ],
        "description": "The page or app the SDK runs in: an http(s) or ftp(s) URL (anything else is a "
        '`validation_error`), or "".',
    }
)
class ReferrerField(serializers.CharField):
    """`referer` / `referrer` of `POST devices`: stored on the device, which keeps only a valid URL."""


@extend_schema_field({"type": "object", "nullable": True, "description": "Always `null` on errors."})
class AlwaysNullField(serializers.Field):
    pass


@extend_schema_field(
    {
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "array", "maxItems": 0, "items": {}}],
        "description": "Custom data of the message. `[]` when empty (as the reference server sends it).",
    }
)
class CustomObjectOrEmptyListField(serializers.Field):
    pass


# --- envelope (§3) ---------------------------------------------------------------------------------------------


class ClientNotificationSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["success", "error", "warning"])
    message = serializers.CharField(help_text="A code such as `device_not_registered`, or a field message.")


class ClientMetadataSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text="`url`: the endpoint path after the version, without a leading slash (`messages/before:2`), plus "
        "the request's echoed scalar values (`message` on `POST messages`).",
    )
    method = serializers.CharField(help_text="The HTTP method in lower case.")
    duration = serializers.FloatField(help_text="Server time in seconds.")


class ClientEnvelopeBaseSerializer(serializers.Serializer):
    notifications = ClientNotificationSerializer(many=True)
    status = serializers.ChoiceField(choices=["SUCCESS"], help_text="Exactly `SUCCESS` (iOS decodes it as an enum).")
    metadata = ClientMetadataSerializer()


class ClientErrorEnvelopeSerializer(serializers.Serializer):
    """Every client API error: a non-2xx status **and** `status: "ERROR"`; the first notification is the code."""

    data = AlwaysNullField()
    notifications = ClientNotificationSerializer(many=True, help_text="The error codes, most important first.")
    status = serializers.ChoiceField(choices=["ERROR"])
    metadata = ClientMetadataSerializer()


class ClientEmptyObjectEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = serializers.DictField(help_text="Always `{}` (iOS decodes it as a device).")


class ClientStringEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = serializers.CharField(help_text="`event startTyping executed` or `event stopTyping executed`.")


class ClientConfigSerializer(serializers.Serializer):
    """`GET config` (§9): seed 004's field types, kept exactly. Colours are RGB hex without `#`."""

    name = serializers.CharField()
    telephone = serializers.CharField()
    font = serializers.IntegerField()
    allowImage = serializers.BooleanField()
    backgroundColor = serializers.CharField()
    backgroundImage = serializers.CharField(help_text='A URL or "".')
    iOSStatusBarTextColor = serializers.CharField(help_text='"0" or "1".')
    navBackgroundColor = serializers.CharField()
    navTextColor = serializers.CharField()
    navHideCloseButton = serializers.BooleanField()
    dateBorder = serializers.BooleanField()
    dateColor = serializers.CharField()
    iOSInputContainerBackgroundColor = serializers.CharField()
    inputFieldBackgroundColor = serializers.CharField()
    inputFieldTextColor = serializers.CharField()
    inputFieldPlaceholderColor = serializers.CharField()
    inputBackgroundColor = serializers.CharField()
    inputTextColor = serializers.CharField()
    balloonStyle = serializers.IntegerField()
    userBackgroundColor = serializers.CharField()
    userTextColor = serializers.CharField()
    userTextLinkColor = serializers.CharField()
    userTimeColor = serializers.CharField()
    userSentColor = serializers.CharField()
    accountBackgroundColor = serializers.CharField()
    accountTextColor = serializers.CharField()
    accountTextLinkColor = serializers.CharField()
    accountTimeColor = serializers.CharField()
    infoTextBackgroundColor = serializers.CharField()
    infoTextBorder = serializers.IntegerField()
    infoTextColor = serializers.CharField()
    infoText = serializers.CharField(help_text="Welcome text when push is on.")
    infoText2 = serializers.CharField(help_text="Text when push is off.")
    genericPushMessage = serializers.CharField(help_text='Fixed push alert text; "" means the message text.')
    authorizationRequired = serializers.CharField(help_text='"0" or "1".')


class ClientConfigEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientConfigSerializer()


# --- message object (§4) ---------------------------------------------------------------------------------------


class ClientAgentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Always an int (iOS fails otherwise).")
    name = serializers.CharField(allow_blank=True, help_text='Always a string; may be "".')
    avatar = serializers.URLField(allow_null=True)
    isTyping = serializers.IntegerField(allow_null=True, help_text="`null` or Unix seconds; never a boolean.")


class ClientMediaObjectSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`img/{account}/{year}/{month}/{day}/{filename}`.")
    mimeType = serializers.CharField()
    year = serializers.CharField(help_text="No zero padding.")
    month = serializers.CharField(help_text="No zero padding.")
    day = serializers.CharField(help_text="No zero padding.")
    filename = serializers.CharField(required=False, help_text="Stored file name (since v1.8).")
    description = serializers.CharField(help_text="The name shown to people.")


class ClientButtonSerializer(serializers.Serializer):
    title = serializers.CharField()
    payload = serializers.CharField()
    type = serializers.ChoiceField(choices=["webUrl", "phoneNumber", "reply"])


class ClientCarouselItemSerializer(serializers.Serializer):
    title = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)
    media = ClientMediaObjectSerializer(allow_null=True)
    buttons = ClientButtonSerializer(many=True)


class ClientMessageSerializer(serializers.Serializer):
    """The message object (§4.1) as the reading customer sees it."""

    id = serializers.IntegerField()
    time = serializers.IntegerField(min_value=1, help_text="Unix seconds, a positive integer.")
    message = serializers.CharField(allow_null=True, help_text="Text, Markdown (GFM).")
    image = serializers.CharField(allow_null=True, help_text="Legacy: `media.id` when the media is an image.")
    typeId = serializers.ChoiceField(
        choices=[(1, "user"), (2, "agent"), (3, "info"), (4, "user-system"), (5, "agent-system")]
    )
    agent = ClientAgentSerializer(allow_null=True)
    title = serializers.CharField(allow_null=True)
    media = ClientMediaObjectSerializer(allow_null=True)
    buttons = ClientButtonSerializer(many=True)
    carousel = ClientCarouselItemSerializer(many=True, help_text="Never null: `[]` or items.")
    quickReplies = serializers.ListField(child=serializers.CharField())
    custom = CustomObjectOrEmptyListField()
    status = serializers.ChoiceField(
        choices=[(2, "available"), (3, "received"), (4, "seen")],
        required=False,
        help_text="v1.9 only: 2 available, 3 received, 4 seen.",
    )


class ClientPagingSerializer(serializers.Serializer):
    before = serializers.CharField(
        allow_blank=True, help_text='`/messages/before:{smallest id}` when older messages exist, else "".'
    )
    after = serializers.CharField(allow_blank=True, help_text='`/messages/after:{largest id}`, or "".')


class ClientMessagePageEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientMessageSerializer(many=True, help_text="Up to 50 messages, newest first.")
    agent = ClientAgentSerializer(allow_null=True, help_text="The agent of the active conversation, or null.")
    paging = ClientPagingSerializer()
    stickyMessage = serializers.CharField(allow_null=True)
    welcomeMessage = serializers.CharField(allow_null=True)


class ClientMessageEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientMessageSerializer()


class ClientMessageSentSerializer(serializers.Serializer):
    messageId = serializers.CharField(help_text="The new message's id, as a string.")


class ClientMessageSentEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientMessageSentSerializer()


class ClientMediaUploadedSerializer(serializers.Serializer):
    media = serializers.CharField(help_text="v1.9: an opaque id without `/` (a UUID); before: the path form.")


class ClientMediaUploadedEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientMediaUploadedSerializer()


class ClientUnseenCountSerializer(serializers.Serializer):
    messageIds = serializers.ListField(child=serializers.IntegerField())
    count = serializers.IntegerField()


class ClientUnseenCountEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientUnseenCountSerializer()


class ClientStatusChangedSerializer(serializers.Serializer):
    messageIds = serializers.ListField(child=serializers.IntegerField(), help_text="The ids actually changed.")


class ClientStatusChangedEnvelopeSerializer(ClientEnvelopeBaseSerializer):
    data = ClientStatusChangedSerializer()


class ClientDeviceSerializer(DeviceRegistrationSerializer):
    """`POST devices`: the view's serializer, with the URL check the device applies to the referrer."""

    referer = ReferrerField(required=False, allow_blank=True, max_length=2048)
    referrer = ReferrerField(required=False, allow_blank=True, max_length=2048)


class ClientMediaUploadFormSerializer(serializers.Serializer):
    media = serializers.FileField(help_text="The file, at most 10 MiB. Its type is detected from the bytes.")


class ClientLegacyImageFormSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="Legacy (≤ 1.5 form) image upload; creates a media message.")


# --- parameters ------------------------------------------------------------------------------------------------


def _version_parameter(versions: tuple[str, ...] = SUPPORTED_VERSIONS) -> OpenApiParameter:
    return OpenApiParameter(
        "api_version",
        OpenApiTypes.STR,
        OpenApiParameter.PATH,
        required=True,
        enum=list(versions),
        default=versions[-1],
        description="The client API version. Other versions get 404 `not_found`.",
    )


IDENTIFICATION = OpenApiParameter(
    "x-iris-identification",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=f"^[^:]+:.{{{settings.DEVICE_ID_MIN_LENGTH},{DEVICE_ID_MAX_LENGTH}}}$",
    description=f"`{{accountIdentification}}:{{deviceId}}`, split at the first `:`. The device id has "
    f"{settings.DEVICE_ID_MIN_LENGTH}–{DEVICE_ID_MAX_LENGTH} characters (400 `invalid_device_identification` "
    "otherwise). `x-parley-identification` is accepted as an alias.",
    examples=[OpenApiExample("Identification", value="0cce5bfcdbf07978b269:5d1b4a0e-7c2f-4f61-9a8e-2b3c4d5e6f70")],
)
AUTHORIZATION = OpenApiParameter(
    "Authorization",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Registered users only: the raw token (no `Bearer` prefix; a leading `Bearer ` is stripped). "
    "Empty or whitespace-only counts as absent.",
)


def _path(name: str, description: str, **kwargs) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.STR, OpenApiParameter.PATH, required=True, description=description, **kwargs
    )


# --- examples --------------------------------------------------------------------------------------------------


def _envelope(url: str, method: str, data, *, notifications=None, values=None, **extra) -> dict:
    return {
        "data": data,
        "notifications": notifications or [],
        "status": "SUCCESS",
        "metadata": {"values": {"url": url, **(values or {})}, "method": method, "duration": 0.004},
        **extra,
    }


def _error(name: str, status: int, url: str, method: str, *codes: str) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={
            "data": None,
            "notifications": [{"type": "error", "message": code} for code in codes],
            "status": "ERROR",
            "metadata": {"values": {"url": url}, "method": method, "duration": 0.001},
        },
        response_only=True,
        status_codes=[str(status)],
    )


def _errors(url: str, method: str, *, extra: dict[int, list[tuple[str, tuple[str, ...]]]] | None = None) -> dict:
    """The error responses every identified request may get, plus the operation's own (`extra`)."""
    cases: dict[int, list[tuple[str, tuple[str, ...]]]] = {
        400: [
            ("Device not registered", ("device_not_registered",)),
            ("Registered device without Authorization", ("device_requires_authorization", "device_not_registered")),
        ],
        401: [
            ("Unknown account or bad identification", ("api_key_not_valid",)),
            ("Token not valid", ("authorization_not_valid",)),
        ],
        404: [("Version not served", ("not_found",))],
        429: [("Quota exceeded", ("too_many_requests",))],
    }
    for status, items in (extra or {}).items():
        cases[status] = [*items, *cases.get(status, [])]
    descriptions = {
        400: "Bad request (first notification is the code).",
        401: "Identification or authorization not valid.",
        403: "The request's Origin is not allowed for the account.",
        404: "Not found.",
        413: "Upload over 10 MiB.",
        429: "Quota exceeded.",
        500: "Storage failure.",
    }
    return {
        status: OpenApiResponse(
            ClientErrorEnvelopeSerializer,
            description=descriptions.get(status, "Error."),
            examples=[_error(name, status, url, method, *codes) for name, codes in items],
        )
        for status, items in sorted(cases.items())
    }


def _json_request(serializer, examples: list[OpenApiExample]) -> dict:
    """JSON bodies: documented as `application/json` and as `text/plain` (what the web and Android SDKs send)."""
    return {
        media_type: OpenApiRequest(serializer, examples=examples) for media_type in ("application/json", "text/plain")
    }


AGENT = {"id": 2, "name": "Support", "avatar": None, "isTyping": None}
AGENT_MESSAGE = {
    "id": 10737,
    "time": 1718000100,
    "message": "hi!",
    "image": None,
    "typeId": 2,
    "agent": AGENT,
    "carousel": [],
    "quickReplies": [],
    "custom": [],
    "title": None,
    "media": None,
    "buttons": [],
    "status": 2,
}
USER_MESSAGE = {
    "id": 10736,
    "time": 1718000000,
    "message": "Hello, I have a question",
    "image": None,
    "typeId": 1,
    "agent": None,
    "carousel": [],
    "quickReplies": [],
    "custom": [],
    "title": None,
    "media": None,
    "buttons": [],
    "status": 4,
}
FULL_MESSAGE = {
    "id": 10737,
    "time": 1718000000,
    "message": "Pick an option below.",
    "image": None,
    "typeId": 2,
    "agent": AGENT,
    "carousel": [],
    "quickReplies": ["Yes", "No"],
    "custom": [],
    "title": "Your order",
    "media": None,
    "buttons": [{"title": "Track", "payload": "https://example.com/t/1", "type": "webUrl"}],
    "status": 2,
}
CONFIG = {
    "name": "Example Shop",
    "telephone": "+31201234567",
    "font": 1,
    "allowImage": True,
    "backgroundColor": "FFFFFF",
    "backgroundImage": "",
    "iOSStatusBarTextColor": "0",
    "navBackgroundColor": "1B1B1B",
    "navTextColor": "FFFFFF",
    "navHideCloseButton": False,
    "dateBorder": True,
    "dateColor": "888888",
    "iOSInputContainerBackgroundColor": "F5F5F5",
    "inputFieldBackgroundColor": "FFFFFF",
    "inputFieldTextColor": "000000",
    "inputFieldPlaceholderColor": "AAAAAA",
    "inputBackgroundColor": "F5F5F5",
    "inputTextColor": "000000",
    "balloonStyle": 1,
    "userBackgroundColor": "0B5FFF",
    "userTextColor": "FFFFFF",
    "userTextLinkColor": "FFFFFF",
    "userTimeColor": "DDDDDD",
    "userSentColor": "DDDDDD",
    "accountBackgroundColor": "EEEEEE",
    "accountTextColor": "000000",
    "accountTextLinkColor": "0B5FFF",
    "accountTimeColor": "888888",
    "infoTextBackgroundColor": "FFFFFF",
    "infoTextBorder": 0,
    "infoTextColor": "555555",
    "infoText": "Welcome! We usually answer within a minute.",
    "infoText2": "Turn on notifications to hear from us.",
    "genericPushMessage": "",
    "authorizationRequired": "0",
}


def _ok(serializer, description: str, examples: list[OpenApiExample]) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description, examples=examples)


def _example(name: str, value) -> OpenApiExample:
    return OpenApiExample(name, value=value)


_COMMON = {"tags": [TAG], "auth": [{"ClientToken": []}, {}]}


def _parameters(*extra: OpenApiParameter, versions: tuple[str, ...] = SUPPORTED_VERSIONS) -> list[OpenApiParameter]:
    return [_version_parameter(versions), IDENTIFICATION, AUTHORIZATION, *extra]


# --- the operations --------------------------------------------------------------------------------------------

extend_schema_view(
    post=extend_schema(
        operation_id="clientRegisterDevice",
        summary="Register or update this device",
        description="Idempotent; every SDK calls it often. Anonymous without `Authorization`; with a valid token the "
        "device is bound to that registered customer, and an earlier anonymous history with the same device id is "
        "merged into it (§8). Every field is optional. " + JSON_ANY_TYPE_NOTE,
        parameters=_parameters(),
        request=_json_request(
            ClientDeviceSerializer,
            [
                _example(
                    "Web",
                    {
                        "type": 3,
                        "version": "2.0.0",
                        "referer": "https://shop.example/help",
                        "userAdditionalInformation": {"name": "Ann"},
                    },
                ),
                _example(
                    "Android",
                    {
                        "pushToken": "f3x9kLq0",
                        "pushType": 6,
                        "userAdditionalInformation": {},
                        "type": 1,
                        "version": "3.13.0",
                    },
                ),
                _example(
                    "iOS",
                    {
                        "pushToken": "c9q2mWv7",
                        "pushType": 6,
                        "pushEnabled": True,
                        "type": 2,
                        "version": "4.4.2",
                        "referrer": "https://shop.example/app",
                    },
                ),
            ],
        ),
        responses={
            200: _ok(
                ClientEmptyObjectEnvelopeSerializer,
                "Registered.",
                [
                    _example(
                        "Subscribed",
                        _envelope(
                            "devices",
                            "post",
                            {},
                            notifications=[{"type": "success", "message": "device_successfully_subscribed"}],
                        ),
                    )
                ],
            ),
            **_errors(
                "devices",
                "post",
                extra={
                    400: [
                        ("Device id too short or too long", ("invalid_device_identification",)),
                        ("Validation error", ("validation_error", 'pushType: "9" is not a valid choice.')),
                    ],
                    401: [("Token expired", ("authorization_expired",))],
                },
            ),
        },
        **_COMMON,
    )
)(DevicesView)

extend_schema_view(
    get=extend_schema(
        operation_id="clientGetConfig",
        summary="Chat look and settings",
        description="Seed 004's account display settings (§9). No SDK calls it; served for integrators and custom "
        "clients.",
        parameters=_parameters(),
        responses={
            200: _ok(
                ClientConfigEnvelopeSerializer,
                "The settings.",
                [_example("Config", _envelope("config", "get", CONFIG))],
            ),
            **_errors("config", "get"),
        },
        **_COMMON,
    )
)(ConfigView)

extend_schema_view(
    post=extend_schema(
        operation_id="clientSendTypingEvent",
        summary="Customer starts or stops typing",
        description="No body (an empty body with any Content-Type is accepted). Sets or clears the customer's typing "
        "state for the desk; it expires 25 s after the last `startTyping`.",
        parameters=_parameters(_path("event", "The event.", enum=["startTyping", "stopTyping"])),
        request=None,
        responses={
            200: _ok(
                ClientStringEnvelopeSerializer,
                "Done.",
                [
                    _example(
                        "startTyping", _envelope("services/event/startTyping", "post", "event startTyping executed")
                    ),
                    _example("stopTyping", _envelope("services/event/stopTyping", "post", "event stopTyping executed")),
                ],
            ),
            **_errors(
                "services/event/startTyping",
                "post",
                extra={404: [("Unknown event name", ("not_found",))]},
            ),
        },
        **_COMMON,
    )
)(TypingEventView)

_PAGE_DESCRIPTION = (
    "Up to 50 messages of the customer's timeline, **newest first**, each a full message object (§4), plus the "
    "top-level keys `agent`, `paging` (both members always strings), `stickyMessage` and `welcomeMessage`. An empty "
    "page is a success."
)

# MessagesView.get is inherited from TimelineView: decorate the subclass first so the two stay isolated.
extend_schema_view(
    get=extend_schema(
        operation_id="clientListMessages",
        summary="Latest page of messages",
        description=_PAGE_DESCRIPTION,
        parameters=_parameters(),
        responses={
            200: _ok(
                ClientMessagePageEnvelopeSerializer,
                "The latest page.",
                [
                    _example(
                        "Page",
                        _envelope(
                            "messages",
                            "get",
                            [AGENT_MESSAGE, USER_MESSAGE],
                            agent=AGENT,
                            paging={"before": "/messages/before:10736", "after": "/messages/after:10737"},
                            stickyMessage=None,
                            welcomeMessage="Welcome! We usually answer within a minute.",
                        ),
                    )
                ],
            ),
            **_errors("messages", "get"),
        },
        **_COMMON,
    ),
    post=extend_schema(
        operation_id="clientSendMessage",
        summary="Send a message",
        description="The customer sends text **or** a media reference (an id returned by `POST media`), never both, "
        "to their active conversation. `typeId` (Android) or `type` (iOS) 4 sends a silent user-system message; "
        "anything else means 1. A legacy multipart form with the file in field `image` is accepted on every version. "
        + JSON_ANY_TYPE_NOTE,
        parameters=_parameters(),
        request={
            **_json_request(
                MessageInputSerializer,
                [
                    _example("Web text", {"message": "Hello", "referer": "https://shop.example/help"}),
                    _example(
                        "Android text",
                        {
                            "uuid": "6f1c2d3e-aaaa-4bbb-8ccc-123456789abc",
                            "time": 1718000000,
                            "message": "Hello",
                            "typeId": 1,
                            "send_status": 0,
                        },
                    ),
                    _example(
                        "iOS text",
                        {"time": 1718000000, "message": "Hello", "type": 1, "referrer": "https://shop.example/app"},
                    ),
                    _example(
                        "Web media",
                        {
                            "media": {"id": "da0cb973-6a33-402d-8dd6-68eb3ad65cef", "description": "report.pdf"},
                            "referer": "https://shop.example/help",
                        },
                    ),
                    _example(
                        "Android media",
                        {
                            "time": 1718000000,
                            "media": {
                                "id": "da0cb973-6a33-402d-8dd6-68eb3ad65cef",
                                "filename": "IMG_1.jpg",
                                "mimeType": "image/jpeg",
                            },
                            "typeId": 1,
                            "send_status": 0,
                        },
                    ),
                ],
            ),
            "multipart/form-data": ClientLegacyImageFormSerializer,
        },
        responses={
            200: _ok(
                ClientMessageSentEnvelopeSerializer,
                "Stored; visible to `after:` polling at once.",
                [
                    _example(
                        "Sent",
                        _envelope("messages", "post", {"messageId": "10743"}, values={"message": "Hello"}),
                    )
                ],
            ),
            **_errors(
                "messages",
                "post",
                extra={
                    400: [
                        ("Text and media together", ("validation_error", "A message carries text or media, not both.")),
                        ("Unknown media id", ("missing_media",)),
                        ("Image type not accepted", ("invalid_media_type",)),
                    ],
                    413: [("Image too large", ("media_too_large",))],
                },
            ),
        },
        **_COMMON,
    ),
)(MessagesView)

extend_schema_view(
    get=extend_schema(
        operation_id="clientPageMessages",
        summary="Older or newer page of messages",
        description="`before:{id}`: the 50 highest ids below `id`. `after:{id}`: the 50 lowest ids above `id` (pollers "
        "catch up page by page). Both newest first. " + _PAGE_DESCRIPTION,
        parameters=_parameters(
            _path("direction", "`before` or `after`.", enum=["before", "after"]),
            _path("cursor", "A message id."),
        ),
        responses={
            200: _ok(
                ClientMessagePageEnvelopeSerializer,
                "The page.",
                [
                    _example(
                        "Older page",
                        _envelope(
                            "messages/before:10737",
                            "get",
                            [USER_MESSAGE],
                            agent=None,
                            paging={"before": "", "after": "/messages/after:10736"},
                            stickyMessage=None,
                            welcomeMessage=None,
                        ),
                    ),
                    _example(
                        "Nothing new",
                        _envelope(
                            "messages/after:10737",
                            "get",
                            [],
                            agent=AGENT,
                            paging={"before": "", "after": "/messages/after:10737"},
                            stickyMessage=None,
                            welcomeMessage="Welcome! We usually answer within a minute.",
                        ),
                    ),
                ],
            ),
            **_errors(
                "messages/before:x",
                "get",
                extra={400: [("Bad cursor", ("validation_error", "paging: 'x' is not a valid message id"))]},
            ),
        },
        **_COMMON,
    )
)(TimelineView)

extend_schema_view(
    get=extend_schema(
        operation_id="clientGetMessage",
        summary="One message",
        description="Called by Android and iOS when a push names a message. Marks it received.",
        parameters=_parameters(_path("message_id", "The message id.")),
        responses={
            200: _ok(
                ClientMessageEnvelopeSerializer,
                "The message object.",
                [_example("Agent message", _envelope("messages/10737", "get", FULL_MESSAGE))],
            ),
            **_errors(
                "messages/10737",
                "get",
                extra={404: [("Not in the caller's timeline", ("message_not_found",))]},
            ),
        },
        **_COMMON,
    )
)(MessageDetailView)

extend_schema_view(
    get=extend_schema(
        operation_id="clientCountUnseenMessages",
        summary="Count unseen agent messages (v1.9)",
        description="Messages of typeId 2 in the customer's timeline with status below 4. v1.9 only; older versions "
        "get 404.",
        parameters=_parameters(versions=("1.9",)),
        responses={
            200: _ok(
                ClientUnseenCountEnvelopeSerializer,
                "The ids and their count.",
                [
                    _example(
                        "Two unseen",
                        _envelope("messages/unseen/count", "get", {"messageIds": [10737, 10740], "count": 2}),
                    )
                ],
            ),
            **_errors("messages/unseen/count", "get"),
        },
        **_COMMON,
    )
)(UnseenCountView)

extend_schema_view(
    put=extend_schema(
        operation_id="clientSetMessageStatus",
        summary="Raise the status of messages (v1.9)",
        description="Raises each named message's status for this customer to `{status}`, never lowering it; ids not in "
        "the timeline or written by the customer are skipped. The SDKs only send 4. v1.9 only. " + JSON_ANY_TYPE_NOTE,
        parameters=_parameters(_path("status", "2, 3 or 4.", enum=["2", "3", "4"]), versions=("1.9",)),
        request=_json_request(MessageStatusSerializer, [_example("Seen", {"messageIds": [10737, 10740]})]),
        responses={
            200: _ok(
                ClientStatusChangedEnvelopeSerializer,
                "The ids actually changed.",
                [_example("Changed", _envelope("messages/status/4", "put", {"messageIds": [10737]}))],
            ),
            **_errors(
                "messages/status/4",
                "put",
                extra={400: [("Bad status", ("validation_error", "status: must be 2, 3 or 4"))]},
            ),
        },
        **_COMMON,
    )
)(MessageStatusView)

extend_schema_view(
    post=extend_schema(
        operation_id="clientUploadMedia",
        summary="Upload a file (v1.6+)",
        description="`multipart/form-data` with the file in field `media`, at most 10 MiB. The type is detected from "
        "the bytes: images (jpeg, png, gif), PDF, text, CSV, Office documents and common audio and video types. The "
        "upload becomes a message when `POST messages` names its id; unused uploads are deleted after 24 h.",
        parameters=_parameters(),
        request={"multipart/form-data": ClientMediaUploadFormSerializer},
        responses={
            200: _ok(
                ClientMediaUploadedEnvelopeSerializer,
                "Stored.",
                [
                    _example(
                        "Uploaded (v1.9)",
                        _envelope("media", "post", {"media": "da0cb973-6a33-402d-8dd6-68eb3ad65cef"}),
                    )
                ],
            ),
            **_errors(
                "media",
                "post",
                extra={
                    400: [("No file part", ("missing_media",)), ("Type not accepted", ("invalid_media_type",))],
                    413: [("Too large", ("media_too_large",))],
                    500: [("Storage failure", ("could_not_save_media",))],
                },
            ),
        },
        **_COMMON,
    )
)(MediaUploadView)

_DOWNLOAD_NOTE = (
    "Serves the raw bytes with the file's exact `Content-Type`, `Content-Disposition`, `X-Content-Type-Options: "
    "nosniff` and a long private cache lifetime. Only the customer whose timeline holds the media (or its uploader) "
    "may get it; others get 404 `media_not_found`."
)


def _download_responses(url: str) -> dict:
    return {
        (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes."),
        **_errors(url, "get", extra={404: [("Not visible to the caller", ("media_not_found",))]}),
    }


extend_schema_view(
    get=extend_schema(
        operation_id="clientDownloadMedia",
        summary="Download media by its path",
        description="The canonical form built from a message's media fields; zero-padded and unpadded numbers alike. "
        + _DOWNLOAD_NOTE,
        parameters=_parameters(
            _path("year", "Year, e.g. `2025`."),
            _path("month", "Month, `3` or `03`."),
            _path("day", "Day, `7` or `07`."),
            _path("filename", "The stored file name."),
        ),
        responses=_download_responses("media/2025/3/14/3f2a9c.png"),
        **_COMMON,
    )
)(MediaFileView)

extend_schema_view(
    get=extend_schema(
        operation_id="clientDownloadMediaById",
        summary="Download media by its upload id",
        description="The opaque upload id returned by `POST media` (v1.9). " + _DOWNLOAD_NOTE,
        parameters=_parameters(_path("media_id", "The upload id (a UUID).")),
        responses=_download_responses("media/da0cb973-6a33-402d-8dd6-68eb3ad65cef"),
        **_COMMON,
    )
)(MediaByIdView)


# --- one route, two operations ---------------------------------------------------------------------------------

PAGING_PATH = "/clientApi/v{api_version}/messages/{direction}:{cursor}"
CURSORS = {
    "before": (
        "^[0-9]*[1-9][0-9]*$",
        "A message id, at least 1 (ASCII digits): the page holds the ids below it. `before:0` is a "
        "`validation_error`: no id is below 0.",
    ),
    "after": (
        "^[0-9]+$",
        "A message id (ASCII digits): the page holds the ids above it. `after:0` starts from the oldest message.",
    ),
}


def split_paging_operation(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS: `messages/{direction}:{cursor}` is one route whose cursor range depends on the
    direction (`before:` needs an id of at least 1, `after:` also takes 0), so the schema shows `before:` and
    `after:` as two operations, each with the exact pattern of its cursor."""
    if PAGING_PATH not in result["paths"]:
        return result
    paths = {}
    for path, item in result["paths"].items():
        if path != PAGING_PATH:
            paths[path] = item
            continue
        for direction, (pattern, description) in CURSORS.items():
            operation = copy.deepcopy(item["get"])
            operation["operationId"] = f"clientPageMessages{direction.title()}"
            operation["summary"] = "Older page of messages" if direction == "before" else "Newer page of messages"
            operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "direction"]
            for parameter in operation["parameters"]:
                if parameter["name"] == "cursor":
                    parameter["schema"] = {"type": "string", "pattern": pattern}
                    parameter["description"] = description
            paths[PAGING_PATH.replace("{direction}", direction)] = {**item, "get": operation}
    result["paths"] = paths
    return result
