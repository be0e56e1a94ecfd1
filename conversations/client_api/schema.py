"""The client API's OpenAPI schema: the envelope, the shared parameters and the shared errors, described once.

`ClientAutoSchema` (the schema class of `ClientAPIView`) wraps every JSON answer an operation declares (the
serializer of its `data`) in the envelope, adds the version, identification and authorization parameters and the
errors every identified request may get. Views declare only what is theirs, with `@extend_schema` beside them.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiRequest, OpenApiResponse
from rest_framework import serializers

from devices.identification import DEVICE_ID_MAX_LENGTH

TAG = "Client API"
JSON_ANY_TYPE_NOTE = (
    "The body is JSON. It is parsed as JSON **whatever the Content-Type** (the web and Android SDKs send "
    "`text/plain;charset=UTF-8`, iOS `application/json`); unknown keys are ignored."
)

# --- the envelope ---------------------------------------------------------------------------------------------


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


class ClientErrorEnvelopeSerializer(serializers.Serializer):
    """Every client API error: a non-2xx status **and** `status: "ERROR"`; the first notification is the code."""

    data = serializers.JSONField(allow_null=True, help_text="Always `null` on errors.")
    notifications = ClientNotificationSerializer(many=True, help_text="The error codes, most important first.")
    status = serializers.ChoiceField(choices=["ERROR"])
    metadata = ClientMetadataSerializer()


@dataclass
class Answer:
    """An example answer: its `data`, and what the envelope carries beside it."""

    data: Any
    notifications: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    url: str | None = None  # `metadata.values.url`; by default the path with the examples' parameter values
    extra: dict = field(default_factory=dict)  # top-level keys beside `data` (a page's `paging`, …)


def answer(name: str, data: Any, **envelope: Any) -> OpenApiExample:
    return OpenApiExample(name, value=Answer(data, **envelope), response_only=True)


def refusal(name: str, *codes: str) -> OpenApiExample:
    """An error example: the notifications' messages, the code first."""
    return OpenApiExample(name, value=Answer(None, notifications=list(codes)), response_only=True)


def refusals(description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(ClientErrorEnvelopeSerializer, description=description, examples=list(examples))


class Enveloped(OpenApiResponse):
    """A success whose envelope carries top-level keys beside `data` (declared by `extra`, a serializer)."""

    def __init__(self, response, *, extra: type[serializers.Serializer], **kwargs):
        super().__init__(response, **kwargs)
        self.extra = extra


def json_body(serializer, *examples: OpenApiExample) -> dict:
    """A JSON request body, documented as what the SDKs send: `application/json` and `text/plain`."""
    return {media_type: OpenApiRequest(serializer, examples=list(examples)) for media_type in JSON_MEDIA_TYPES}


JSON_MEDIA_TYPES = ("application/json", "text/plain")

# --- what every identified request may get --------------------------------------------------------------------

COMMON_ERRORS = {
    400: (
        "Bad request (the first notification is the code).",
        [
            refusal("Device not registered", "device_not_registered"),
            refusal(
                "Registered device without Authorization", "device_requires_authorization", "device_not_registered"
            ),
        ],
    ),
    401: (
        "Identification or authorization not valid.",
        [
            refusal("Unknown account or bad identification", "api_key_not_valid"),
            refusal("Token not valid", "authorization_not_valid"),
        ],
    ),
    403: (
        "The request's Origin is not allowed for the account.",
        [refusal("Origin not allowed", "origin_not_allowed")],
    ),
    404: ("Not found.", [refusal("Version not served", "not_found")]),
    429: ("Quota exceeded.", [refusal("Quota exceeded", "too_many_requests")]),
}

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

# The path parameters of the client API's routes: (description, enum, the value the examples use).
PATH_PARAMETERS: dict[str, tuple[str, list[str] | None, str]] = {
    "event": ("The event.", ["startTyping", "stopTyping"], "startTyping"),
    "status": ("2, 3 or 4.", ["2", "3", "4"], "4"),
    "direction": ("`before` or `after`.", ["before", "after"], "before"),
    "cursor": ("A message id.", None, "10737"),
    "message_id": ("The message id.", None, "10737"),
    "year": ("Year, e.g. `2025`.", None, "2025"),
    "month": ("Month, `3` or `03`.", None, "3"),
    "day": ("Day, `7` or `07`.", None, "14"),
    "filename": ("The stored file name.", None, "3f2a9c.png"),
    "media_id": ("The upload id (a UUID).", None, "da0cb973-6a33-402d-8dd6-68eb3ad65cef"),
    "rating_id": ("The satisfaction prompt's id (`custom.satisfaction.id` of its message).", None, "31"),
}
PATH_PREFIX = "/clientApi/v{api_version}/"


class ClientAutoSchema(AutoSchema):
    """The schema of every client API operation: the envelope, shared parameters and errors added here."""

    def get_tags(self) -> list[str]:
        return [TAG]

    def get_auth(self) -> list[dict]:
        return [{"ClientToken": []}, {}]  # the token is optional: anonymous devices send none

    def get_override_parameters(self) -> list:
        view = self.view
        versions = [v for v in view.supported_versions if v >= view.min_version]
        version = OpenApiParameter(
            "api_version",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            required=True,
            enum=versions,
            default=versions[-1],
            description="The client API version. Other versions get 404 `not_found`.",
        )
        path = [
            OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, required=True, description=text, enum=enum)
            for name, (text, enum, _) in PATH_PARAMETERS.items()
            if f"{{{name}}}" in self.path
        ]
        return [version, IDENTIFICATION, AUTHORIZATION, *path, *super().get_override_parameters()]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, (description, examples) in COMMON_ERRORS.items():
            common = self._get_response_for_code(refusals(description, *examples), str(status), direction=direction)
            mine = responses.setdefault(str(status), common)
            if mine is not common:  # the operation's own examples first, then the shared ones
                mine["content"]["application/json"].setdefault("examples", {}).update(
                    common["content"]["application/json"]["examples"]
                )
        return dict(sorted(responses.items()))

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        extra = getattr(serializer, "extra", None)
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content", {}).get("application/json")
        if content is None:
            return response  # a file download: no envelope
        if status_code.startswith("2"):
            content["schema"] = self._success_envelope(content.get("schema"), extra, direction)
        for example in content.get("examples", {}).values():
            example["value"] = self._example_envelope(example["value"], success=status_code.startswith("2"))
        return response

    def _success_envelope(self, data: dict | None, extra, direction) -> dict:
        properties = {
            "data": data or {"type": "object", "additionalProperties": False},
            "notifications": {"type": "array", "items": self._ref(ClientNotificationSerializer, direction)},
            "status": {"type": "string", "enum": ["SUCCESS"], "description": "Exactly `SUCCESS`."},
            "metadata": self._ref(ClientMetadataSerializer, direction),
        }
        if extra is not None:
            properties.update(self._map_serializer(extra(), direction)["properties"])
        return {"type": "object", "properties": properties, "required": list(properties)}

    def _ref(self, serializer, direction) -> dict:
        return self.resolve_serializer(serializer(), direction).ref

    def _example_envelope(self, value, *, success: bool) -> dict:
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], Answer):
            value = value[0]  # drf-spectacular puts a list operation's example in a list
        example = value if isinstance(value, Answer) else Answer(value)
        url = example.url or self._example_url()
        notifications = [
            n if isinstance(n, dict) else {"type": "success" if success else "error", "message": n}
            for n in example.notifications
        ]
        return {
            "data": example.data if success else None,
            "notifications": notifications,
            "status": "SUCCESS" if success else "ERROR",
            "metadata": {"values": {"url": url, **example.values}, "method": self.method.lower(), "duration": 0.004},
            **example.extra,
        }

    def _example_url(self) -> str:
        path = self.path.removeprefix(PATH_PREFIX)
        return re.sub(r"\{(\w+)\}", lambda m: PATH_PARAMETERS[m.group(1)][2], path)


