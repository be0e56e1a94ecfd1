"""Messages of a conversation: the page and staff replies, the TalkJS-style batch and list, and staff typing."""

from __future__ import annotations

from django.core.cache import cache
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import Agent
from conversations.integration_api.base import MIB, IntegrationAPIView
from conversations.integration_api.fields import (
    AttachmentListField,
    QueryIdField,
    query_validated,
)
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    APP_ID,
    CONVERSATION_ID_PARAM,
    IDEMPOTENCY_ERRORS,
    MESSAGE_V2,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_MESSAGES,
    TAG_V1,
    V1_MESSAGE,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    example_of,
    int_query_param,
    moved_response,
    ok_response,
    request_example,
    success_headers,
)
from conversations.integration_api.records import MessageIdSerializer, MessageRecordListSerializer, message_records
from conversations.models import Conversation, Message
from conversations.representations import MessageSerializer, message_v2
from conversations.services import (
    AttachmentDraft,
    MessageDraft,
    messages_post_batch,
)
from conversations.typing import agent_typing_set
from devices.selectors import customers_by_user_ids
from messenger_project.integration_api.errors import FieldError, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, LinkSerializer, StrictSerializer, field_error
from messenger_project.numbers import MAX_ID

MAX_BATCH = 10


TYPING_COALESCE_SECONDS = 2


class V1MessageSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=["UserMessage", "SystemMessage"])
    sender = serializers.CharField(max_length=128, required=False)
    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    referencedMessageId = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    custom = CustomDataField(strings_only=True, required=False)
    idempotencyKey = serializers.CharField(max_length=255, required=False)
    attachments = AttachmentListField()

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(field_error("must not be only whitespace", "blank"))
        return value

    def validate(self, attrs):
        if attrs["type"] == "UserMessage" and not attrs.get("sender"):
            raise serializers.ValidationError({"sender": [field_error("a UserMessage needs a sender", "required")]})
        if attrs["type"] == "SystemMessage" and "sender" in attrs:
            raise serializers.ValidationError(
                {"sender": [field_error("a SystemMessage has no sender", "sender_forbidden")]}
            )
        return attrs


class MessageListQuery(serializers.Serializer):
    limit = QueryIdField(max_value=100, default=10, help_text="1–100.")
    startingAfter = QueryIdField(required=False, help_text="A message id: the page holds older messages.")


