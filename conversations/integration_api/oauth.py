"""`POST /api/v2/oauth2/token`: OAuth2 client credentials (RFC 6749 §4.4), what Help Scout's Mailbox API v2
clients fetch before any call. django-oauth-toolkit (oauthlib) checks the client and issues the token.

What the real clients send (python-helpscout 2.0, helpscout-mailbox 1.2, both read): a form body
(`application/x-www-form-urlencoded`: `grant_type=client_credentials`, `client_id`, `client_secret`), no Basic
auth; they read `access_token` (and helpscout-mailbox `expires_in`) from a 200. HTTP Basic client authentication
(RFC 6749 §2.3.1) is accepted too, as the RFC asks of every server.

Why this endpoint answers errors in RFC 6749 §5.2's body (`{"error": "invalid_client", "error_description": …}`)
and not in the integration API's `{"error": {code, message, …}}`: OAuth client libraries read `error` as a
string and switch on its RFC code; the integration body's `error` is an object and would break them. Where the RFC
names no code (plain HTTP, a wrong method, a body too large, too many failures) the same shape carries the
integration API's code (`https_required`, `method_not_allowed`, `payload_too_large`, `rate_limited`). Every
refused request counts against the caller's address and the `client_id` it named, as a refused API key does.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from urllib.parse import unquote_plus

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from conversations.integration_api.authentication import failed_attempt_count
from conversations.integration_api.base import IntegrationAPIView
from messenger_project.integration_api.errors import ApiError, IntegrationJSONRenderer
from messenger_project.negotiation import FirstRendererNegotiation
from messenger_project.outage import RETRY_AFTER_SECONDS, database_unavailable

logger = logging.getLogger("messenger.integration_api")

TAG_AUTHENTICATION = "Integration API: authentication"
FORM = "application/x-www-form-urlencoded"
BODY_LIMIT = 16 * 1024  # three short fields
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1


class AccessTokenFormSerializer(serializers.Serializer):
    """The form of RFC 6749 (4.4.2) with the client's credentials in the body (2.3.1), as the Help Scout clients
    send it. Documents the request; oauthlib reads it."""

    grant_type = serializers.ChoiceField(choices=["client_credentials"])
    client_id = serializers.CharField(
        required=False, max_length=255, help_text="The OAuth app's client id (or in HTTP Basic auth)."
    )
    client_secret = serializers.CharField(
        required=False, max_length=255, help_text="Its secret, shown once when the app was made."
    )


class AccessTokenSerializer(serializers.Serializer):
    """The answer of Help Scout's token endpoint, field for field."""

    token_type = serializers.CharField(help_text='Always `"bearer"`.')
    access_token = serializers.CharField(help_text="Send it as `Authorization: Bearer <token>` to the API.")
    expires_in = serializers.IntegerField(help_text="Seconds it stays valid: 172800 (2 days).")


class OAuthErrorSerializer(serializers.Serializer):
    """Every refusal of the token endpoint, as RFC 6749 (5.2) words it."""

    error = serializers.CharField(
        help_text="RFC 6749's `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, "
        "`unsupported_grant_type`, `invalid_scope`; or `https_required`, `method_not_allowed`, "
        "`payload_too_large`, `rate_limited`, `service_unavailable`."
    )
    error_description = serializers.CharField(required=False)


def _error(status: int, code: str, description: str = "", headers: dict | None = None) -> Response:
    body = {"error": code, **({"error_description": description} if description else {})}
    return Response(OAuthErrorSerializer(body).data, status=status, headers={**NO_STORE, **(headers or {})})


def oauth_exception_handler(exc: Exception, context: dict) -> Response:
    """The token endpoint's one error handler: RFC 6749's body for whatever went wrong (see the module)."""
    set_rollback()
    if isinstance(exc, ApiError):
        return _error(exc.status, exc.code, exc.message, exc.headers)
    if isinstance(exc, exceptions.MethodNotAllowed):
        allowed = ", ".join(context["view"].allowed_methods) if context.get("view") else "POST"
        return _error(405, "method_not_allowed", "Only POST.", {"Allow": allowed})
    if isinstance(exc, exceptions.Throttled):
        wait = str(int(exc.wait or 1))
        return _error(429, "rate_limited", f"Too many refused requests; retry after {wait} s.", {"Retry-After": wait})
    if isinstance(exc, RequestDataTooBig):
        return _error(413, "payload_too_large", "The body is too large.")
    if isinstance(exc, exceptions.APIException):
        return _error(exc.status_code, "invalid_request", str(exc.detail))
    if database_unavailable(exc):
        logger.error("The database is unavailable: %s", exc)
        return _error(503, "service_unavailable", "Retry later.", {"Retry-After": str(RETRY_AFTER_SECONDS)})
    logger.exception("Unhandled error at the OAuth token endpoint", exc_info=exc)
    return _error(500, "server_error", "Nothing was written; it is safe to retry.")


