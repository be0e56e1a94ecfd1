"""Client API transport rules that act before routing (spec §1.3, §2.5): collapsed slashes, CORS and preflight."""

from __future__ import annotations

import re
import time

from django.http import HttpResponse

CLIENT_API_PREFIX = "/clientApi/"
CLIENT_STREAM_PATH = "/stream/client"  # the widget's event stream: authorised, and so cross-origin, as the API is
_REPEATED_SLASHES = re.compile(r"/{2,}")
_VERSION = re.compile(r"^/clientApi/v(\d+\.\d+)/")
PREFLIGHT_MAX_AGE = "86400"
EXPOSED_HEADERS = "api-version, quota-interval, quota-limit, quota-reset-UTC, quota-time-unit, quota-used, Retry-After"


class ClientAPIMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (request.path_info.startswith(CLIENT_API_PREFIX) or request.path_info == CLIENT_STREAM_PATH):
            return self.get_response(request)
        request.client_api_started = time.monotonic()
        # Android appends `paging.before` (`/messages/before:1`) to `…/v1.9/`, giving `//`: route it anyway.
        if "//" in request.path:
            request.path_info = _REPEATED_SLASHES.sub("/", request.path_info)
            request.path = _REPEATED_SLASHES.sub("/", request.path)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            # No identification comes with a preflight: allow here, enforce the account's origins on the request.
            response["Access-Control-Allow-Methods"] = "GET, POST, PUT, OPTIONS"
            requested = request.headers.get("Access-Control-Request-Headers")
            response["Access-Control-Allow-Headers"] = requested or "authorization, content-type, x-iris-identification"
            response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        origin = request.headers.get("Origin")
        response["Access-Control-Allow-Origin"] = origin or "*"
        if origin:
            response["Vary"] = "Origin"
        version = _VERSION.match(request.path_info)
        if version:
            response["api-version"] = version.group(1)
        return response


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """The account's allowed origins (none: any) admit this `Origin` header (none: not a browser)."""
    return not (origin and allowed and origin.rstrip("/") not in {o.rstrip("/") for o in allowed})
