"""Every write to conversations, threads, messages and receipts (the only code that writes them).

Lock order, everywhere: conversation rows, then customer rows, each in pk order (see `locks`).
"""

from conversations.services.batches import (
    MAX_PARTICIPANTS,
    AttachmentDraft,
    MessageDraft,
    chat_thread_create,
    conversation_upsert,
    messages_post_batch,
)
from conversations.services.bulk import BULK_ACTIONS, desk_bulk
from conversations.services.canned_replies import canned_reply_delete, canned_reply_save
from conversations.services.desk import desk_assign, desk_line, desk_reply, desk_status_change, read_marker_advance
from conversations.services.entries import message_attachment_add, message_text_edit, staff_entry_post
from conversations.services.labels import label_add, label_get_or_create, label_remove, labels_set
from conversations.services.locks import conversations_lock_for_customer
from conversations.services.merging import conversation_merge, customer_conversations_delete, customer_history_merge
from conversations.services.notes import note_add
from conversations.services.posting import (
    conversation_create,
    customer_message_send,
    message_post,
    participant_add,
)
from conversations.services.receipts import receipts_mark_received, receipts_raise_status
from conversations.services.routing import (
    agent_activity_seen,
    agent_availability_set,
    agents_idle_away,
    conversation_handover,
    conversation_team_set,
    routing_backlog_enqueue,
    routing_drain,
    routing_drain_due,
)
from conversations.services.snooze import conversation_snooze, conversation_wake, conversations_wake_due
from conversations.services.status import (
    conversation_assign,
    conversation_close,
    conversation_reopen,
    conversation_set_status,
)
from conversations.services.threads import Author, thread_ensure_can_open
from conversations.services.updates import conversation_update

__all__ = [
    "agent_activity_seen",
    "agent_availability_set",
    "agents_idle_away",
    "conversation_handover",
    "conversation_team_set",
    "routing_backlog_enqueue",
    "routing_drain",
    "routing_drain_due",
    "MAX_PARTICIPANTS",
    "AttachmentDraft",
    "Author",
    "MessageDraft",
    "canned_reply_delete",
    "canned_reply_save",
    "chat_thread_create",
    "conversation_assign",
    "conversation_close",
    "conversation_create",
    "conversation_merge",
    "conversation_reopen",
    "conversation_set_status",
    "conversation_snooze",
    "conversation_wake",
    "conversation_update",
    "conversation_upsert",
    "conversations_lock_for_customer",
    "conversations_wake_due",
    "customer_conversations_delete",
    "BULK_ACTIONS",
    "desk_bulk",
    "desk_assign",
    "desk_line",
    "desk_reply",
    "desk_status_change",
    "customer_history_merge",
    "customer_message_send",
    "label_add",
    "label_get_or_create",
    "label_remove",
    "labels_set",
    "message_attachment_add",
    "message_post",
    "message_text_edit",
    "messages_post_batch",
    "note_add",
    "participant_add",
    "receipts_mark_received",
    "read_marker_advance",
    "receipts_raise_status",
    "staff_entry_post",
    "thread_ensure_can_open",
]
