"""The integration API's one error body (spec §4) and its exception handler. Nothing else shapes its errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from messenger_project.errors import ServiceError
from messenger_project.integration_api.serializers import LinkSerializer
from messenger_project.json_input import json_printable
from messenger_project.outage import RETRY_AFTER_SECONDS, database_unavailable
from messenger_project.request_id import current_request_id

logger = logging.getLogger("messenger.integration_api")

_MISSING = object()
REJECTED_VALUE_MAX = 200

# DRF's error codes → the spec's field codes.
FIELD_CODES = {
    "required": "required",
    "null": "wrong_type",
    "invalid": "wrong_type",
    "not_a_list": "wrong_type",
    "not_a_dict": "wrong_type",
    "blank": "blank",
    "max_length": "too_long",
    "min_length": "too_short",
    "max_value": "out_of_range",
    "min_value": "out_of_range",
    "max_string_length": "out_of_range",
    "invalid_choice": "invalid_enum",
    "empty": "empty",
}


# --- the bodies, declared once: they render the answers and document them


class IntegrationFieldErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Dots and `[i]`: `customer.firstName`, `[1].sender`, `query.email`.")
    code = serializers.CharField(help_text="`required`, `unknown_field`, `too_long`, `invalid_email`, …")
    message = serializers.CharField()
    rejectedValue = serializers.JSONField(
        required=False, help_text="Left out for secrets and values over 200 characters."
    )


class IntegrationErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status.")
    code = serializers.CharField(help_text="`validation_failed`, `not_found`, `invalid_api_key`, …")
    message = serializers.CharField()
    logRef = serializers.CharField(help_text="Also sent as the `X-Request-Id` header.")
    fields = IntegrationFieldErrorSerializer(many=True, required=False, help_text="Only for `validation_failed`.")
    details = serializers.DictField(child=serializers.JSONField())


class IntegrationErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx response of the integration API."""

    error = IntegrationErrorDetailSerializer()


class LocationLinksSerializer(serializers.Serializer):
    location = LinkSerializer()


class MergedRedirectSerializer(serializers.Serializer):
    """The 301 body for a merged user or conversation (sent with a `Location` header)."""

    id = serializers.CharField()
    mergedInto = serializers.CharField()
    _links = LocationLinksSerializer()


class EarlyResponse(Exception):  # noqa: N818  (not an error: a complete answer given before the handler's end)
    """Ends a request with a ready response that is not an error: a 301 to a merge survivor, an idempotent replay."""

    def __init__(self, response: Response):
        super().__init__("early response")
        self.response = response


def moved_permanently(*, old_id: str, final_id: str, location: str) -> Response:
    """301 for a merged conversation or user (§4: not an error), with the live end's Location."""
    body = {"id": old_id, "mergedInto": final_id, "_links": {"location": {"href": location}}}
    return Response(MergedRedirectSerializer(body).data, status=301, headers={"Location": location})


@dataclass
class FieldError:
    path: str
    code: str
    message: str
    rejected_value: Any = _MISSING

    def as_dict(self) -> dict[str, Any]:
        """`rejectedValue` is left out when it is long, or when JSON cannot hold it as it was sent."""
        data = {"path": self.path, "code": self.code, "message": self.message}
        value = self.rejected_value
        if value is not _MISSING and len(str(value)) <= REJECTED_VALUE_MAX and json_printable(value) == value:
            data["rejectedValue"] = value
        return data


@dataclass
class ApiError(Exception):
    status: int
    code: str
    message: str = ""
    fields: list[FieldError] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        body = {
            "status": self.status,
            "code": self.code,
            "message": self.message or self.code.replace("_", " ").capitalize() + ".",
            "logRef": current_request_id(),
            "details": self.details,
        }
        if self.code == "validation_failed":
            body["fields"] = [f.as_dict() for f in self.fields]
        return Response(IntegrationErrorSerializer({"error": body}).data, status=self.status, headers=self.headers)


