"""Integration API [S2], TalkJS-style: `/api/v1/{appId}/users/{userId}`, `…/conversations/{id}` and its messages.

Upserts answer 200 `{}`; timestamps are Unix milliseconds; users appear under their fkId (spec §7.2).
"""

from __future__ import annotations

import json

from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import MIB, IntegrationAPIView
from conversations.integration_api.fields import (
    CONVERSATION_ID,
    USER_ID,
    AttachmentListField,
    path_id_check,
    stored_id,
)
from conversations.integration_api.lookups import conversation_lookup
from conversations.models import Conversation, Message
from conversations.services import (
    MAX_PARTICIPANTS,
    AttachmentDraft,
    MessageDraft,
    conversation_upsert,
    messages_post_batch,
)
from devices.models import Customer
from devices.normalize import InvalidIdentifier, email_normalize, phone_normalize
from devices.selectors import customer_by_user_id, customers_by_user_ids
from devices.services import customer_upsert
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer, field_error
from messenger_project.numbers import MAX_ID

MAX_BATCH = 10
LOCALE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


def millis(value) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def v1_user_id(customer: Customer | None) -> str | None:
    if customer is None:
        return None
    return customer.fk_id or str(customer.uuid)


class IdentifierListField(serializers.Field):
    """An array of 0–10 values, a single string, or null (which clears); each one normalised."""

    def __init__(self, normalize, **kwargs):
        self.normalize = normalize
        super().__init__(allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        values = [data] if isinstance(data, str) else data
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise serializers.ValidationError(field_error("must be a string or an array of strings", "wrong_type"))
        if len(values) > 10:
            raise serializers.ValidationError(field_error("at most 10 values", "too_many_items"))
        try:
            return list(dict.fromkeys(self.normalize(v) for v in values))
        except InvalidIdentifier as exc:
            raise serializers.ValidationError(field_error(str(exc), exc.code)) from None

    def to_representation(self, value):
        return value


class UserUpsertSerializer(StrictSerializer):
    name = serializers.CharField(min_length=1, max_length=200, required=False)
    email = IdentifierListField(email_normalize)
    phone = IdentifierListField(phone_normalize)
    photoUrl = serializers.URLField(max_length=2048, required=False, allow_null=True)
    welcomeMessage = serializers.CharField(max_length=1000, required=False, allow_null=True, allow_blank=True)
    role = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    locale = serializers.RegexField(LOCALE, max_length=35, required=False, allow_null=True)
    custom = CustomDataField(strings_only=True, required=False, allow_null=True)

    def changes(self) -> dict:
        data, names = (
            self.validated_data,
            {
                "name": "name",
                "email": "emails",
                "phone": "phones",
                "photoUrl": "photo_url",
                "welcomeMessage": "welcome_message",
                "role": "role",
                "locale": "locale",
                "custom": "custom",
            },
        )
        return {names[key]: value for key, value in data.items()}


class UserView(IntegrationAPIView):
    def put(self, request, app_id: str, user_id: str):
        path_id_check(user_id, name="userId", pattern=USER_ID)
        payload = UserUpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if customer_by_user_id(account=self.account, user_id=user_id) is None:
            missing = [
                FieldError(k, "required", "is required when the user is created")
                for k in ("name", "email")
                if k not in request.data
            ]
            if missing:
                raise validation_failed(missing)
        customer_upsert(account=self.account, user_id=user_id, changes=payload.changes())
        return Response({})

    def get(self, request, app_id: str, user_id: str):
        customer = customer_by_user_id(account=self.account, user_id=user_id)
        if customer is None:
            raise ApiError(404, "not_found", "No such user.")
        return Response(
            {
                "id": v1_user_id(customer),
                "name": customer.display_name if customer.name else customer.name,
                "email": [e for e in [customer.email, *customer.extra_emails] if e],
                "phone": [p for p in [customer.phone, *customer.extra_phones] if p],
                "photoUrl": customer.photo_url or None,
                "welcomeMessage": customer.welcome_message or None,
                "role": customer.role or None,
                "locale": customer.locale or None,
                "custom": {k: v if isinstance(v, str) else json.dumps(v) for k, v in customer.custom_data.items()},
                "kind": "customer",
                "createdAt": millis(customer.created_at),
            }
        )


class ConversationUpsertSerializer(StrictSerializer):
    participants = serializers.ListField(
        child=serializers.CharField(max_length=128), required=False, min_length=1, max_length=100
    )
    subject = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    custom = CustomDataField(strings_only=True, required=False, allow_null=True)
    welcomeMessages = serializers.ListField(
        child=serializers.CharField(max_length=1000), max_length=5, required=False, allow_null=True
    )
    photoUrl = serializers.URLField(max_length=2048, required=False, allow_null=True)


class ConversationView(IntegrationAPIView):
    def put(self, request, app_id: str, conversation_id: str):
        existing = conversation_lookup(request, self.account, conversation_id, missing_ok=True)
        path_id_check(conversation_id, name="conversationId", pattern=CONVERSATION_ID)
        payload = ConversationUpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user_ids = data.get("participants", [])
        resolved = customers_by_user_ids(account=self.account, user_ids=user_ids)
        unknown = [
            FieldError(f"participants[{i}]", "unknown_user", "no such user", u)
            for i, u in enumerate(user_ids)
            if u not in resolved
        ]
        if unknown:
            raise validation_failed(unknown)
        current = set(existing.participants.values_list("customer_id", flat=True)) if existing else set()
        if len(current | {c.pk for c in resolved.values()}) > MAX_PARTICIPANTS:
            raise validation_failed([FieldError("participants", "too_many_items", "at most 100 participants")])
        names = {
            "subject": "subject",
            "custom": "custom",
            "welcomeMessages": "welcome_messages",
            "photoUrl": "photo_url",
        }
        conversation_upsert(
            account=self.account,
            public_id=conversation_id,
            participants=[resolved[u] for u in user_ids],
            fields={names[k]: v for k, v in data.items() if k in names},
        )
        return Response({})

    def get(self, request, app_id: str, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        last = conversation.messages.select_related("author_customer").order_by("-id").first()
        participants = conversation.participants.select_related("customer")
        return Response(
            {
                "id": conversation.public_id,
                "subject": conversation.subject or None,
                "photoUrl": conversation.photo_url or None,
                "welcomeMessages": conversation.welcome_messages or None,
                "custom": conversation.custom,
                "participants": {
                    v1_user_id(p.customer): {"access": p.access, "notify": p.notify} for p in participants
                },
                "lastMessage": v1_message(last) if last else None,
                "createdAt": millis(conversation.created_at),
            }
        )


def v1_message(message: Message) -> dict:
    return {
        "id": message.pk,
        "conversationId": message.conversation.public_id,
        "type": message.type,
        "senderId": v1_user_id(message.author_customer),
        "text": message.text,
        "attachments": [
            {
                "id": str(m.uuid),
                "fileName": m.original_name,
                "mimeType": m.mime_type,
                "size": m.size,
                "url": f"/api/v2/attachments/{m.uuid}",
            }
            for m in message.attachments.all()
        ],
        "origin": message.origin,
        "createdAt": millis(message.created_at),
        "custom": message.custom,
        "referencedMessageId": message.referenced_message_id,
    }


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
        return Response([{"id": pk} for pk in ids])

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
        limit, starting_after = (
            _int_param(request, "limit", 10, 1, 100),
            _int_param(request, "startingAfter", None, 1, None),
        )
        messages = (
            conversation.messages.select_related("author_customer", "conversation")
            .prefetch_related("attachments")
            .order_by("-id")
        )
        if starting_after is not None:
            messages = messages.filter(pk__lt=starting_after)
        return Response({"data": [v1_message(m) for m in messages[:limit]]})


def _int_param(request, name: str, default, minimum: int, maximum: int | None):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    value = stored_id(raw)  # at most a bigint
    if value is None or value < minimum or (maximum is not None and value > maximum):
        raise validation_failed([FieldError(f"query.{name}", "out_of_range", "is not an allowed value", raw)])
    return value
