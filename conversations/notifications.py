"""What a new message and agent typing set off outside the server: the webhook event, pushes to the customers'
devices (client API §7.4) and the missed-message email. All are outbox rows written in the caller's transaction."""

from __future__ import annotations

import time

from django.core.cache import cache

from agents.models import Agent
from conversations.events import Author, message_created, typing_event
from conversations.live import message_live
from conversations.media_serving import agent_avatar_url
from conversations.missed_email import missed_email_schedule
from conversations.models import Conversation, Message, Participant, Receipt
from devices.models import Customer
from devices.push.payloads import parley_message, parley_typing
from devices.push.services import push_to_customers

# Seconds. The desk re-sends "start" every 10 s; the SDKs hide the indicator after 15 s. The stored times decide
# (the cache's expiry only cleans up: its clock and granularity differ between backends).
TYPING_PUSH_EVERY = 9
TYPING_SHOWN_SECONDS = 15


def message_notify(*, conversation: Conversation, message: Message, author: Author, recipient_ids: list[int]) -> None:
    """Caller: `message_post`, inside its transaction, for a message that is not imported.

    Messages in spam conversations set off nothing (integration API §8.8). Pushes (client API §7.4): a message of
    staff or another participant to every recipient's devices, a customer's own never back to them; a silent
    staff line (typeId 5) without alert text; no push for a message without author (typeId 3: the [S2]
    `SystemMessage`, "no notifications", checklist row 39).
    """
    message_live(conversation=conversation, message=message, author=author, recipient_ids=recipient_ids)
    if conversation.status == Conversation.Status.SPAM:
        return
    message_created(conversation=conversation, message=message, author=author)
    if message.is_private:
        return  # an agent's note: to the desk and webhooks only
    if author is None or (message.is_silent and isinstance(author, Customer)):
        return
    readers = [pk for pk in recipient_ids if not (isinstance(author, Customer) and pk == author.pk)]
    if not readers:
        return  # a customer's own message is never pushed back (Android would show it twice)
    account = conversation.account
    type_id = Receipt.type_id_for(reader_id=0, author=author, silent=message.is_silent)  # as every other reader sees it
    alert = {"title": message.title or account.name, "body": account.generic_push_message or _preview(message)}
    push_to_customers(
        account_id=account.pk,
        customer_ids=readers,
        parley=parley_message(message_id=message.pk, type_id=type_id, title=message.title or None, body=message.text),
        alert=None if type_id == Receipt.TypeId.AGENT_SYSTEM else alert,
        reference=f"message:{message.pk}",
    )
    if isinstance(author, Agent) and not message.is_silent:
        missed_email_schedule(conversation=conversation, message=message, customer_ids=readers)


def _preview(message: Message) -> str:
    return message.text or "Sent you an attachment."


def agent_typing_notify(*, conversation: Conversation, agent: Agent, typing: bool, was_typing: bool) -> None:
    """Agent typing: `typing.*` webhook events on each change, and `startTyping` pushes every 10 s while it lasts
    (the SDKs hide the indicator after 15 s), then one `stopTyping` if a start was shown (client API §7.4)."""
    if typing != was_typing:
        typing_event(account_id=conversation.account_id, conversation_id=conversation.pk, started=typing, who=agent)
    sent, shown = _typing_push_keys(conversation, agent)
    now = time.time()
    if typing:
        cache.set(shown, now, TYPING_SHOWN_SECONDS)
        last = cache.get(sent)
        if last is not None and now - last < TYPING_PUSH_EVERY:
            return
        cache.set(sent, now, TYPING_PUSH_EVERY)
    else:
        started = cache.get(shown)
        cache.delete_many([sent, shown])
        if started is None or now - started > TYPING_SHOWN_SECONDS:
            return  # no indicator is showing: nothing to stop
    avatar = agent_avatar_url(agent.avatar.name) if agent.avatar else None
    push_to_customers(
        account_id=conversation.account_id,
        customer_ids=Participant.objects.filter(conversation=conversation).values_list("customer_id", flat=True),
        parley=parley_typing(started=typing, agent={"id": agent.pk, "name": agent.display_name, "avatar": avatar}),
        alert=None,
        reference=f"conversation:{conversation.public_id}",
    )


def _typing_push_keys(conversation: Conversation, agent: Agent) -> tuple[str, str]:
    return f"typing:push:sent:{conversation.pk}:{agent.pk}", f"typing:push:shown:{conversation.pk}:{agent.pk}"


def agent_typing_forget(*, conversation: Conversation, agent: Agent) -> None:
    """The agent's message has arrived: it hides the indicator by itself, so no `stopTyping` push follows."""
    cache.delete_many(_typing_push_keys(conversation, agent))
