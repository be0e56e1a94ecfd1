"""Conversations, their support sessions (threads), messages, per-customer receipts and media."""

from __future__ import annotations

import posixpath
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from agents.models import Account, Agent, Team
from devices.models import Customer

conversation_public_id = RegexValidator(
    r"^[A-Za-z0-9_\-.:~]{1,128}$", "1 to 128 characters from A-Z a-z 0-9 _ - . : ~", code="invalid_id"
)


def new_public_id() -> str:
    return str(uuid.uuid4())


class Conversation(models.Model):
    """Between the company and one or more customer participants."""

    class Status(models.TextChoices):
        ACTIVE = "active"  # waiting for us
        PENDING = "pending"  # waiting for the customer
        CLOSED = "closed"
        SPAM = "spam"
        SNOOZED = "snoozed"  # set aside by an agent until `snoozed_until` (null: until the customer writes)

    # What awaits someone: the desk's and the API's "open" filter. A snoozed conversation is not in it.
    OPEN_STATUSES = (Status.ACTIVE, Status.PENDING)
    # The statuses with an open thread: the open ones and a snoozed one (a snooze keeps its session going).
    LIVE_STATUSES = (Status.ACTIVE, Status.PENDING, Status.SNOOZED)

    # No index of its own (nor the assignee's): the inbox index and the unique public id lead with the account,
    # the assignee index with the assignee; each more index is written again by every message's update.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="conversations", db_index=False)
    # The API's conversation id: chosen by a backend (`order_391_fc`) or made by the server (a UUID).
    public_id = models.CharField(max_length=128, default=new_public_id, validators=[conversation_public_id])
    subject = models.CharField(max_length=255, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    photo_url = models.URLField(max_length=2048, blank=True)
    welcome_messages = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CLOSED)
    assignee = models.ForeignKey(
        Agent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
        db_index=False,
    )
    primary_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=16, blank=True, help_text="app, api, chat_api, desk")
    visible = models.BooleanField(default=False, help_text="False until the conversation holds a message.")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    previous_conversation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The conversation an app rollover continued from.",
    )
    # Since when the customer waits for an answer (their oldest unanswered message); null when answered.
    waiting_since = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True, help_text="Newest non-imported message.")
    closed_at = models.DateTimeField(null=True, blank=True)
    # Meaningful only while the status is snoozed: when it wakes (null: when the customer writes), and who snoozed.
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snoozed_by = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    labels = models.ManyToManyField("Label", through="ConversationLabel", related_name="conversations", blank=True)
    # Routing (#20): the team it is routed to, and since when it waits in the queue for auto-assignment (null: not
    # queued). The queue is served longest-waiting first.
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations", db_index=False
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The API addresses conversations by (account, public id).
            models.UniqueConstraint(fields=["account", "public_id"], name="conversation_unique_public_id"),
        ]
        indexes = [
            # Inbox and integration list: WHERE account_id = ? AND status = ? ORDER BY last_activity_at DESC
            models.Index(fields=["account", "status", "-last_activity_at"], name="conversation_inbox_idx"),
            # The desk's "Mine": WHERE assignee_id = ? AND status = ?
            models.Index(fields=["assignee", "status"], name="conversation_assignee_idx"),
            # The worker's wake-up: WHERE status = 'snoozed' AND snoozed_until <= now (a small partial index)
            models.Index(
                fields=["snoozed_until"], condition=models.Q(status="snoozed"), name="conversation_snooze_due_idx"
            ),
            # The routing queue: WHERE account_id = ? AND queued_at IS NOT NULL ORDER BY queued_at (a small partial
            # index: only queued conversations are in it)
            models.Index(
                fields=["account", "queued_at"],
                condition=models.Q(queued_at__isnull=False),
                name="conversation_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.public_id

    @property
    def is_open(self) -> bool:
        """It has an open thread: active, pending, or snoozed."""
        return self.status in self.LIVE_STATUSES

    @property
    def is_snoozed(self) -> bool:
        return self.status == self.Status.SNOOZED

    @classmethod
    def status_public(cls, status: str) -> str:
        """A status as the APIs show it: they know no snooze (Help Scout's statuses), so a snoozed conversation
        is `pending` there, its snooze shown beside."""
        return cls.Status.PENDING if status == cls.Status.SNOOZED else status

    @property
    def public_status(self) -> str:
        return self.status_public(self.status)

    @property
    def wake_status(self) -> str:
        """What a snoozed conversation becomes when it wakes: active while the customer waits, else pending."""
        return self.Status.ACTIVE if self.waiting_since is not None else self.Status.PENDING

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


label_colour = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "a colour as #rrggbb", code="invalid_colour")


class Label(models.Model):
    """A label (Help Scout's tag) of an account, put on conversations to sort them ("billing", "vip")."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="labels", db_index=False)
    name = models.CharField(max_length=50)
    colour = models.CharField(max_length=7, blank=True, validators=[label_colour], help_text="#rrggbb, optional.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # One label per name in an account, whatever its case ("VIP" is "vip"); its index serves the lookups.
            models.UniqueConstraint("account", Lower("name"), name="label_unique_name_per_account"),
        ]

    def __str__(self) -> str:
        return self.name


class ConversationLabel(models.Model):
    """A label on a conversation: when, and by whom at the desk."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, db_index=False)
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A conversation's labels: WHERE conversation_id = ?; the label's own index serves the filter by label.
            models.UniqueConstraint(fields=["conversation", "label"], name="conversation_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label_id} on {self.conversation_id}"

    def clean(self) -> None:
        """A conversation carries its own account's labels only (the admin's inline asks this before saving)."""
        if self.label_id and self.conversation_id and self.label.account_id != self.conversation.account_id:
            raise ValidationError({"label": "A label of another account."})


class Participant(models.Model):
    """A customer taking part in a conversation: they receive its messages in their timeline."""

    class Access(models.TextChoices):
        READ_WRITE = "ReadWrite"
        READ = "Read"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="participations")
    access = models.CharField(max_length=10, choices=Access.choices, default=Access.READ_WRITE)
    notify = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Recipients of a message: WHERE conversation_id = ?; the reverse (customer_id) has its own index.
            models.UniqueConstraint(fields=["conversation", "customer"], name="participant_unique"),
        ]
        indexes = [models.Index(fields=["customer"], name="participant_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer} in {self.conversation}"


class Thread(models.Model):
    """One support session inside a conversation. At most one is open per conversation."""

    class Type(models.TextChoices):
        SESSION = "session"  # opened implicitly by a message or a status change
        CHAT = "chat"  # created by POST /api/v2/conversations/{id}/chats

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    class CloseReason(models.TextChoices):
        AGENT = "agent"
        SPAM = "spam"
        INACTIVITY = "inactivity"
        SUPERSEDED = "superseded"
        MERGED = "merged"
        USER_DELETED = "user_deleted"
        IMPORTED = "imported"

    # No index of its own: `thread_conversation_idx` leads with it.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="threads", db_index=False)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.SESSION)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    imported = models.BooleanField(default=False)
    source = models.CharField(max_length=16, blank=True, help_text="app, api, chat_api, desk")
    opened_by_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_by_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    closed_by_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Recorded when they happen, for the reports (#20): the first answer of a person (not a bot, not a note), and
    # whom the session counted for when it closed (the conversation's assignee and team then).
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_responder = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    assignee = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Backs the conversation row lock: never two open threads in one conversation.
            models.UniqueConstraint(
                fields=["conversation"], condition=models.Q(status="open"), name="thread_one_open_per_conversation"
            ),
        ]
        indexes = [
            # Thread count and the open thread of a conversation: WHERE conversation_id = ? [AND status = 'open']
            models.Index(fields=["conversation", "status"], name="thread_conversation_idx"),
            # Reports over a date range: sessions opened, and sessions closed, in it
            models.Index(fields=["created_at"], name="thread_created_idx"),
            models.Index(fields=["closed_at"], condition=models.Q(closed_at__isnull=False), name="thread_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"Thread {self.pk} of {self.conversation_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


# The only types ever served inline, and only when the check of the bytes found them (Media.checked_type).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def media_thumbnail_upload_to(media: Media, filename: str) -> str:
    """A thumbnail lives in its original's directory, whenever it is made."""
    return posixpath.join(posixpath.dirname(media.file.name), filename)


class Media(models.Model):
    """An uploaded file, stored under year/month/day. Served only to those allowed to see it."""

    # The opaque upload id of client API v1.9 (`POST media`), and the integration API's attachment id.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="media")
    # `media/{y}/{m}/{d}/{filename}` downloads look the file up by its stored name: unique, indexed.
    file = models.FileField(upload_to="uploads/%Y/%m/%d/", max_length=255, unique=True)
    # A copy at most 320 px of a checked image, beside the original (`<uuid>_thumb.<ext>`), made at upload (or on
    # the desk's first use for older media) and served from storage ever after (conversations/media.py).
    thumbnail = models.FileField(upload_to=media_thumbnail_upload_to, max_length=255, blank=True, default="")
    # What the uploader declared: the integration API keeps it exactly (§3.6); the client API and the desk store the
    # checked type here too. It never decides how the file is served: `checked_type` does (media_serving.py).
    mime_type = models.CharField(max_length=127)
    # The type the server's own check of the bytes found (conversations.media.media_detect), "" when they passed
    # none: only a PNG, JPEG, GIF or WebP found here (and declared as such) is ever shown inline.
    checked_type = models.CharField(max_length=127, blank=True, default="")
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True, help_text="The name shown to people.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    uploaded_by_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set when a message uses it; unused uploads are deleted after a day.
    message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["message", "position", "id"]
        verbose_name_plural = "media"

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def is_image(self) -> bool:
        """Declared as an image (what the client API's `image` field and the SDKs go by); see `is_checked_image`."""
        return self.mime_type.startswith("image/")

    @property
    def is_checked_image(self) -> bool:
        """The bytes decoded whole as the PNG, JPEG, GIF or WebP they were declared as: the only media shown inline
        (and thumbnailed). Anything else is a download."""
        return self.checked_type in INLINE_IMAGE_TYPES and self.mime_type.lower() == self.checked_type


class StoredFileDeletion(models.Model):
    """A stored file whose media row is gone, to be deleted from storage: written in the transaction that deletes the
    row (`conversations.receivers`), so that a file is never forgotten, whatever the storage does at that moment.
    Deleted after the commit, or by the worker's sweep while the storage is down (`media.stored_files_delete`)."""

    name = models.CharField(max_length=255)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """Authored by a customer, an agent or bot, or the system. Ids grow with creation and drive paging."""

    class AuthorKind(models.TextChoices):
        CUSTOMER = "customer"
        AGENT = "agent"  # a person or a bot (Agent.is_bot)
        SYSTEM = "system"

    class Type(models.TextChoices):
        USER = "UserMessage"
        SYSTEM = "SystemMessage"

    class Origin(models.TextChoices):
        APP = "app"
        REST = "rest"
        CHAT_API = "chat_api"
        DESK = "desk"
        IMPORT = "import"

    # No index of its own: `message_conversation_idx` (conversation, id) leads with it.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.USER)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="authored_messages"
    )
    author_agent = models.ForeignKey(
        Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="authored_messages"
    )
    # Hidden from customers' apps: a customer's silent context message (typeId 4) or an agent-side note (typeId 5).
    is_silent = models.BooleanField(default=False)
    # An agent's private note: agents only. No customer holds a receipt of it, so no app, push or widget sees it.
    is_private = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    title = models.CharField(max_length=255, blank=True)
    buttons = models.JSONField(default=list, blank=True)
    carousel = models.JSONField(default=list, blank=True)
    quick_replies = models.JSONField(default=list, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    referrer = models.URLField(max_length=2048, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.APP)
    imported = models.BooleanField(default=False)
    referenced_message = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    sender_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="message_unique_idempotency_key",
            ),
        ]
        indexes = [
            # Desk timeline and integration paging: WHERE conversation_id = ? ORDER BY id
            models.Index(fields=["conversation", "id"], name="message_conversation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}: {self.text[:40]}"

    @property
    def media(self) -> Media | None:
        """The first attachment: what the client API shows as the message's media."""
        attachments = list(self.attachments.all())  # uses prefetch_related("attachments") when present
        return attachments[0] if attachments else None


class Receipt(models.Model):
    """One row per (recipient customer, message): the customer's view of it and its status (Zulip's UserMessage).

    A customer's timeline, paging, unseen count and status updates are all reads of their receipts.
    """

    class Status(models.IntegerChoices):
        AVAILABLE = 2
        RECEIVED = 3
        SEEN = 4

    class TypeId(models.IntegerChoices):
        """The message's `typeId` as this customer sees it (client API §4.2)."""

        USER = 1
        AGENT = 2
        INFO = 3
        USER_SYSTEM = 4
        AGENT_SYSTEM = 5

    # No index of its own: the unique (customer, message) index serves every lookup by customer.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="receipts", db_index=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="receipts")
    type_id = models.PositiveSmallIntegerField(choices=TypeId.choices)
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.AVAILABLE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The timeline: WHERE customer_id = ? [AND message_id < / > ?] ORDER BY message_id LIMIT 50
            models.UniqueConstraint(fields=["customer", "message"], name="receipt_unique_customer_message"),
        ]
        indexes = [
            # Unseen count: WHERE customer_id = ? AND type_id = 2 AND status < 4 (a small partial index)
            models.Index(
                fields=["customer", "message"], condition=models.Q(status__lt=4, type_id=2), name="receipt_unseen_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.message_id}: {self.status}"

    @classmethod
    def type_id_for(cls, *, reader_id: int, author: Customer | Agent | None, silent: bool) -> int:
        """`typeId` as the reading customer sees a message of `author` (a customer, staff, or None: the system)."""
        if isinstance(author, Customer) and author.pk == reader_id:
            return cls.TypeId.USER_SYSTEM if silent else cls.TypeId.USER
        if silent:
            return cls.TypeId.AGENT_SYSTEM
        if author is None:
            return cls.TypeId.INFO
        return cls.TypeId.AGENT


class ReadMarker(models.Model):
    """How far an agent has read a conversation at the desk: drives the per-agent unread badge."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="read_markers")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_markers")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            # The inbox's unread count: WHERE agent_id = ? AND conversation_id = ?
            models.UniqueConstraint(fields=["agent", "conversation"], name="read_marker_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} read {self.conversation_id} up to {self.last_read_message_id}"


canned_reply_shortcut = RegexValidator(
    r"^[A-Za-z0-9_-]{1,40}$", "1 to 40 characters from A-Z a-z 0-9 _ -", code="invalid_shortcut"
)


class CannedReply(models.Model):
    """A saved answer of an account, typed at the desk by its shortcut (`/refund`); its text may hold placeholders
    (`{{customer.first_name}}`, see `conversations.canned`)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="canned_replies", db_index=False)
    shortcut = models.CharField(max_length=40, validators=[canned_reply_shortcut])
    title = models.CharField(max_length=100, blank=True)
    text = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut", "pk"]
        verbose_name_plural = "canned replies"
        constraints = [
            # One reply per shortcut in an account, whatever its case; its index serves the account's list.
            models.UniqueConstraint("account", Lower("shortcut"), name="canned_reply_unique_shortcut"),
        ]

    def __str__(self) -> str:
        return self.shortcut


class SatisfactionRating(models.Model):
    """The customer's rating (1–5) of a closed session, asked for when it closes: in the widget, and as a message
    with reply buttons that the Parley SDKs render. `rating` is null until the customer answers."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="ratings")
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="rating")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Whom it counts for: the session's assignee and team when it closed.
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    prompt = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True, choices=[(n, str(n)) for n in range(1, 6)])
    comment = models.TextField(blank=True, max_length=2000)
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Reports: WHERE account_id = ? AND answered_at BETWEEN ? AND ?
            models.Index(fields=["account", "answered_at"], name="rating_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating or '–'} for thread {self.thread_id}"
