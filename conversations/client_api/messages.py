"""Client API: the messages family (spec §5.4 to §5.10). Thin: parse, call a selector or service, shape."""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import Agent
from conversations import poll_state
from conversations.client_api.base import SUPPORTED_VERSIONS, ClientAPIView, json_object
from conversations.client_api.cached_timeline import cached_timeline_response
from conversations.client_api.formatting import agent_object
from conversations.client_api.media import UPLOAD_REFUSED, upload_storage_failure_as_client_code
from conversations.client_api.schema import (
    AGENT,
    AGENT_MESSAGE,
    FULL_MESSAGE,
    JSON_ANY_TYPE_NOTE,
    USER_MESSAGE,
    WELCOME,
    Enveloped,
    answer,
    json_body,
    refusal,
    refusals,
)
from conversations.client_api.serializers import (
    ClientLegacyImageFormSerializer,
    ClientMessageSentSerializer,
    ClientMessageSerializer,
    ClientStatusChangedSerializer,
    ClientTimelineExtraSerializer,
    ClientUnseenCountSerializer,
)
from conversations.client_api.timeline_answer import timeline_answer
from conversations.media import media_claim_for_message, media_files_removed_on_failure, media_store
from conversations.models import Message, Receipt
from conversations.selectors import unseen_message_ids
from conversations.services import receipts_mark_received, receipts_raise_status
from conversations.services.satisfaction import customer_message_receive
from conversations.timeline import TimelinePage, timeline_items, timeline_page
from conversations.typing import agent_typing_key, agent_typing_of
from devices.identification import Caller
from devices.models import Customer
from messenger_project.cache import recently_unreachable
from messenger_project.client_api.envelope import json_bytes
from messenger_project.errors import ServiceError
from messenger_project.numbers import MAX_ID, is_digits

MESSAGE_MAX_LENGTH = 5000
logger = logging.getLogger(__name__)


class MediaReferenceSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64)
    description = serializers.CharField(required=False, allow_blank=True, max_length=255)
    filename = serializers.CharField(required=False, allow_blank=True, max_length=255)


class MessageInputSerializer(serializers.Serializer):
    """`POST messages` as JSON: text or a media reference, never both. Unknown keys are ignored."""

    message = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    media = MediaReferenceSerializer(required=False)
    typeId = serializers.IntegerField(required=False)
    type = serializers.IntegerField(required=False)
    referer = serializers.CharField(required=False, allow_blank=True, max_length=2048)
    referrer = serializers.CharField(required=False, allow_blank=True, max_length=2048)

    def validate_message(self, value: str) -> str:
        if len(value) > MESSAGE_MAX_LENGTH:
            raise serializers.ValidationError(f"Ensure this field has no more than {MESSAGE_MAX_LENGTH} characters.")
        return value

    def validate(self, attrs):
        text = (attrs.get("message") or "").strip()
        if text and attrs.get("media"):
            raise serializers.ValidationError("A message carries text or media, not both.")
        if not text and not attrs.get("media"):
            raise serializers.ValidationError({"message": "This field may not be blank."})
        return attrs


class MessageStatusSerializer(serializers.Serializer):
    messageIds = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=1000)


def _cursor(value: str, *, minimum: int) -> int:
    if not is_digits(value) or _number(value) < minimum:
        raise ServiceError("validation_error", extra_codes=(f"paging: '{value}' is not a valid message id",))
    return _number(value)


def _number(digits: str) -> int:
    """The number; one beyond any stored id when int() refuses it (more than 4,300 digits)."""
    try:
        return int(digits)
    except ValueError:
        return MAX_ID + 1


PAGE_DESCRIPTION = (
    "Up to 50 messages of the customer's timeline, **newest first**, each a full message object, plus the "
    "top-level keys `agent`, `paging` (both members always strings), `stickyMessage` and `welcomeMessage`. An empty "
    "page is a success."
)


def _page(description: str, *examples: OpenApiExample) -> Enveloped:
    return Enveloped(
        ClientMessageSerializer(many=True),
        extra=ClientTimelineExtraSerializer,
        description=description,
        examples=list(examples),
    )


