"""A conversation started whole, with its first threads (Help Scout's `POST /conversations`), and a conversation
deleted for good (Help Scout's `DELETE /conversations/{id}`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from agents.models import Account, Agent
from agents.services import audit_record
from conversations.models import Conversation, Message
from conversations.services.labels import labels_set
from conversations.services.notes import note_add
from conversations.services.posting import conversation_create, message_post
from conversations.services.updates import KEEP, conversation_update
from devices.models import Customer
from devices.services import customer_api_create


@dataclass(frozen=True)
class ThreadDraft:
    """One first thread: `customer` (the customer writes), `reply` (an agent answers) or `note` (private)."""

    kind: str
    text: str
    author: Agent | None = None  # a reply's or a note's agent


def numeric_public_id(account: Account) -> str:
    """A free, Help Scout-like numeric id (10 digits): the clients read `Resource-ID` as a number."""
    while True:
        candidate = str(1_000_000_000 + secrets.randbelow(9_000_000_000))
        if not Conversation.objects.filter(account=account, public_id=candidate).exists():
            return candidate


def conversation_start(
    *,
    account: Account,
    customer: Customer | None,
    new_customer: dict | None = None,
    subject: str,
    threads: Sequence[ThreadDraft],
    status: str | None = None,
    tags: Sequence[str] = (),
    assignee: Agent | None = KEEP,
    origin: str = Message.Origin.REST,
) -> Conversation:
    """A new conversation of `customer` (or of a customer made of `new_customer`'s fields, `customer_api_create`)
    holding `threads` in order, then tagged, assigned and set to `status` (each through the service the desk uses).
    A `customer` thread's author is the customer. All or nothing."""
    with transaction.atomic():
        if customer is None:
            customer = customer_api_create(account=account, **(new_customer or {}))
        conversation = conversation_create(
            account=account,
            customers=[customer],
            public_id=numeric_public_id(account),
            source="api",
            subject=subject,
        )
        for draft in threads:
            if draft.kind == "note":
                note_add(conversation=conversation, agent=draft.author, text=draft.text, origin=origin)
            else:
                author = customer if draft.kind == "customer" else draft.author
                message_post(conversation=conversation, author=author, text=draft.text, origin=origin)
        if tags:
            labels_set(conversation=conversation, names=list(tags))
        conversation.refresh_from_db()
        if assignee is not KEEP or (status and status != conversation.public_status):
            wanted = status if status and status != conversation.public_status else None
            conversation = conversation_update(conversation=conversation, assignee=assignee, status=wanted)
    return conversation


def conversation_delete(*, conversation: Conversation, by: str) -> None:
    """Deletes the conversation for good: its threads, messages and files, and the tombstones merged into it.

    Customers whose current conversation it was have none; the deletion is in the audit log (`by` names who).
    """
    with transaction.atomic():
        doomed, frontier = [conversation.pk], [conversation.pk]
        while frontier:  # the merge tombstones pointing here (A → B → this), which hold nothing of their own
            frontier = list(Conversation.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
            doomed += frontier
        Customer.objects.filter(current_conversation_id__in=doomed).update(current_conversation=None)
        Conversation.objects.filter(previous_conversation_id__in=doomed).update(previous_conversation=None)
        Conversation.objects.filter(pk__in=doomed).delete()
        audit_record(
            actor=None,
            action="delete conversation",
            account=conversation.account,
            target=f"conversation {conversation.public_id} ({by})",
        )
