"""The TalkJS-style records of the upsert family (`/api/v1/{appId}/…`): users, conversations and messages as
TalkJS's REST API shows them, with string ids, timestamps in Unix milliseconds and users named by their fkId (else
their UUID). Each one renders and documents; the querysets they read come with their joins (`message_records`,
`conversation_records`), so a page costs the same few queries whatever its length."""

from __future__ import annotations

import json

from django.db.models import Max, Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import Conversation, Message, Participant, Receipt
from conversations.representations import MessageAttachmentSerializer
from devices.models import Customer
from messenger_project.integration_api.serializers import NullIfBlankField

# TalkJS's `origin` values: how a message was sent (a browser or app, the REST API, an email reply, an import).
TALKJS_ORIGINS = {
    Message.Origin.APP: "web",
    Message.Origin.DESK: "web",
    Message.Origin.REST: "rest",
    Message.Origin.CHAT_API: "rest",
    Message.Origin.IMPORT: "import",
}


def message_records(messages: QuerySet[Message]) -> QuerySet[Message]:
    """`messages` with what a record shows: author, conversation, attachments and who has seen each one."""
    seen = Receipt.objects.filter(status=Receipt.Status.SEEN).select_related("customer").order_by("customer_id")
    return messages.select_related("author_customer", "conversation").prefetch_related(
        "attachments", Prefetch("receipts", queryset=seen, to_attr="seen_receipts")
    )


def conversation_records(conversations: list[Conversation]) -> list[Conversation]:
    """Fill in each conversation's participants and last message (private notes are never one) in three queries."""
    if not conversations:
        return conversations
    participants = Participant.objects.select_related("customer").order_by("pk")
    prefetch_related_objects(
        conversations, Prefetch("participants", queryset=participants, to_attr="record_participants")
    )
    last_ids = (
        Message.objects.filter(conversation__in=conversations, is_private=False)
        .values("conversation_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    last = {m.conversation_id: m for m in message_records(Message.objects.filter(pk__in=list(last_ids)))}
    for conversation in conversations:
        conversation.record_last_message = last.get(conversation.pk)
    return conversations


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

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_email(self, customer):
        return [e for e in [customer.email, *customer.extra_emails] if e] or None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_phone(self, customer):
        return [p for p in [customer.phone, *customer.extra_phones] if p] or None

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_custom(self, customer):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in customer.custom_data.items()}

    def get_kind(self, customer) -> str:
        return "customer"


class RecordAttachmentSerializer(serializers.Serializer):
    """TalkJS's `attachment`: where the file is and its size; `filename` and `mimeType` are ours."""

    url = serializers.SerializerMethodField(help_text="The download (needs the API key).")
    size = serializers.IntegerField(help_text="Bytes.")
    filename = serializers.CharField(source="original_name")
    mimeType = serializers.CharField(source="mime_type")

    def get_url(self, media) -> str:
        path = f"/api/v2/attachments/{media.uuid}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class MessageRecordSerializer(serializers.Serializer):
    """A message as TalkJS's REST API shows it; `attachments` (all of a message's files) is ours."""

    id = serializers.SerializerMethodField()
    conversationId = serializers.CharField(source="conversation.public_id")
    type = serializers.ChoiceField(choices=Message.Type.values)
    senderId = serializers.SerializerMethodField()
    readBy = serializers.SerializerMethodField(help_text="User ids of the participants who have seen it.")
    text = serializers.CharField()
    attachment = serializers.SerializerMethodField(help_text="The first file, or null.")
    attachments = MessageAttachmentSerializer(source="attachments.all", many=True)
    location = serializers.SerializerMethodField(help_text="Always null: no shared locations here.")
    origin = serializers.SerializerMethodField()
    createdAt = MillisField(source="created_at")
    editedAt = serializers.SerializerMethodField(help_text="Always null.")
    custom = serializers.DictField(child=serializers.JSONField())
    referencedMessageId = serializers.SerializerMethodField()

    def get_id(self, message) -> str:
        return str(message.pk)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_senderId(self, message):  # noqa: N802
        return record_user_id(message.author_customer)

    def get_readBy(self, message) -> list[str]:  # noqa: N802
        receipts = getattr(message, "seen_receipts", None)
        if receipts is None:  # not read through `message_records`
            receipts = message.receipts.filter(status=Receipt.Status.SEEN).select_related("customer")
        return [record_user_id(r.customer) for r in receipts if r.customer_id != message.author_customer_id]

    @extend_schema_field(RecordAttachmentSerializer(allow_null=True))
    def get_attachment(self, message):
        first = message.media
        return RecordAttachmentSerializer(first, context=self.context).data if first is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.FloatField(), allow_null=True))
    def get_location(self, message):
        return None

    @extend_schema_field(serializers.ChoiceField(choices=["web", "rest", "email", "import"]))
    def get_origin(self, message):
        return TALKJS_ORIGINS.get(message.origin, "rest")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_editedAt(self, message):  # noqa: N802
        return None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_referencedMessageId(self, message):  # noqa: N802
        return str(message.referenced_message_id) if message.referenced_message_id else None


class MessageRecordListSerializer(serializers.Serializer):
    data = MessageRecordSerializer(many=True, help_text="Newest first.")


class MessageIdSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The message id (digits).")


class RecordParticipantSerializer(serializers.Serializer):
    access = serializers.ChoiceField(choices=["ReadWrite", "Read"])
    notify = serializers.BooleanField()


class ConversationRecordSerializer(serializers.Serializer):
    """A conversation as TalkJS's REST API shows it; read it through `conversation_records`."""

    id = serializers.CharField(source="public_id")
    subject = NullIfBlankField()
    topicId = serializers.SerializerMethodField(help_text="Always null.")
    photoUrl = NullIfBlankField(source="photo_url")
    welcomeMessages = serializers.SerializerMethodField()
    custom = serializers.DictField(child=serializers.JSONField())
    participants = serializers.SerializerMethodField(help_text="Keyed by user id (the fkId, else the UUID).")
    lastMessage = serializers.SerializerMethodField(help_text="The newest message, or null.")
    createdAt = MillisField(source="created_at")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_topicId(self, conversation):  # noqa: N802
        return None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_welcomeMessages(self, conversation):  # noqa: N802
        return conversation.welcome_messages or None

    @extend_schema_field(serializers.DictField(child=RecordParticipantSerializer()))
    def get_participants(self, conversation):
        return {
            record_user_id(p.customer): RecordParticipantSerializer(p).data for p in conversation.record_participants
        }

    @extend_schema_field(MessageRecordSerializer(allow_null=True))
    def get_lastMessage(self, conversation):  # noqa: N802
        last = conversation.record_last_message
        return MessageRecordSerializer(last, context=self.context).data if last is not None else None


class ConversationRecordListSerializer(serializers.Serializer):
    data = ConversationRecordSerializer(many=True)
