from django.contrib import admin

from agents.admin_display import short_time
from agents.admin_fields import KeyValueField, LinesField
from agents.admin_scoping import ReadOnlyAdmin, TenantScopedAdmin, TenantScopedInline
from conversations.models import (
    CannedReply,
    Conversation,
    ConversationLabel,
    Label,
    Media,
    Message,
    Participant,
    SatisfactionRating,
    Thread,
)
from conversations.services import canned_reply_delete, canned_reply_save


class ConversationLabelInline(TenantScopedInline, admin.TabularInline):
    model = ConversationLabel
    account_path = "conversation__account"
    extra = 0
    autocomplete_fields = ["label"]
    readonly_fields = ["added_by", "created_at"]


class ParticipantInline(TenantScopedInline, admin.TabularInline):
    model = Participant
    account_path = "conversation__account"
    extra = 0
    autocomplete_fields = ["customer"]


@admin.register(Conversation)
class ConversationAdmin(TenantScopedAdmin):
    account_path = "account"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Custom fields as key/value rows and welcome messages one per line (never raw JSON)."""
        if db_field.name == "custom":
            return KeyValueField(label="Custom fields", help_text="Text keys and values (TalkJS-style custom data).")
        if db_field.name == "welcome_messages":
            return LinesField(label="Welcome messages", help_text="One message per line.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    ordering = ["-pk"]  # as the changelist orders; the autocomplete pages need an order too
    list_display = ["public_id", "subject", "account", "status", "assignee", "last_activity_at"]
    list_select_related = ["account", "assignee"]
    list_filter = ["status", "visible", "account"]
    search_fields = ["public_id", "subject"]
    readonly_fields = [
        "merged_into",
        "previous_conversation",
        "waiting_since",
        "last_activity_at",
        "closed_at",
        "snoozed_until",
        "snoozed_by",
    ]
    autocomplete_fields = ["account", "assignee", "primary_customer"]
    inlines = [ParticipantInline, ConversationLabelInline]


@admin.register(Thread)
class ThreadAdmin(TenantScopedAdmin):
    account_path = "conversation__account"
    list_display = ["id", "conversation", "type", "status", "opened", "closed"]
    list_select_related = ["conversation"]
    list_filter = ["status", "type", "imported", "close_reason"]

    @admin.display(description="Opened", ordering="created_at")
    def opened(self, thread: Thread):
        return short_time(thread.created_at)

    @admin.display(description="Closed", ordering="closed_at")
    def closed(self, thread: Thread):
        return short_time(thread.closed_at) + (f" ({thread.close_reason})" if thread.close_reason else "")

    search_fields = ["conversation__public_id"]
    raw_id_fields = ["conversation", "opened_by_customer", "opened_by_agent", "closed_by_agent"]


@admin.register(Message)
class MessageAdmin(TenantScopedAdmin):
    account_path = "conversation__account"
    list_display = ["id", "conversation", "author", "sent"]
    list_select_related = ["conversation", "author_customer", "author_agent"]
    list_filter = ["author_kind", "origin", "imported"]

    @admin.display(description="Author", ordering="author_kind")
    def author(self, message: Message):
        who = message.author_agent or message.author_customer
        return f"{message.get_author_kind_display()}: {who}" if who else message.get_author_kind_display()

    @admin.display(description="Sent", ordering="created_at")
    def sent(self, message: Message):
        return short_time(message.created_at)

    search_fields = ["text", "conversation__public_id"]
    raw_id_fields = ["conversation", "thread", "author_customer", "author_agent", "referenced_message"]


@admin.register(Media)
class MediaAdmin(TenantScopedAdmin):
    account_path = "account"
    list_display = ["uuid", "original_name", "mime_type", "size", "account", "created_at"]
    list_select_related = ["account"]
    search_fields = ["original_name", "=uuid", "file"]
    raw_id_fields = ["account", "uploaded_by_customer", "uploaded_by_agent", "message"]
    # The stored names, as text: a file field's widget would link the storage's URL (on S3 a presigned bucket URL,
    # served without our media headers) and let a file be replaced without the check of its bytes.
    exclude = ["file", "thumbnail"]
    readonly_fields = ["stored_file", "stored_thumbnail"]

    def has_add_permission(self, request) -> bool:
        return False  # media come from uploads, which check their bytes; a row without a file would be broken

    @admin.display(description="file")
    def stored_file(self, media: Media) -> str:
        return media.file.name or "-"

    @admin.display(description="thumbnail")
    def stored_thumbnail(self, media: Media) -> str:
        return media.thumbnail.name or "-"


@admin.register(Label)
class LabelAdmin(TenantScopedAdmin):
    account_path = "account"
    ordering = ["account", "name"]
    list_display = ["name", "colour", "account", "created_at"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["name"]
    autocomplete_fields = ["account"]


@admin.register(CannedReply)
class CannedReplyAdmin(TenantScopedAdmin):
    account_path = "account"
    ordering = ["account", "shortcut"]
    list_display = ["shortcut", "title", "account", "updated_at"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["shortcut", "title", "text"]
    autocomplete_fields = ["account"]
    fields = ["account", "shortcut", "title", "text"]
    help_texts = {
        "text": "Placeholders: {{customer.name}}, {{customer.first_name}}, {{customer.email}}, {{agent.name}}"
    }

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("help_texts", self.help_texts)
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        """Through the service, as the desk saves them (the form has checked the fields and the shortcut)."""
        canned_reply_save(
            account=obj.account,
            shortcut=obj.shortcut,
            title=obj.title,
            text=obj.text,
            canned_reply=obj,  # saved as it is: the admin goes on with this instance
        )

    def delete_model(self, request, obj):
        canned_reply_delete(canned_reply=obj)


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(ReadOnlyAdmin, TenantScopedAdmin):
    """Read-only: the customers' ratings (#20) are theirs; the desk and the reports show them."""

    account_path = "account"
    list_display = ["asked_at", "account", "conversation", "agent", "team", "rating", "answered_at"]
    list_select_related = ["account", "conversation", "agent", "team"]
    list_filter = ["rating", "account"]
    search_fields = ["comment", "conversation__public_id"]
    ordering = ["-asked_at", "-pk"]
    readonly_fields = [
        "account", "conversation", "thread", "customer", "agent", "team", "prompt", "rating", "comment", "asked_at",
        "answered_at",
    ]  # fmt: skip
