"""Hooks for work that leaves the process (push, webhooks, the desk). Sent only after the write committed."""

from django.dispatch import Signal

# Sent with `message_id` once a message is committed. Not sent for imported messages.
message_posted = Signal()