@extend_schema_view(
    post=extend_schema(
        operation_id="postMessagesV1",
        summary="Send messages (TalkJS-style)",
        description="An array of 1–10 messages. `UserMessage` needs a participant `sender`; `SystemMessage` has none. "
        "Every item is validated before anything is stored. A repeated `idempotencyKey` with the same content returns "
        "the original id. Answers the new ids in request order.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID_PARAM],
        request=V1MessageSerializer(many=True),
        examples=[
            request_example("One user message", [{"text": "Hello Alice!", "sender": "8029", "type": "UserMessage"}])
        ],
        responses={
            200: ok_response(
                MessageIdSerializer(many=True), "The ids, in request order.", example_of("Ids", [{"id": "10743"}])
            ),
            **errors_of(
                *WRITE_ERRORS,
                "app_mismatch",
                "conversation_merged",
                "idempotency_conflict",
                "thread_limit_reached",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {"path": "[1].sender", "code": "not_a_participant", "message": "is not a participant"}
                        ]
                    },
                    "payload_too_large": {"message": "The body is over 28 MiB."},
                },
            ),
        },
    ),
    get=extend_schema(
        operation_id="listMessagesV1",
        summary="List messages (TalkJS-style)",
        description="Newest first; `startingAfter` is a message id and the next page is older. A merged id gives "
        "301 to the same path (and query) of the survivor.",
        tags=[TAG_V1],
        parameters=[
            APP_ID,
            CONVERSATION_ID_PARAM,
            int_query_param("limit", "1–100, default 10.", maximum=100),
            int_query_param("startingAfter", "A message id; returns older messages."),
            MOVED_LOCATION,
        ],
        responses={
            200: ok_response(
                MessageRecordListSerializer, "A page of messages.", example_of("Page", {"data": [V1_MESSAGE]})
            ),
            301: moved_response(
                "Merged", "c1", "order_391_fc", "/api/v1/app_7Hq2kL/conversations/order_391_fc/messages"
            ),
            **errors_of("validation_failed", *READ_ERRORS, "app_mismatch"),
        },
    ),
)
class ConversationMessagesView(IntegrationAPIView):
    body_limit = 28 * MIB
    accepts_idempotency_key = False

    def post(self, request, app_id: str, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        items = request.data
        if not isinstance(items, list):
            raise validation_failed([FieldError("body", "expected_array", "must be an array of messages")])
        if not items:
            raise validation_failed([FieldError("body", "empty", "must hold at least one message")])
        if len(items) > MAX_BATCH:
            raise validation_failed([FieldError("body", "too_many_items", f"at most {MAX_BATCH} messages")])
        payload = V1MessageSerializer(data=items, many=True)
        payload.is_valid(raise_exception=True)
        drafts = self._drafts(conversation, payload.validated_data)
        ids = messages_post_batch(conversation=conversation, drafts=drafts, origin=Message.Origin.REST)
        return Response(MessageIdSerializer([{"id": str(pk)} for pk in ids], many=True).data)

    def _drafts(self, conversation: Conversation, items: list[dict]) -> list[MessageDraft]:
        senders = customers_by_user_ids(account=self.account, user_ids=[i["sender"] for i in items if "sender" in i])
        participant_ids = set(conversation.participants.values_list("customer_id", flat=True))
        referable = set(
            conversation.messages.filter(
                pk__in=[i["referencedMessageId"] for i in items if "referencedMessageId" in i]
            ).values_list("pk", flat=True)
        )
        errors, seen_keys = [], set()
        for index, item in enumerate(items):
            sender = item.get("sender")
            if sender is not None and sender not in senders:
                errors.append(FieldError(f"[{index}].sender", "unknown_user", "no such user", sender))
            elif sender is not None and senders[sender].pk not in participant_ids:
                errors.append(FieldError(f"[{index}].sender", "not_a_participant", "is not a participant", sender))
            if "referencedMessageId" in item and item["referencedMessageId"] not in referable:
                errors.append(
                    FieldError(
                        f"[{index}].referencedMessageId",
                        "unknown_message",
                        "is not a message of this conversation",
                        item["referencedMessageId"],
                    )
                )
            key = item.get("idempotencyKey")
            if key is not None and key in seen_keys:
                errors.append(FieldError(f"[{index}].idempotencyKey", "duplicate", "is used twice in the batch", key))
            seen_keys.add(key)
        if errors:
            raise validation_failed(errors)
        return [
            MessageDraft(
                author=senders[i["sender"]] if "sender" in i else None,
                text=i["text"],
                attachments=tuple(
                    AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in i.get("attachments", [])
                ),
                custom=i.get("custom", {}),
                idempotency_key=i.get("idempotencyKey"),
                referenced_message_id=i.get("referencedMessageId"),
            )
            for i in items
        ]

    def get(self, request, app_id: str, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        query = query_validated(MessageListQuery, request)
        limit, starting_after = query["limit"], query.get("startingAfter")
        # The TalkJS-style records have no place for a private note: they leave notes out.
        messages = message_records(conversation.messages.filter(is_private=False).order_by("-id"))
        if starting_after is not None:
            messages = messages.filter(pk__lt=starting_after)
        page = {"data": messages[:limit]}
        return Response(MessageRecordListSerializer(page, context={"request": request}).data)


class MessagePageQuery(StrictSerializer):
    limit = QueryIdField(max_value=100, default=50, help_text="1–100.")
    before = QueryIdField(required=False, help_text="A message id: the messages just older; not with `after`.")
    after = QueryIdField(required=False, help_text="A message id: the messages just newer; not with `before`.")

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError(
                {"before": [field_error("give before or after, not both", "mutually_exclusive")]}
            )
        return attrs


class ReplySerializer(StrictSerializer):
    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    attachments = AttachmentListField()
    senderId = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    idempotencyKey = serializers.CharField(max_length=255, required=False)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(field_error("must not be only whitespace", "blank"))
        return value


class MessagesEmbeddedSerializer(serializers.Serializer):
    messages = MessageSerializer(many=True)


class MessagePageLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    prev = LinkSerializer(required=False, help_text="Present when older messages exist.")
    next = LinkSerializer(required=False, help_text="Present when newer messages exist.")


class MessagePageSerializer(serializers.Serializer):
    """A page in ascending time order."""

    _embedded = MessagesEmbeddedSerializer()
    _links = MessagePageLinksSerializer()


@extend_schema_view(
    get=extend_schema(
        operation_id="listMessages",
        summary="List a conversation's messages",
        description="A page in ascending time order: the latest `limit` messages, or those just older than `before` "
        "or just newer than `after` (not both). A merged id gives 301 to the same path (and query) of the survivor.",
        tags=[TAG_MESSAGES],
        parameters=[
            CONVERSATION_ID_PARAM,
            int_query_param("limit", "1–100, default 50.", maximum=100, default=50),
            int_query_param("before", "A message id; not with `after`."),
            int_query_param("after", "A message id; not with `before`."),
            MOVED_LOCATION,
        ],
        responses={
            200: ok_response(
                MessagePageSerializer,
                "A page.",
                example_of(
                    "Page",
                    {
                        "_embedded": {"messages": [MESSAGE_V2]},
                        "_links": {
                            "self": {"href": "/api/v2/conversations/123/messages"},
                            "prev": {"href": "/api/v2/conversations/123/messages?before=10743&limit=50"},
                        },
                    },
                ),
            ),
            301: moved_response("Merged", "A", "C", "/api/v2/conversations/C/messages"),
            **errors_of("validation_failed", *READ_ERRORS),
        },
    ),
    post=extend_schema(
        operation_id="postReply",
        summary="A bot or agent replies",
        description="The sender is `senderId` (an agent of the account), else the key's bound bot (`sender_required` "
        "without either). Staff-message effects: opens a `pending` thread if none is open, pushes to the app. "
        "Answers 201 with the message and `Location`.",
        tags=[TAG_MESSAGES],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS, *success_headers(201, location=True)],
        request=ReplySerializer,
        examples=[
            request_example(
                "Reply",
                {"text": "Thanks, your pens are on their way.", "senderId": 12, "idempotencyKey": "reply-10743"},
            )
        ],
        responses={
            201: ok_response(
                MessageSerializer,
                "The new message.",
                example_of(
                    "Message",
                    {
                        **MESSAGE_V2,
                        "id": 10744,
                        "sender": {"userId": "12", "kind": "bot"},
                        "text": "Thanks, your pens are on their way.",
                        "attachments": [],
                        "origin": "rest",
                    },
                ),
            ),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "senderId",
                                "code": "sender_required",
                                "message": "no senderId and no bot bound to the key",
                            }
                        ]
                    }
                },
            ),
        },
    ),
)
class ConversationMessagesV2View(IntegrationAPIView):
    body_limit = 28 * MIB

    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        query = query_validated(MessagePageQuery, request)
        limit, before, after = query["limit"], query.get("before"), query.get("after")
        messages = conversation.messages.select_related("conversation", "author_customer", "author_agent")
        messages = messages.prefetch_related("attachments")
        if after is not None:
            page = list(messages.filter(pk__gt=after).order_by("id")[:limit])
        else:
            if before is not None:
                messages = messages.filter(pk__lt=before)
            page = list(messages.order_by("-id")[:limit])[::-1]
        href = f"/api/v2/conversations/{conversation.public_id}/messages"
        links = {"self": {"href": href}}
        if page and conversation.messages.filter(pk__lt=page[0].pk).exists():
            links["prev"] = {"href": f"{href}?before={page[0].pk}&limit={limit}"}
        if page and conversation.messages.filter(pk__gt=page[-1].pk).exists():
            links["next"] = {"href": f"{href}?after={page[-1].pk}&limit={limit}"}
        return Response(MessagePageSerializer({"_embedded": {"messages": page}, "_links": links}).data)

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sender = staff_sender(self.account, self.api_key, data.get("senderId"))
        [message_id] = messages_post_batch(
            conversation=conversation,
            drafts=[
                MessageDraft(
                    author=sender,
                    text=data["text"],
                    idempotency_key=data.get("idempotencyKey"),
                    attachments=tuple(
                        AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in data.get("attachments", [])
                    ),
                )
            ],
            origin=Message.Origin.REST,
        )
        agent_typing_set(conversation=conversation, agent=sender, typing=False, replied=True)
        message = Message.objects.select_related("conversation", "author_customer", "author_agent").get(pk=message_id)
        location = f"/api/v2/conversations/{conversation.public_id}/messages?after={message_id - 1}&limit=1"
        return Response(message_v2(message), status=201, headers={"Location": location})


