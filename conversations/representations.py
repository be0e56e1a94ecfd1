"""How conversations, threads and messages look in the integration API and in webhook events.

Each shape is declared once, as an output serializer: it renders the API's answers and the events' data, and
drf-spectacular documents the API from it. (DRF here is a renderer only; no request or view is involved.)
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import Conversation, Message, SatisfactionRating, Thread
from messenger_project.integration_api.serializers import IsoDateTimeField, LinkSerializer, NullIfBlankField

SENDER_KINDS = ["customer", "agent", "bot"]
# The statuses the APIs show (Help Scout's): a snoozed conversation is pending there, its snooze beside.
API_STATUSES = [s for s in Conversation.Status.values if s != Conversation.Status.SNOOZED]


class MessageAttachmentSerializer(serializers.Serializer):
    id = serializers.CharField(source="uuid")
    fileName = serializers.CharField(source="original_name")
    mimeType = serializers.CharField(source="mime_type")
    size = serializers.IntegerField(help_text="Decoded bytes.")
    url = serializers.SerializerMethodField(help_text="`/api/v2/attachments/{id}` (needs the API key).")

    def get_url(self, media) -> str:
        return f"/api/v2/attachments/{media.uuid}"


class PrimaryCustomerSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    number = serializers.IntegerField(help_text="The customer's number: its `id` in `/api/v2/customers`.")
    email = NullIfBlankField()
    first = NullIfBlankField(source="first_name", help_text="Help Scout's name of the first name.")
    last = NullIfBlankField(source="last_name")


class ParticipantSerializer(serializers.Serializer):
    userId = serializers.UUIDField(source="customer.uuid")
    fkId = serializers.CharField(source="customer.fk_id", allow_null=True)
    kind = serializers.SerializerMethodField(help_text="Always `customer`.")
    access = serializers.ChoiceField(choices=["ReadWrite", "Read"])
    notify = serializers.BooleanField()

    def get_kind(self, participant) -> str:
        return "customer"


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="The agent id.")
    name = serializers.CharField(source="display_name")
    isBot = serializers.BooleanField(source="is_bot")


class SnoozeSerializer(serializers.Serializer):
    snoozedUntil = IsoDateTimeField(
        source="snoozed_until", allow_null=True, help_text="When it wakes; null: when the customer writes."
    )
    snoozedBy = serializers.IntegerField(source="snoozed_by_id", allow_null=True, help_text="The agent id, if any.")


class TagSerializer(serializers.Serializer):
    """A label, shaped as Help Scout's tag."""

    id = serializers.IntegerField(source="pk")
    tag = serializers.CharField(source="name")
    color = NullIfBlankField(source="colour", help_text="#rrggbb, or null.")


class SatisfactionSerializer(serializers.Serializer):
    """The customer's answer to a satisfaction prompt (#20)."""

    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True)
    answeredAt = IsoDateTimeField(source="answered_at")


class ConversationLinksSerializer(serializers.Serializer):
    self = LinkSerializer()
    threads = LinkSerializer()
    messages = LinkSerializer()


class ConversationSerializer(serializers.Serializer):
    """A conversation."""

    # Renders what `conversations_for_api` reads: its annotations (thread_count, open_thread_id) and prefetches.

    id = serializers.CharField(source="public_id")
    number = serializers.IntegerField(
        source="pk", help_text="Help Scout's conversation number: ours, unique and stable (not the path id)."
    )
    mailboxId = serializers.IntegerField(source="account_id", help_text="The account's one mailbox (`/mailboxes`).")
    subject = NullIfBlankField()
    status = serializers.ChoiceField(
        source="public_status",
        choices=API_STATUSES,
        help_text="A snoozed conversation is `pending` here, with `snooze` set.",
    )
    snooze = serializers.SerializerMethodField(help_text="Set while the conversation is snoozed, else null.")
    visible = serializers.BooleanField(help_text="False until the conversation holds a message.")
    createdAt = IsoDateTimeField(source="created_at")
    updatedAt = IsoDateTimeField(source="updated_at")
    userUpdatedAt = IsoDateTimeField(source="updated_at", help_text="Help Scout's name of `updatedAt`.")
    lastActivityAt = IsoDateTimeField(source="last_activity_at", allow_null=True)
    closedAt = IsoDateTimeField(source="closed_at", allow_null=True)
    threadCount = serializers.IntegerField(source="thread_count")
    openThreadId = serializers.IntegerField(
        source="open_thread_id", allow_null=True, help_text="Set exactly when status is active/pending."
    )
    mergedInto = serializers.SerializerMethodField(help_text="Always null on a live conversation.")
    primaryCustomer = PrimaryCustomerSerializer(source="primary_customer", allow_null=True)
    participants = ParticipantSerializer(source="participants.all", many=True)
    assignee = AssigneeSerializer(allow_null=True)
    custom = serializers.DictField(child=serializers.JSONField())
    tags = TagSerializer(source="labels.all", many=True, help_text="Its labels, by name.")
    satisfaction = serializers.SerializerMethodField(
        help_text="The customer's newest answered satisfaction rating (of any session), or null."
    )
    _links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_mergedInto(self, conversation) -> None:  # noqa: N802
        return None

    @extend_schema_field(SnoozeSerializer(allow_null=True))
    def get_snooze(self, conversation) -> dict | None:
        return SnoozeSerializer(conversation).data if conversation.is_snoozed else None

    @extend_schema_field(SatisfactionSerializer(allow_null=True))
    def get_satisfaction(self, conversation) -> dict | None:
        # The annotations of `conversations_for_api` (no query per conversation).
        if conversation.satisfaction_rating is None:
            return None
        return satisfaction_v2(
            SatisfactionRating(
                rating=conversation.satisfaction_rating,
                comment=conversation.satisfaction_comment,
                answered_at=conversation.satisfaction_answered_at,
            )
        )

    @extend_schema_field(ConversationLinksSerializer)
    def get__links(self, conversation) -> dict:
        href = f"/api/v2/conversations/{conversation.public_id}"
        return {
            "self": {"href": href},
            "threads": {"href": f"{href}/threads"},
            "messages": {"href": f"{href}/messages"},
        }