class TimelineView(ClientAPIView):
    """`GET messages`, `GET messages/before:{id}`, `GET messages/after:{id}`."""

    @classmethod
    def as_view(cls, **initkwargs):
        """The view, with an empty poll or the latest page answered from the cache when it can (`cached_timeline`)."""
        view = super().as_view(**initkwargs)
        methods = cls(**initkwargs)
        methods.setup(None)  # adds HEAD where there is GET, as the view does
        allow = ", ".join(methods.allowed_methods)

        @functools.wraps(view)  # keeps `cls`, `initkwargs` and `csrf_exempt`: the schema and CSRF see the view
        def polled(request, *args, **kwargs):
            direction = kwargs.get("direction")
            if request.method == "GET" and direction in (None, "after"):
                try:
                    response = cached_timeline_response(
                        request,
                        api_version=kwargs["api_version"],
                        after=kwargs["cursor"] if direction == "after" else None,
                        supported_versions=SUPPORTED_VERSIONS,
                        allow=allow,
                    )
                except Exception:  # noqa: BLE001  (the cache path only ever spares the view: it answers instead)
                    logger.exception("the cache path failed; the view answers")
                    response = None
                if response is not None:
                    return response
            return view(request, *args, **kwargs)

        return polled

    def with_newest(self) -> bool:
        """The latest page and polls: the cache keeps the newest message id for them (`_remember_for_polls`)."""
        if self.request.method != "GET":
            return False
        direction = self.kwargs.get("direction")
        return direction is None or (direction == "after" and is_digits(self.kwargs.get("cursor") or ""))

    def cache_reads(self) -> tuple[str, ...]:
        """What `_top_agent` reads: the current conversation's typing state (reads only: a post shows no agent)."""
        conversation_id = self.caller.customer.current_conversation_id
        return (
            (agent_typing_key(conversation_id),) if conversation_id and self.request.method in ("GET", "HEAD") else ()
        )

    @extend_schema(
        operation_id="clientPageMessages",
        summary="Older or newer page of messages",
        description="`before:{id}`: the 50 highest ids below `id`. `after:{id}`: the 50 lowest ids above `id` (pollers "
        "catch up page by page). Both newest first. " + PAGE_DESCRIPTION,
        responses={
            200: _page(
                "The page.",
                answer(
                    "Older page",
                    [USER_MESSAGE],
                    url="messages/before:10737",
                    extra={"agent": None, "paging": {"before": "", "after": "/messages/after:10736"}}
                    | {"stickyMessage": None, "welcomeMessage": None},
                ),
                answer(
                    "Nothing new",
                    [],
                    url="messages/after:10737",
                    extra={"agent": AGENT, "paging": {"before": "", "after": "/messages/after:10737"}}
                    | {"stickyMessage": None, "welcomeMessage": WELCOME},
                ),
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("Bad cursor", "validation_error", "paging: 'x' is not a valid message id"),
            ),
        },
    )
    def get(self, request, api_version: str, direction: str | None = None, cursor: str | None = None):
        customer = self.caller.customer
        before = _cursor(cursor, minimum=1) if direction == "before" else None
        after = _cursor(cursor, minimum=0) if direction == "after" else None
        newest = self.caller.newest_message_id
        if after is not None and self.caller.newest_known and (newest is None or newest <= after):
            page = TimelinePage(items=[], has_older=False)  # the empty poll: the caller's lookup found nothing newer
        else:
            page = timeline_page(
                customer=customer,
                before=min(before, MAX_ID) if before is not None else None,
                after=min(after, MAX_ID) if after is not None else None,
            )
        receipts_mark_received(customer=customer, receipts=page.items)
        data = json_bytes(self._messages(page))
        if self.caller.newest_known and poll_state.enabled() and not recently_unreachable():
            self._remember_for_polls()
            if direction is None:
                self._remember_page(page, data)
        ids = page.message_ids
        answer = timeline_answer(
            data=data,
            account=self.caller.account,
            agent=self._top_agent(),
            newest_id=max(ids) if ids else None,
            oldest_id=min(ids) if ids else None,
            has_older=page.has_older,
            after=after,
        )
        response = Response(answer.data)
        response.envelope_extra = answer.extra
        return response

    def _remember_for_polls(self) -> None:
        """What the next polls of this device need, so that the cache answers them (`cached_timeline`)."""
        poll_state.caller_remember(
            device=self.caller.device,
            newest_message_id=self.caller.newest_message_id,
            assignee=_assignee_object(self.caller),
        )

    def _remember_page(self, page: TimelinePage, data: bytes) -> None:
        poll_state.page_remember(
            getattr(self.request._request, "client_poll_read", None),
            device=self.caller.device,
            version=self.version,
            message_ids=page.message_ids,
            has_older=page.has_older,
            data=data,
        )

    def _messages(self, page: TimelinePage) -> list[dict]:
        context = {"version": self.version, "device_type": self.caller.device.device_type}
        return ClientMessageSerializer(page.items, many=True, context=context).data

    def _top_agent(self) -> dict | None:
        """The agent typing in, or else assigned to, the customer's current conversation; never an object of nulls."""
        conversation = self.caller.customer.current_conversation
        if conversation is None:
            return None
        typing = agent_typing_of(self.quota.read.get(agent_typing_key(conversation.pk)))
        if conversation.assignee is not None and (typing is None or typing.agent_id == conversation.assignee_id):
            return agent_object(conversation.assignee, typing_since=typing.since if typing else None)
        if typing is not None:  # rare: someone other than the assignee types
            agent = Agent.objects.filter(pk=typing.agent_id).first()
            return agent_object(agent, typing_since=typing.since) if agent else None
        return None