def staff_sender(account, api_key, sender_id: int | None, *, field: str = "senderId") -> Agent:
    """§8.4: the given agent of the account, else the key's bound bot (`sender_required` without either).
    `field` names the body's field in the errors (Help Scout's writes call it `user`)."""
    if sender_id is None:
        bot = getattr(api_key, "bot", None)
        if bot is None:
            raise validation_failed([FieldError(field, "sender_required", f"no {field} and no bot bound to the key")])
        return bot
    sender = Agent.objects.filter(pk=sender_id, memberships__account=account).first()
    if sender is None:
        raise validation_failed([FieldError(field, "not_staff", "is not an agent of this account", sender_id)])
    return sender


class TypingSerializer(StrictSerializer):
    state = serializers.ChoiceField(choices=["start", "stop"])
    senderId = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


@extend_schema_view(
    post=extend_schema(
        operation_id="setTyping",
        summary="Staff typing indicator",
        description="`start` lasts 15 s unless renewed; events more often than every 2 s are merged. Sender rules as "
        "for replies. Answers 204.",
        tags=[TAG_MESSAGES],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        request=TypingSerializer,
        examples=[request_example("Start", {"state": "start"}), request_example("Stop", {"state": "stop"})],
        responses={
            204: OpenApiResponse(description="Accepted; empty body."),
            **errors_of(*WRITE_ERRORS, "not_found", "conversation_merged", *IDEMPOTENCY_ERRORS),
        },
    )
)
class ConversationTypingView(IntegrationAPIView):
    rate_weight = 1  # typing events count 1 (§6)

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = TypingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sender = staff_sender(self.account, self.api_key, payload.validated_data.get("senderId"))
        state = payload.validated_data["state"]
        # Events more often than once every 2 s per sender, conversation and state are merged into one.
        if cache.add(f"typing:coalesce:{conversation.pk}:{sender.pk}:{state}", 1, TYPING_COALESCE_SECONDS):
            agent_typing_set(conversation=conversation, agent=sender, typing=state == "start")
        return Response(status=204)