class SenderSerializer(serializers.Serializer):
    userId = serializers.CharField(help_text="A customer UUID, or an agent id.")
    kind = serializers.ChoiceField(choices=SENDER_KINDS)


def _sender(customer, agent) -> dict | None:
    if customer is not None:
        return {"userId": str(customer.uuid), "kind": "customer"}
    if agent is not None:
        return {"userId": str(agent.pk), "kind": "bot" if agent.is_bot else "agent"}
    return None


class MessageSerializer(serializers.Serializer):
    """A message."""

    id = serializers.IntegerField(source="pk")
    conversationId = serializers.CharField(source="conversation.public_id")
    threadId = serializers.IntegerField(source="thread_id", allow_null=True)
    type = serializers.ChoiceField(choices=Message.Type.values)
    sender = serializers.SerializerMethodField()
    text = serializers.CharField()
    attachments = MessageAttachmentSerializer(source="attachments.all", many=True)
    createdAt = IsoDateTimeField(source="created_at")
    origin = serializers.CharField(help_text="`app`, `rest`, `chat_api`, `desk` or `import`.")
    imported = serializers.BooleanField()
    referencedMessageId = serializers.IntegerField(source="referenced_message_id", allow_null=True)
    custom = serializers.DictField(child=serializers.JSONField())
    senderDeleted = serializers.BooleanField(
        source="sender_deleted", required=False, help_text="Present (true) only when the sender was deleted."
    )
    private = serializers.BooleanField(
        source="is_private",
        required=False,
        help_text="Present (true) only on an agent's private note: never shown to customers.",
    )

    @extend_schema_field(SenderSerializer(allow_null=True))
    def get_sender(self, message) -> dict | None:
        return _sender(message.author_customer, message.author_agent)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not data["senderDeleted"]:
            del data["senderDeleted"]
        if not data["private"]:
            del data["private"]
        return data


class ThreadOpenerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SENDER_KINDS)
    userId = serializers.CharField()


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    conversationId = serializers.CharField(source="conversation.public_id")
    type = serializers.ChoiceField(choices=Thread.Type.values, help_text="`chat` (made by /chats) or `session`.")
    status = serializers.ChoiceField(choices=Thread.Status.values)
    imported = serializers.BooleanField()
    source = serializers.CharField(help_text="`app`, `api`, `chat_api` or `desk`.")
    openedBy = serializers.SerializerMethodField()
    createdAt = IsoDateTimeField(source="created_at")
    closedAt = IsoDateTimeField(source="closed_at", allow_null=True)
    closeReason = NullIfBlankField(source="close_reason")
    messageCount = serializers.IntegerField(source="message_count")

    @extend_schema_field(ThreadOpenerSerializer(allow_null=True))
    def get_openedBy(self, thread) -> dict | None:  # noqa: N802
        return _sender(thread.opened_by_customer, thread.opened_by_agent)


def conversation_v2(conversation: Conversation) -> dict:
    return ConversationSerializer(conversation).data


def satisfaction_v2(rating: SatisfactionRating) -> dict:
    return SatisfactionSerializer(rating).data


def message_v2(message: Message) -> dict:
    return MessageSerializer(message).data


def thread_v2(thread: Thread) -> dict:
    return ThreadSerializer(thread).data
