"""Labels (Help Scout's tags) on conversations: an account's own set, made as they are first used.

Each change by an agent leaves one line in the timeline, as the desk's other actions do, but private (agents only:
a customer never learns how they were labelled); a change through the API leaves none (as its status changes).
Every change is a `conversation.updated` event.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from agents.models import Account, Agent
from conversations.events import Event, conversation_event
from conversations.models import Conversation, ConversationLabel, Label
from conversations.services.desk import desk_line
from conversations.services.locks import conversation_lock
from messenger_project.errors import ServiceError

LABEL_NAME_MAX = 50
MAX_LABELS_PER_CONVERSATION = 50


def label_name_clean(name: str) -> str:
    """Spaces trimmed and runs of them made one; 1–50 characters (`invalid_label`)."""
    cleaned = " ".join(str(name).split())
    if not cleaned or len(cleaned) > LABEL_NAME_MAX:
        raise ServiceError("invalid_label", message=f"A label has 1 to {LABEL_NAME_MAX} characters.")
    return cleaned


def label_get_or_create(*, account: Account, name: str, colour: str = "") -> Label:
    """The account's label of that name (whatever its case), made if it has none."""
    name = label_name_clean(name)
    existing = Label.objects.filter(account=account, name__iexact=name).first()
    if existing is not None:
        return existing
    label = Label(account=account, name=name, colour=colour)
    label.full_clean(exclude=["account"], validate_constraints=False)
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError:  # made meanwhile by another request
        return Label.objects.get(account=account, name__iexact=name)
    return label


def label_add(*, conversation: Conversation, name: str, actor_agent: Agent | None = None) -> Label:
    """Put the label on the conversation (made in the account if missing); already there, nothing changes."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        label = label_get_or_create(account=conversation.account, name=name)
        _labels_change(conversation=conversation, add=[label], remove=[], agent=actor_agent)
    return label


def label_remove(*, conversation: Conversation, name: str, actor_agent: Agent | None = None) -> bool:
    """Take the label off the conversation; False when it was not on it."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        label = Label.objects.filter(account_id=conversation.account_id, name__iexact=label_name_clean(name)).first()
        on = label is not None and ConversationLabel.objects.filter(conversation=conversation, label=label).exists()
        if on:
            _labels_change(conversation=conversation, add=[], remove=[label], agent=actor_agent)
    return on


def labels_set(*, conversation: Conversation, names: Sequence[str], actor_agent: Agent | None = None) -> list[Label]:
    """The conversation's labels become exactly `names` (case-insensitive; missing ones are made in the account)."""
    by_key: dict[str, str] = {}
    for name in names:  # the first spelling of a name counts
        cleaned_name = label_name_clean(name)
        by_key.setdefault(cleaned_name.lower(), cleaned_name)
    cleaned = list(by_key.values())
    if len(cleaned) > MAX_LABELS_PER_CONVERSATION:
        raise ServiceError("too_many_labels", message=f"At most {MAX_LABELS_PER_CONVERSATION} labels.")
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        wanted = [label_get_or_create(account=conversation.account, name=n) for n in cleaned]
        current = list(conversation.labels.all())
        current_ids, wanted_ids = {label.pk for label in current}, {label.pk for label in wanted}
        _labels_change(
            conversation=conversation,
            add=[label for label in wanted if label.pk not in current_ids],
            remove=[label for label in current if label.pk not in wanted_ids],
            agent=actor_agent,
        )
    return sorted(wanted, key=lambda label: (label.name.lower(), label.pk))


def _labels_change(*, conversation: Conversation, add: list[Label], remove: list[Label], agent: Agent | None) -> None:
    """Caller holds the conversation's lock."""
    present = set(ConversationLabel.objects.filter(conversation=conversation).values_list("label_id", flat=True))
    add = [label for label in add if label.pk not in present]
    if not add and not remove:
        return
    if add and conversation.labels.count() + len(add) - len(remove) > MAX_LABELS_PER_CONVERSATION:
        raise ServiceError("too_many_labels", message=f"At most {MAX_LABELS_PER_CONVERSATION} labels.")
    ConversationLabel.objects.bulk_create(
        [ConversationLabel(conversation=conversation, label=label, added_by=agent) for label in add]
    )
    ConversationLabel.objects.filter(conversation=conversation, label__in=remove).delete()
    conversation.save(update_fields=["updated_at"])  # the inbox's and the API's `modifiedSince` see the change
    conversation_event(conversation=conversation, event=Event.CONVERSATION_UPDATED)
    if agent is not None:
        desk_line(conversation=conversation, agent=agent, action="labels", text=_line_text(add, remove), private=True)


def _line_text(add: list[Label], remove: list[Label]) -> str:
    def names(labels: list[Label]) -> str:
        return ", ".join(f"“{label.name}”" for label in labels)

    parts = []
    if add:
        parts.append(f"added the label{'s' if len(add) > 1 else ''} {names(add)}")
    if remove:
        parts.append(f"removed the label{'s' if len(remove) > 1 else ''} {names(remove)}")
    return " and ".join(parts)