def service_unavailable() -> ApiError:
    """503 with Retry-After (§4): an outage (the database cannot be reached); nothing was written."""
    return ApiError(
        503,
        "service_unavailable",
        "The service cannot reach its database; nothing was written. Retry after the given seconds.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def validation_failed(fields: list[FieldError]) -> ApiError:
    noun = "field is" if len(fields) == 1 else "fields are"
    return ApiError(400, "validation_failed", f"{len(fields)} {noun} invalid.", fields=fields)


def _join(prefix: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _value_at(data: Any, keys: list[Any]) -> Any:
    for key in keys:
        in_mapping = isinstance(data, Mapping) and key in data
        in_list = isinstance(data, list) and isinstance(key, int) and key < len(data)
        if not (in_mapping or in_list):
            return _MISSING
        data = data[key]
    return data


def field_errors(detail: Any, data: Any, prefix: str = "", keys: list[Any] | None = None) -> list[FieldError]:
    """Flatten DRF's nested error detail into the spec's `fields` list (`customer.firstName`, `[1].sender`)."""
    keys = keys or []
    if isinstance(detail, Mapping):
        errors = []
        for key, value in detail.items():
            if key == "non_field_errors":
                errors += field_errors(value, data, prefix, keys)
            else:
                errors += field_errors(value, data, _join(prefix, key), [*keys, key])
        return errors
    if isinstance(detail, list) and detail and all(isinstance(d, dict | list) or d == {} for d in detail):
        errors = []
        for index, value in enumerate(detail):
            if value:
                errors += field_errors(value, data, _join(prefix, index), [*keys, index])
        return errors
    if isinstance(detail, list):
        return [e for item in detail for e in field_errors(item, data, prefix, keys)]
    code = getattr(detail, "code", None) or "invalid"
    rejected = _value_at(data, keys) if code != "required" else _MISSING
    return [
        FieldError(
            path=prefix or "body", code=FIELD_CODES.get(code, code), message=str(detail), rejected_value=rejected
        )
    ]


def integration_exception_handler(exc: Exception, context: dict) -> Response:
    set_rollback()
    request = context.get("request")
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ServiceError):
        exc = ApiError(exc.status_code, exc.code, exc.message if exc.message != exc.code else "", details=exc.details)
    elif isinstance(exc, exceptions.ValidationError):
        data = getattr(request, "_full_data", None) if request is not None else None
        exc = validation_failed(field_errors(exc.detail, data))
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc = ApiError(401, "authentication_required", "An API key is required.", headers=_www_authenticate())
    elif isinstance(exc, exceptions.AuthenticationFailed):
        exc = ApiError(401, "invalid_api_key", "The API key is not valid.", headers=_www_authenticate())
    elif isinstance(exc, exceptions.ParseError):
        exc = ApiError(400, "malformed_json", str(exc.detail))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        exc = ApiError(415, "unsupported_media_type", "The body must be application/json.")
    elif isinstance(exc, exceptions.MethodNotAllowed):
        allowed = ", ".join(context["view"].allowed_methods) if context.get("view") else ""
        exc = ApiError(405, "method_not_allowed", headers={"Allow": allowed})
    elif isinstance(exc, Http404 | exceptions.NotFound):
        exc = ApiError(404, "not_found", "Not found.")
    elif isinstance(exc, RequestDataTooBig):
        exc = ApiError(413, "payload_too_large", "The body is too large.")
    elif isinstance(exc, exceptions.Throttled):
        exc = ApiError(429, "rate_limited", headers={"Retry-After": str(int(exc.wait or 1))})
    elif isinstance(exc, exceptions.APIException):
        exc = ApiError(exc.status_code, str(exc.default_code), str(exc.detail))
    elif database_unavailable(exc):
        logger.error("The database is unavailable: %s", exc)
        exc = service_unavailable()
    elif not isinstance(exc, ApiError):
        logger.exception("Unhandled error in the integration API", exc_info=exc)
        exc = ApiError(500, "internal_error", "Nothing was written; it is safe to retry.")
    return exc.response()


def _www_authenticate() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="integration"'}


class IntegrationJSONRenderer(JSONRenderer):
    """UTF-8 JSON (§1). What cannot be encoded (an unpaired surrogate from stored data, a non-finite float) is
    written as `json_printable` makes it: a response never fails while it is written."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except (UnicodeEncodeError, ValueError):
            return super().render(json_printable(data), accepted_media_type, renderer_context)
