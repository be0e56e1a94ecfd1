"""The base of every client API view: identification, version, quota, origins, envelope and lenient parsing."""

from __future__ import annotations

import time
from dataclasses import replace

from django.core.cache import cache
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.views import APIView

from conversations.client_api.quota import quota_hit
from conversations.client_api.schema import ClientAutoSchema
from devices.identification import Caller, caller_identify
from devices.services import device_touch
from messenger_project.cache import CacheUnavailable, unreachable_warn
from messenger_project.client_api.envelope import ClientEnvelopeRenderer, client_exception_handler, error_response
from messenger_project.client_api.middleware import origin_allowed
from messenger_project.errors import ServiceError
from messenger_project.json_input import JSONRefused, json_parse, parameter_problems
from messenger_project.negotiation import FirstRendererNegotiation

SUPPORTED_VERSIONS = ("1.6", "1.7", "1.8", "1.9")


def json_object(data) -> dict:
    """The body must be a JSON object (an array or a string where an object belongs is a validation_error)."""
    if not isinstance(data, dict):
        raise ServiceError("validation_error", extra_codes=("body: expected a JSON object",))
    return data


def validation_error(problems) -> ServiceError:
    """`validation_error`, then one `field: message` notification per problem (client API §3.3)."""
    return ServiceError("validation_error", extra_codes=tuple(f"{p.path}: {p.message}" for p in problems))


def request_caller(request, **options) -> Caller:
    """The caller named by a request's headers (client API §2.3): `caller_identify` with its `options`."""
    return caller_identify(
        identification=request.headers.get("x-iris-identification") or request.headers.get("x-parley-identification"),
        authorization=request.headers.get("Authorization"),
        **options,
    )


class AnyContentTypeJSONParser(BaseParser):
    """The web and Android SDKs send JSON as `text/plain`: parse the body as JSON whatever the type (§2.4).

    The body's values are checked at this edge (`json_input`): NUL, unpaired surrogates, nesting and infinite
    numbers are a `validation_error` naming each field. Integers are not bounded here: a status update skips ids
    beyond any stored id, and cursors are clamped, as before."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if not raw.strip():
            return {}
        try:
            return json_parse(raw.decode("utf-8"), bounded_integers=False)
        except JSONRefused as refused:
            raise validation_error(refused.problems) from None
        except ValueError as exc:  # UnicodeDecodeError, JSONDecodeError, NaN
            raise ParseError(f"invalid JSON ({exc})") from None


class ClientAPIView(APIView):
    """Subclasses implement handlers with `self.caller` set; `requires_device = False` only for POST devices."""

    renderer_classes = [ClientEnvelopeRenderer]
    parser_classes = [MultiPartParser, AnyContentTypeJSONParser]
    content_negotiation_class = FirstRendererNegotiation
    schema = ClientAutoSchema()
    authentication_classes: list = []
    permission_classes: list = []
    requires_device = True
    supported_versions = SUPPORTED_VERSIONS
    min_version = "1.6"
    caller: Caller

    def get_exception_handler(self):
        return client_exception_handler

    @property
    def version(self) -> str:
        return self.kwargs["api_version"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.version not in SUPPORTED_VERSIONS or self.version < self.min_version:
            raise ServiceError("not_found", status_code=404)
        if parameter_problems(self.kwargs, prefix="path"):  # a NUL or a control character in a path part names nothing
            raise ServiceError("not_found", status_code=404)
        try:
            self.caller = self.identify(request)
        except CacheUnavailable as error:  # a view's cache-backed lookup (`MessagesView`): the database answers
            unreachable_warn("the caller read from the database", error)
            self.caller = ClientAPIView.identify(self, request)
        if self.caller.device is not None:
            device_touch(device=self.caller.device)
        counted = getattr(request._request, "client_quota", None)  # by the empty poll's cache path
        if counted is None:
            self.quota = quota_hit(
                account=self.caller.account, device_id=self.caller.device_id, read=self.cache_reads()
            )
        else:
            reads = self.cache_reads()
            self.quota = replace(counted, read=cache.get_many(reads) if reads else {})
        if self.quota.exceeded:
            raise ServiceError("too_many_requests", status_code=429)
        if not origin_allowed(request.headers.get("Origin"), self.caller.account.allowed_origins):
            raise ServiceError("origin_not_allowed", status_code=403)
        problems = parameter_problems(request.query_params, prefix="query")  # the edge check (`json_input`)
        if problems:
            raise validation_error(problems)

    def identify(self, request) -> Caller:
        """Who calls (client API §2.3), from the database. A read answered from the cache (`cached_timeline`) that
        fell through sets `request.client_quota`: the request is then counted already."""
        return request_caller(
            request,
            require_device=self.requires_device,
            with_newest=self.with_newest(),
            with_conversation=self.with_conversation(),
        )

    def with_newest(self) -> bool:
        """A poll: the caller's lookup then also says the customer's newest message id (see TimelineView)."""
        return False

    def with_conversation(self) -> bool:
        """Whether the handler reads the customer's current conversation (and its assignee) with the caller."""
        return True

    def cache_reads(self) -> tuple[str, ...]:
        """Cache keys the handler will read, fetched with the quota in one round trip (`self.quota.read`)."""
        return ()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        quota = getattr(self, "quota", None)
        if quota is not None:
            for name, value in quota.headers().items():
                response[name] = value
            if quota.exceeded:
                response["Retry-After"] = str(max(1, quota.reset_at - int(time.time())))
        return response


class ClientNotFoundView(ClientAPIView):
    """Any other path under /clientApi/: a 404 in the envelope, whatever the method."""

    requires_device = False
    schema = None  # not an endpoint

    def initial(self, request, *args, **kwargs):
        raise ServiceError("not_found", status_code=404)

    def handle_not_found(self, request, *args, **kwargs):
        return error_response(404, "not_found")

    get = post = put = patch = delete = handle_not_found
