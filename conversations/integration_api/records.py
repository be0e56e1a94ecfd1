"""The TalkJS-style records of the upsert family (`/api/v1/{appId}/…`): users, conversations and messages, with
timestamps in Unix milliseconds and users named by their fkId (else their UUID). Each one renders and documents."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import Message
from conversations.representations import MessageAttachmentSerializer
from devices.models import Customer
from messenger_project.integration_api.serializers import NullIfBlankField


def millis(value) -> int | None:
    return int(value.timestamp() * 1000) if value else None


def record_user_id(customer: Customer | None) -> str | None:
    if customer is None:
        return None
    return customer.fk_id or str(customer.uuid)


class MillisField(serializers.IntegerField):
    """Unix milliseconds."""

    def __init__(self, **kwargs):
        super().__init__(help_text="Unix milliseconds.", **kwargs)

    def to_representation(self, value):
        return millis(value)


class UserRecordSerializer(serializers.Serializer):
    """A user as the upsert family shows it."""

    id = serializers.SerializerMethodField(help_text="The user's fkId, or its UUID when it has none.")
    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    photoUrl = NullIfBlankField(source="photo_url")
    welcomeMessage = NullIfBlankField(source="welcome_message")
    role = NullIfBlankField()
    locale = NullIfBlankField()
    custom = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField(help_text="Always `customer`.")
    createdAt = MillisField(source="created_at")

    def get_id(self, customer) -> str:
        return record_user_id(customer)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_name(self, customer):
        return customer.display_name if customer.name else customer.name

    def get_email(self, customer) -> list[str]:
        return [e for e in [customer.email, *customer.extra_emails] if e]

    def get_phone(self, customer) -> list[str]:
        return [p for p in [customer.phone, *customer.extra_phones] if p]

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_custom(self, customer):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in customer.custom_data.items()}

    def get_kind(self, customer) -> str:
        return "customer"


class MessageRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    conversationId = serializers.CharField(source="conversation.public_id")
    type = serializers.ChoiceField(choices=Message.Type.values)
    senderId = serializers.SerializerMethodField()
    text = serializers.CharField()
    attachments = MessageAttachmentSerializer(source="attachments.all", many=True)
    origin = serializers.CharField(help_text="`app`, `rest`, `chat_api`, `desk` or `import`.")
    createdAt = MillisField(source="created_at")
    custom = serializers.DictField(child=serializers.JSONField())
    referencedMessageId = serializers.IntegerField(source="referenced_message_id", allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_senderId(self, message):  # noqa: N802
        return record_user_id(message.author_customer)


class MessageRecordListSerializer(serializers.Serializer):
    data = MessageRecordSerializer(many=True, help_text="Newest first.")


class MessageIdSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class RecordParticipantSerializer(serializers.Serializer):
    access = serializers.ChoiceField(choices=["ReadWrite", "Read"])
    notify = serializers.BooleanField()


class ConversationRecordSerializer(serializers.Serializer):
    """A conversation as the upsert family shows it; `context["last_message"]` is its newest message or None."""

    id = serializers.CharField(source="public_id")
    subject = NullIfBlankField()
    photoUrl = NullIfBlankField(source="photo_url")
    welcomeMessages = serializers.SerializerMethodField()
    custom = serializers.DictField(child=serializers.JSONField())
    participants = serializers.SerializerMethodField(help_text="Keyed by user id (the fkId, else the UUID).")
    lastMessage = serializers.SerializerMethodField()
    createdAt = MillisField(source="created_at")

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_welcomeMessages(self, conversation):  # noqa: N802
        return conversation.welcome_messages or None

    @extend_schema_field(serializers.DictField(child=RecordParticipantSerializer()))
    def get_participants(self, conversation):
        participants = conversation.participants.select_related("customer")
        return {record_user_id(p.customer): RecordParticipantSerializer(p).data for p in participants}

    @extend_schema_field(MessageRecordSerializer(allow_null=True))
    def get_lastMessage(self, conversation):  # noqa: N802
        last = self.context.get("last_message")
        return MessageRecordSerializer(last).data if last is not None else None
