"""In-process hooks. Sent only after the write committed.

Work that leaves the server (push, webhooks, email) does not hang off this signal: `message_post` writes it as
outbox rows in its own transaction (`conversations.notifications`), so it cannot be lost between commit and send.
"""

from django.dispatch import Signal

# Sent with `message_id` once a message is committed. Not sent for imported messages.
message_posted = Signal()

# Routing (#20), each sent after the commit. `session_opened` (`conversation_id`): a customer's message opened a
# session in an unassigned conversation. `capacity_freed` (`account_id`): a conversation stopped awaiting its
# assignee (closed, snoozed, unassigned, reassigned), so an agent may take the next in the queue.
session_opened = Signal()
capacity_freed = Signal()