def _presented_client_id(request) -> str | None:
    """The client id a request named, in the form or in Basic auth: what its failures count against."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            return unquote_plus(base64.b64decode(value.strip()).decode("utf-8").partition(":")[0]) or None
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
    return request._request.POST.get("client_id") or None


def _example(name: str, status: int, code: str, description: str) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={"error": code, **({"error_description": description} if description else {})},
        response_only=True,
        status_codes=[str(status)],
    )


def _errors(status: int, description: str, *cases: tuple[str, str, str]) -> OpenApiResponse:
    return OpenApiResponse(
        OAuthErrorSerializer,
        description=description,
        examples=[_example(name, status, code, text) for name, code, text in cases],
    )


@extend_schema_view(
    post=extend_schema(
        operation_id="createAccessToken",
        summary="Get an access token (OAuth2 client credentials)",
        description="OAuth2 client credentials (RFC 6749, 4.4) with Help Scout's answer: a bearer token valid "
        "2 days, accepted wherever an API key is (`Authorization: Bearer <token>`). The app's client id and secret "
        "come from the admin (OAuth apps) or `create_account`. The client authenticates in the form (as the Help "
        "Scout clients do) or with HTTP Basic. Errors are RFC 6749 bodies (5.2), not the integration API's (OAuth "
        "clients parse these).",
        tags=[TAG_AUTHENTICATION],
        auth=[],
        request={FORM: AccessTokenFormSerializer},
        examples=[
            OpenApiExample(
                "Client credentials",
                value={
                    "grant_type": "client_credentials",
                    "client_id": "Kq3m9RzXw2bT7vLpN4cY8sHd1fGjU6aE0oIiWk5Z",
                    "client_secret": "b4Hq2kLm9ZpX7cVn3RtY8wEs1dFg6jUa",
                },
                request_only=True,
            )
        ],
        responses={
            200: OpenApiResponse(
                AccessTokenSerializer,
                description="The token; `Cache-Control: no-store`.",
                examples=[
                    OpenApiExample(
                        "Token",
                        value={
                            "token_type": "bearer",
                            "access_token": "4Jz0Xk2QmT9pLw7RvY3sNc8D",
                            "expires_in": 172800,
                        },
                        response_only=True,
                        status_codes=["200"],
                    )
                ],
            ),
            400: _errors(
                400,
                "Not a client-credentials form: a missing or unknown `grant_type`, a body that is not a form.",
                ("UnsupportedGrantType", "unsupported_grant_type", ""),
                ("InvalidRequest", "invalid_request", "The body must be application/x-www-form-urlencoded."),
            ),
            401: _errors(
                401,
                "Unknown client, wrong secret, or a revoked app.",
                ("InvalidClient", "invalid_client", ""),
            ),
            403: _errors(
                403,
                "Plain HTTP from anywhere but this machine.",
                ("HttpsRequired", "https_required", "The integration API is served over HTTPS only."),
            ),
            413: _errors(413, "Body too large.", ("PayloadTooLarge", "payload_too_large", "The body is too large.")),
            429: _errors(
                429,
                "Too many refused requests from this address or for this client id (see `Retry-After`).",
                ("RateLimited", "rate_limited", "Too many refused requests; retry after 42 s."),
            ),
        },
    )
)
@method_decorator(sensitive_post_parameters("client_secret"), name="dispatch")
class OAuthTokenView(OAuthLibMixin, APIView):
    """DOT's token endpoint (its OAuthLibMixin: oauthlib's server with our validator) as an API view: the
    integration API's transport rule and failure throttling, Help Scout's answer; RFC 6749 error bodies."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [FormParser]
    renderer_classes = [IntegrationJSONRenderer]
    content_negotiation_class = FirstRendererNegotiation

    def get_exception_handler(self):
        return oauth_exception_handler

    def post(self, request):
        IntegrationAPIView._check_transport(request)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > BODY_LIMIT:
            return _error(413, "payload_too_large", "The body is too large.")
        if not (request.content_type or "").startswith(FORM):
            return self._refused(request, _error(400, "invalid_request", f"The body must be {FORM}."))
        try:
            _, headers, body, status = self.create_token_response(request._request)
        except TooManyFieldsSent:
            return self._refused(request, _error(400, "invalid_request", "Too many fields."))
        answer = json.loads(body)
        if status != 200:
            extra = {k: v for k, v in headers.items() if k == "WWW-Authenticate"}
            response = _error(status, answer.get("error", "invalid_request"), answer.get("error_description", ""))
            for name, value in extra.items():
                response[name] = value
            return self._refused(request, response)
        token = {
            "token_type": "bearer",
            "access_token": answer["access_token"],
            "expires_in": int(answer.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)),
        }
        return Response(AccessTokenSerializer(token).data, headers=NO_STORE)

    def _refused(self, request, response: Response) -> Response:
        """Counts the refusal (a 429 past the limit, raised as Throttled) and returns the refusal otherwise."""
        failed_attempt_count(request, "", client_id=_presented_client_id(request))
        return response