# --- one route, two operations --------------------------------------------------------------------------------

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


def postprocess(result: dict, generator, request, public) -> dict:
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
            _examples_of(operation, direction)
            paths[PAGING_PATH.replace("{direction}", direction)] = {**item, "get": operation}
    result["paths"] = paths
    return result


def _examples_of(operation: dict, direction: str) -> None:
    """The split operation keeps the answers of its own direction; its error examples name its own path."""
    own, other = f"messages/{direction}:", "messages/after:" if direction == "before" else "messages/before:"
    for code, response in operation["responses"].items():
        content = response.get("content", {}).get("application/json")
        for name, example in list((content or {}).get("examples", {}).items()):
            values = example["value"]["metadata"]["values"]
            if not values["url"].startswith(other):
                continue
            if code.startswith("2"):
                del content["examples"][name]
            else:
                values["url"] = own + values["url"].removeprefix(other)


# --- example messages (shared by the operations that answer with them) ------------------------------------------

AGENT = {"id": 2, "name": "Support", "avatar": None, "isTyping": None}


def _message(**fields) -> dict:
    """A message object in the order the server writes its keys."""
    empty = {"image": None, "title": None, "media": None, "buttons": [], "carousel": [], "quickReplies": []}
    order = ("id", "time", "message", "image", "typeId", "agent", "title", "media", "buttons", "carousel")
    message = {**empty, "custom": [], **fields}
    return {key: message[key] for key in (*order, "quickReplies", "custom", "status")}


AGENT_MESSAGE = _message(id=10737, time=1718000100, message="hi!", typeId=2, agent=AGENT, status=2)
USER_MESSAGE = _message(id=10736, time=1718000000, message="Hello, I have a question", typeId=1, agent=None, status=4)
FULL_MESSAGE = _message(
    id=10737,
    time=1718000000,
    message="Pick an option below.",
    typeId=2,
    agent=AGENT,
    title="Your order",
    quickReplies=["Yes", "No"],
    buttons=[{"title": "Track", "payload": "https://example.com/t/1", "type": "webUrl"}],
    status=2,
)
WELCOME = "Welcome! We usually answer within a minute."