def _assignee_object(caller: Caller) -> dict | None:
    """The agent object of the assignee of the caller's current conversation, as a snapshot keeps it."""
    conversation = caller.customer.current_conversation
    assignee = conversation.assignee if conversation is not None else None
    return agent_object(assignee) if assignee is not None else None


def _message_id(value: str) -> int:
    """An id in the path; anything that cannot be a stored id reads as 0, which names no message."""
    return int(value) if is_digits(value) and _number(value) <= MAX_ID else 0


class MessageDetailView(ClientAPIView):
    """`GET messages/{id}`: one message of the caller's timeline, else 404 message_not_found."""

    @extend_schema(
        operation_id="clientGetMessage",
        summary="One message",
        description="Called by Android and iOS when a push names a message. Marks it received.",
        responses={
            200: OpenApiResponse(
                ClientMessageSerializer, "The message object.", [answer("Agent message", FULL_MESSAGE)]
            ),
            404: refusals("Not found.", refusal("Not in the caller's timeline", "message_not_found")),
        },
    )
    def get(self, request, api_version: str, message_id: str):
        customer = self.caller.customer
        items = timeline_items(customer_id=customer.pk, message_ids=[_message_id(message_id)])
        if not items:
            raise ServiceError("message_not_found", status_code=404)
        receipts_mark_received(customer=customer, receipts=items)
        context = {"version": self.version, "device_type": self.caller.device.device_type}
        return Response(ClientMessageSerializer(items[0], context=context).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="clientListMessages",
        summary="Latest page of messages",
        description=PAGE_DESCRIPTION,
        responses=_page(
            "The latest page.",
            answer(
                "Page",
                [AGENT_MESSAGE, USER_MESSAGE],
                extra={"agent": AGENT, "paging": {"before": "/messages/before:10736", "after": "/messages/after:10737"}}
                | {"stickyMessage": None, "welcomeMessage": WELCOME},
            ),
        ),
    )
)
class MessagesView(TimelineView):
    """`GET messages` (the latest page) and `POST messages` (text, a media reference, or a legacy `image`)."""

    def with_conversation(self) -> bool:
        """A post reads its conversation under its lock: the caller's lookup need not join it."""
        return self.request.method != "POST"

    @extend_schema(
        operation_id="clientSendMessage",
        summary="Send a message",
        description="The customer sends text **or** a media reference (an id returned by `POST media`), never both, "
        "to their active conversation. `typeId` (Android) or `type` (iOS) 4 sends a silent user-system message; "
        "anything else means 1. A legacy multipart form with the file in field `image` is accepted on every version. "
        + JSON_ANY_TYPE_NOTE,
        request={
            **json_body(
                MessageInputSerializer,
                OpenApiExample("Web text", {"message": "Hello", "referer": "https://shop.example/help"}),
                OpenApiExample("Android text", {"time": 1718000000, "message": "Hello", "typeId": 1, "send_status": 0}),
                OpenApiExample("iOS text", {"time": 1718000000, "message": "Hello", "type": 1}),
                OpenApiExample(
                    "Web media", {"media": {"id": "da0cb973-6a33-402d-8dd6-68eb3ad65cef", "description": "report.pdf"}}
                ),
            ),
            "multipart/form-data": ClientLegacyImageFormSerializer,
        },
        responses={
            200: OpenApiResponse(
                ClientMessageSentSerializer,
                "Stored; visible to `after:` polling at once.",
                [answer("Sent", {"messageId": "10743"}, values={"message": "Hello"})],
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("Text and media together", "validation_error", "A message carries text or media, not both."),
                refusal("Unknown media id", "missing_media"),
                refusal("Image type not accepted", "invalid_media_type"),
            ),
            413: refusals("Upload over 10 MiB.", refusal("Image too large", "media_too_large")),
            503: UPLOAD_REFUSED,
        },
    )
    def post(self, request, api_version: str):
        customer = self.caller.customer
        upload = request.FILES.get("image") if request.content_type.startswith("multipart/") else None
        if upload is not None:
            if (request.data.get("message") or "").strip():
                raise ServiceError("validation_error", extra_codes=("A message carries text or an image, not both.",))
            return self._send(text="", upload=upload)
        if request.content_type.startswith("multipart/"):
            raise ServiceError("missing_media")
        payload = MessageInputSerializer(data=json_object(request.data))
        payload.is_valid(raise_exception=True)
        fields = payload.validated_data
        silent = (fields.get("typeId") or fields.get("type")) == Receipt.TypeId.USER_SYSTEM
        referrer = fields.get("referrer") or fields.get("referer") or ""
        media = []
        if fields.get("media"):
            reference = fields["media"]
            media = [
                media_claim_for_message(
                    customer=customer,
                    media_id=reference["id"],
                    description=reference.get("description") or reference.get("filename") or "",
                )
            ]
        text = (fields.get("message") or "").strip()
        message = self._customer_send(text=text, media=media, silent=silent, referrer=referrer)
        return self._created(message, text)

    def _send(self, *, text: str, upload) -> Response:
        with upload_storage_failure_as_client_code(), media_files_removed_on_failure(), transaction.atomic():
            media = media_store(account=self.caller.account, upload=upload, customer=self.caller.customer)
            message = self._customer_send(media=[media])
        return self._created(message, text)

    def _customer_send(self, **message: Any) -> Message:
        """`customer_message_receive` (a rating's button payload answers it, #20; else `customer_message_send`) as the
        caller's customer; a customer deleted since the caller was read is refused
        as the identification refuses their device, and the device's snapshot (for polls) is forgotten."""
        try:
            return customer_message_receive(customer=self.caller.customer, **message)
        except Customer.DoesNotExist:
            poll_state.snapshots_forget(account_id=self.caller.account.pk, device_ids=[self.caller.device_id])
            raise ServiceError("device_not_registered") from None

    def _created(self, message: Message, text: str) -> Response:
        # The post ended the customer's typing (message_post).
        response = Response(ClientMessageSentSerializer(message).data)
        response.metadata_values = {"message": text} if text else {}
        return response


