"""The client API's one envelope (spec §3): a renderer for every response and an exception handler for errors."""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils import encoders
from rest_framework.views import set_rollback

from messenger_project.errors import ServiceError
from messenger_project.json_input import json_printable
from messenger_project.outage import RETRY_AFTER_SECONDS, database_unavailable

logger = logging.getLogger("messenger.client_api")

VERSION_PREFIX_PARTS = 3  # "", "clientApi", "v1.9"


def endpoint_url(path: str) -> str:
    """`metadata.values.url`: the path after the version, without a leading slash (`messages/before:2`)."""
    return "/".join(part for part in path.split("/")[VERSION_PREFIX_PARTS:] if part)


def error_http_response(request, status_code: int, *codes: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """The error envelope outside DRF (a plain Django view, a middleware): `codes` as its notifications."""
    notifications = [{"type": "error", "message": code} for code in codes]
    body = envelope(None, request=request, status="ERROR", notifications=notifications)
    return HttpResponse(body, status=status_code, content_type="application/json", headers=headers)


def error_response(status_code: int, *codes: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"notifications": [{"type": "error", "message": c} for c in codes]}, status_code, headers=headers)


def service_unavailable_response() -> Response:
    """503 service_unavailable with Retry-After: an outage (the database cannot be reached), not the request."""
    return error_response(503, "service_unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _validation_messages(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [m for key, value in detail.items() for m in _validation_messages(value, f"{prefix}{key}.")]
    if isinstance(detail, list):
        return [m for item in detail for m in _validation_messages(item, prefix)]
    field = prefix.rstrip(".")
    return [f"{field}: {detail}" if field and field != "non_field_errors" else str(detail)]


def client_exception_handler(exc: Exception, context: dict) -> Response:
    """Every error of the client API as the envelope with a non-2xx status: the SDKs read both signals."""
    set_rollback()
    if isinstance(exc, ServiceError):
        return error_response(exc.status_code, exc.code, *exc.extra_codes)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, exceptions.ValidationError):
        return error_response(400, "validation_error", *_validation_messages(exc.detail))
    if isinstance(exc, exceptions.ParseError):
        return error_response(400, "validation_error", f"body: {exc.detail}")
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "media_too_large")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error_response(415, "unsupported_media_type")
    if isinstance(exc, exceptions.MethodNotAllowed):
        allowed = ", ".join(context["view"].allowed_methods) if context.get("view") else ""
        return error_response(405, "method_not_allowed", headers={"Allow": allowed})
    if isinstance(exc, exceptions.Throttled):
        return error_response(429, "too_many_requests")
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response(404, "not_found")
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        return error_response(403, "forbidden")
    if isinstance(exc, exceptions.APIException):
        return error_response(exc.status_code, str(exc.default_code))
    if database_unavailable(exc):
        logger.error("The database is unavailable: %s", exc)
        return service_unavailable_response()
    logger.exception("Unhandled error in the client API", exc_info=exc)
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "internal_error")


class ClientEnvelopeRenderer(JSONRenderer):
    """Wraps `response.data` as `{data, notifications, status, metadata, …}`, written with orjson (compact UTF-8,
    as DRF's settings would write it, several times faster: a page of 50 messages is the largest body polled).

    A view adds top-level keys with `response.envelope_extra`, notifications with `response.notifications`
    and echoed request values with `response.metadata_values`.
    """

    media_type = "application/json"
    charset = None  # the SDKs check for `application/json`; a charset parameter is fine but not needed

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response, request = context.get("response"), context.get("request")
        if response is None or request is None:
            return super().render(data, accepted_media_type, renderer_context)
        if response.status_code >= 400:
            return envelope(
                None,
                request=request._request,
                status="ERROR",
                notifications=data["notifications"],
            )
        return envelope(
            data,
            request=request._request,
            notifications=getattr(response, "notifications", []),
            metadata_values=getattr(response, "metadata_values", {}),
            extra=getattr(response, "envelope_extra", {}),
        )


def envelope(
    data: Any,
    *,
    request,
    status: str = "SUCCESS",
    notifications: list | None = None,
    metadata_values: dict | None = None,
    extra: dict | None = None,
) -> bytes:
    """The envelope's bytes for a Django request: `metadata` says the endpoint, the method and the time taken."""
    started = getattr(request, "client_api_started", None) or time.monotonic()
    body = {
        "data": data,
        "notifications": notifications or [],
        "status": status,
        "metadata": {
            "values": {"url": endpoint_url(request.path), **(metadata_values or {})},
            "method": request.method.lower(),
            "duration": round(time.monotonic() - started, 4),
        },
        **(extra or {}),
    }
    return json_bytes(body)


def json_bytes(value: Any) -> bytes:
    """JSON as the envelope writes it (an `orjson.Fragment` goes in as it is). What orjson cannot write (an
    unpaired surrogate, an integer beyond 64 bits) is written as `json_printable` makes it, never a failure."""
    try:
        return orjson.dumps(value, default=_fallback, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return orjson.dumps(json_printable(value), default=_fallback, option=_OPTIONS)


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


_drf_encoder = encoders.JSONEncoder()


def _fallback(value):
    """What orjson leaves to DRF's encoder (datetimes as DRF writes them, lazy strings, decimals, …)."""
    return _drf_encoder.default(value)
