"""The integration API's OpenAPI parts that every operation shares, described once: the error body of each status
with an example per error code, the response headers, and the AutoSchema that adds both to every operation."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from messenger_project.integration_api.errors import IntegrationErrorSerializer

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
    "thread_limit_reached": (412, "Thread limit reached.", {}),
    "conversation_too_old": (412, "Conversation too old.", {}),
    "payload_too_large": (413, "The body is over 1 MiB.", {}),
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