class UnseenCountView(ClientAPIView):
    min_version = "1.9"

    @extend_schema(
        operation_id="clientCountUnseenMessages",
        summary="Count unseen agent messages (v1.9)",
        description="Messages of typeId 2 in the customer's timeline with status below 4. v1.9 only; older versions "
        "get 404.",
        responses=OpenApiResponse(
            ClientUnseenCountSerializer,
            "The ids and their count.",
            [answer("Two unseen", {"messageIds": [10737, 10740], "count": 2})],
        ),
    )
    def get(self, request, api_version: str):
        ids = unseen_message_ids(customer=self.caller.customer)
        return Response(ClientUnseenCountSerializer({"messageIds": ids, "count": len(ids)}).data)


class MessageStatusView(ClientAPIView):
    min_version = "1.9"

    @extend_schema(
        operation_id="clientSetMessageStatus",
        summary="Raise the status of messages (v1.9)",
        description="Raises each named message's status for this customer to `{status}`, never lowering it; ids not in "
        "the timeline or written by the customer are skipped. The SDKs only send 4. v1.9 only. " + JSON_ANY_TYPE_NOTE,
        request=json_body(MessageStatusSerializer, OpenApiExample("Seen", {"messageIds": [10737, 10740]})),
        responses={
            200: OpenApiResponse(
                ClientStatusChangedSerializer, "The ids actually changed.", [answer("Changed", {"messageIds": [10737]})]
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("Bad status", "validation_error", "status: must be 2, 3 or 4"),
            ),
        },
    )
    def put(self, request, api_version: str, status: str):
        if status not in {"2", "3", "4"}:
            raise ServiceError("validation_error", extra_codes=("status: must be 2, 3 or 4",))
        payload = MessageStatusSerializer(data=json_object(request.data))
        payload.is_valid(raise_exception=True)
        changed = receipts_raise_status(
            customer=self.caller.customer,
            message_ids=[i for i in payload.validated_data["messageIds"] if i <= MAX_ID],
            status=int(status),
        )
        return Response(ClientStatusChangedSerializer({"messageIds": changed}).data)
