"""The base of every integration API view: the processing order of spec §1, and its error body."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import BaseParser
from rest_framework.views import APIView

from conversations.integration_api.authentication import ApiKeyAuthentication, HasApiKey
from conversations.integration_api.idempotency import idempotency_claim, idempotency_settle
from conversations.integration_api.openapi import IntegrationAutoSchema
from messenger_project.client_address import client_address
from messenger_project.integration_api.errors import (
    ApiError,
    EarlyResponse,
    FieldError,
    IntegrationJSONRenderer,
    integration_exception_handler,
    validation_failed,
)
from messenger_project.integration_api.ratelimit import rate_limit_hit
from messenger_project.json_input import InputProblem, JSONRefused, json_parse, parameter_problems
from messenger_project.negotiation import FirstRendererNegotiation
from messenger_project.numbers import is_digits

MIB = 1024 * 1024
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _reject_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise exceptions.ParseError("Duplicate keys in a JSON object.")
    return dict(pairs)


def _refused(problems: list[InputProblem]) -> ApiError:
    """The edge check's problems (`json_input`) as §4's `validation_failed`."""
    return validation_failed([FieldError(p.path, p.code, p.message) for p in problems])


class StrictJSONParser(BaseParser):
    """UTF-8 JSON only; duplicate keys are a `malformed_json` error (§1).

    The body's values are checked at this edge (`json_input`): NUL, unpaired surrogates, nesting deeper than
    64 levels and numbers out of range are a `validation_failed` naming each field (codes invalid_characters,
    too_deep, out_of_range), with step 5 of §1 (the body), before the resource is looked up.

    A BaseParser (not JSONParser) is handed the stream, so bodies up to the view's own `body_limit` (28 MiB on
    the attachment routes) are not cut by Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return json_parse(raw.decode("utf-8"), object_pairs_hook=_reject_duplicate_keys)
        except JSONRefused as refused:
            raise _refused(refused.problems) from None
        except (UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, exceptions.ParseError):
                raise
            raise exceptions.ParseError(f"The body is not valid JSON: {exc}") from None


class IntegrationAPIView(APIView):
    """Checks in the order of §1: method, key, appId, rate limit, body (size, type, syntax); then the handler."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    parser_classes = [StrictJSONParser]
    renderer_classes = [IntegrationJSONRenderer]
    content_negotiation_class = FirstRendererNegotiation
    schema = IntegrationAutoSchema()
    body_limit = 1 * MIB
    rate_weight: int | None = None  # GET counts 1 and writes 2 unless a view says otherwise (§6)
    accepts_idempotency_key = True  # the [S2] family has its own per-message idempotency keys instead
    idempotency = None

    def get_exception_handler(self):
        return integration_exception_handler

    def initial(self, request, *args, **kwargs):
        handler = (
            getattr(self, request.method.lower(), None) if request.method.lower() in self.http_method_names else None
        )
        if handler is None:
            raise exceptions.MethodNotAllowed(request.method)
        self._check_transport(request)
        super().initial(request, *args, **kwargs)  # authentication and the key's permission
        self.api_key = request.auth
        self.account = request.auth.account
        app_id = kwargs.get("app_id")
        if app_id is not None and app_id != self.account.app_id:
            raise ApiError(403, "app_mismatch", "The appId in the path is not the key's account.")
        weight = self.rate_weight or (2 if request.method in WRITE_METHODS else 1)
        self.rate = rate_limit_hit(account_id=self.account.pk, weight=weight)
        if not self.rate.allowed:
            raise ApiError(429, "rate_limited", headers={"Retry-After": str(self.rate.retry_after)})
        if request.method in WRITE_METHODS and request.method != "DELETE":
            self._check_body(request)
        self._check_parameters(request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and self.accepts_idempotency_key and request.method in {"POST", "PATCH", "DELETE"}:
            self.idempotency = idempotency_claim(
                account=self.account, method=request.method, path=request.path, key=key, data=request.data
            )

    def handle_exception(self, exc):
        if isinstance(exc, EarlyResponse):
            return exc.response
        return super().handle_exception(exc)

    @staticmethod
    def _check_transport(request) -> None:
        if request.is_secure():
            return
        # Behind a reverse proxy on this host every request connects from loopback: ask who the client really is.
        loopback = client_address(request) in {"127.0.0.1", "::1"}
        if not (loopback and settings.INTEGRATION_ALLOW_INSECURE_LOOPBACK):
            raise ApiError(403, "https_required", "The integration API is served over HTTPS only.")

    def _check_parameters(self, request) -> None:
        """The edge check of query and path parameters (`json_input`): a NUL, an unpaired surrogate or a control
        character is a `validation_failed` on `query.<name>` / `path.<name>` before any view reads them."""
        path = {_camel(name): value for name, value in self.kwargs.items()}
        problems = parameter_problems(path, prefix="path") + parameter_problems(request.query_params, prefix="query")
        if problems:
            raise _refused(problems)

    def _check_body(self, request) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not is_digits(length) or int(length) > self.body_limit:
            raise ApiError(413, "payload_too_large", f"The body is over {self.body_limit // MIB} MiB.")
        if int(length) and not (request.content_type or "").startswith("application/json"):
            raise exceptions.UnsupportedMediaType(request.content_type)
        request.data  # noqa: B018  (parse now: a syntax error is a 400 before the resource is looked up)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "idempotency", None)
        if record is not None and not response.has_header("Idempotent-Replayed"):
            idempotency_settle(record=record, response=response)
        rate = getattr(self, "rate", None)
        if rate is not None:
            for name, value in rate.headers().items():
                response[name] = value
        return response


def _camel(name: str) -> str:
    """`conversation_id` → `conversationId`: the spec's names of path parameters (`path.conversationId`)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class IntegrationNotFoundView(IntegrationAPIView):
    """Unknown paths under /api/: 404 in the API's error body, whatever the method."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None

    def initial(self, request, *args, **kwargs):
        raise ApiError(404, "not_found", "No such endpoint.")

    def get(self, request, *args, **kwargs):  # pragma: no cover - initial() always raises
        raise ApiError(404, "not_found")

    post = put = patch = delete = get
