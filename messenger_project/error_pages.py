"""The answer to a request that failed outside an API view's own exception handler, in its surface's body.

Each API's views shape their errors themselves (client_api/envelope.py, integration_api/errors.py). What fails
elsewhere (a desk or admin view, a middleware, a response being rendered) comes here:

- `OutageMiddleware.process_exception`: a view (of any surface) that failed because the database cannot be
  reached answers 503 with Retry-After (`outage.py`);
- `server_error` (the root URLconf's handler500): whatever is left, raised in a view or a middleware (the session
  middleware reads the database too). An outage is the same 503; any other error is the API's own 500 body under
  /clientApi/ and /api/ (and seed 001's /external/), and Django's page elsewhere.
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django.views import defaults

from messenger_project.client_api.envelope import error_http_response
from messenger_project.integration_api.errors import ApiError, IntegrationJSONRenderer, service_unavailable
from messenger_project.outage import RETRY_AFTER_SECONDS, database_unavailable, unavailable_page

logger = logging.getLogger("messenger.outage")

_NOT_INTEGRATION = ("/api/schema/", "/api/docs/", "/api/redoc/")


def surface(path: str) -> str:
    """`client`, `integration` or `site` (the desk, the admin, the rest): whose body an error is written in."""
    if path == "/clientApi" or path.startswith("/clientApi/"):
        return "client"
    if (path == "/api" or path.startswith("/api/")) and not path.startswith(_NOT_INTEGRATION):
        return "integration"
    if path == "/external" or path.startswith("/external/"):  # seed 001's root alias of /api/external/
        return "integration"
    return "site"


class OutageMiddleware(MiddlewareMixin):  # the mixin: sync and async, as the handler runs
    """A view that failed because the database cannot be reached: 503 with Retry-After, in its surface's body."""

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.error("The database is unavailable: %s", exception)
        return outage_response(request)


def outage_response(request) -> HttpResponse:
    kind = surface(request.path_info)
    if kind == "client":
        return error_http_response(
            request, 503, "service_unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    if kind == "integration":
        return _integration_error(service_unavailable())
    return unavailable_page()


def server_error(request) -> HttpResponse:
    """handler500: called while the exception is being handled, so `sys.exc_info()` names it."""
    if database_unavailable(sys.exc_info()[1]):
        return outage_response(request)
    kind = surface(request.path_info)
    if kind == "client":
        return error_http_response(request, 500, "internal_error")
    if kind == "integration":
        return _integration_error(ApiError(500, "internal_error", "Nothing was written; it is safe to retry."))
    return defaults.server_error(request)


def _integration_error(error: ApiError) -> HttpResponse:
    body = IntegrationJSONRenderer().render(error.response().data)
    return HttpResponse(
        body, status=error.status, content_type="application/json; charset=utf-8", headers=error.headers
    )
