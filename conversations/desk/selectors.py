"""Reads for the agent desk. Every query here is flat: its count does not grow with rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agents.models import Account, Agent
from conversations.models import (
    Conversation,
    Label,
    Media,
    Message,
    Participant,
    ReadMarker,
    Receipt,
    SatisfactionRating,
    Thread,
)
from conversations.selectors import conversations_with_label
from devices.models import Customer

INBOX_VIEWS = {"unassigned": _("Unassigned"), "mine": _("Mine"), "all": _("All")}
# The status filter: "open" (active or pending: what awaits someone, the default; not snoozed), each status, or any.
INBOX_STATUSES = {
    "open": _("Open"),
    "active": _("Active"),
    "pending": _("Pending"),
    "snoozed": _("Snoozed"),
    "closed": _("Closed"),
    "spam": _("Spam"),
    "all": _("Any status"),
}
# Longest waiting first (who needs an answer most), or the newest activity first.
INBOX_SORTS = {"waiting": _("Longest waiting"), "newest": _("Newest")}
INBOX_PAGE = 100
SEARCH_PAGE = 20
TIMELINE_PAGE = 50
DELIVERY_NAMES = {Receipt.Status.SEEN: "seen", Receipt.Status.RECEIVED: "received", Receipt.Status.AVAILABLE: "sent"}


def serves_every_account(agent: Agent) -> bool:
    """A superuser's agent serves every account, with or without memberships (as in the admin: the server's
    operators see every tenant, so a new account is never nobody's). Reads `agent.user` (set it to spare a query)."""
    return agent.user.is_active and agent.user.is_superuser


def _served(agent: Agent, account_path: str) -> Q:
    """The rows (reached from their account through `account_path`) of the accounts the agent serves."""
    return Q() if serves_every_account(agent) else Q(**{f"{account_path}memberships__agent": agent})


def desk_accounts(*, agent: Agent) -> QuerySet[Account]:
    return Account.objects.filter(_served(agent, "")).order_by("name")


def desk_conversations(*, agent: Agent) -> QuerySet[Conversation]:
    """The access rule of the desk: live, visible conversations of the accounts the agent serves."""
    return Conversation.objects.filter(_served(agent, "account__"), merged_into__isnull=True, visible=True)


def desk_media(*, agent: Agent) -> QuerySet[Media]:
    """Media of the accounts the agent serves."""
    return Media.objects.filter(_served(agent, "account__"))


def _filtered(
    *, agent: Agent, status: str, account_id: int | None, assignee_id: int | None = None, label_id: int | None = None
) -> QuerySet[Conversation]:
    conversations = desk_conversations(agent=agent)
    if status == "open":
        conversations = conversations.filter(status__in=Conversation.OPEN_STATUSES)
    elif status != "all":
        conversations = conversations.filter(status=status)
    if account_id:
        conversations = conversations.filter(account_id=account_id)
    if assignee_id:
        conversations = conversations.filter(assignee_id=assignee_id)
    if label_id:
        conversations = conversations_with_label(conversations, label_id)
    return conversations


def desk_inbox(
    *,
    agent: Agent,
    view: str,
    status: str,
    account_id: int | None = None,
    assignee_id: int | None = None,
    label_id: int | None = None,
    sort: str = "waiting",
) -> list[Conversation]:
    """Inbox rows with the last message, the agent's unread count (none when closed or spam) and waiting time;
    longest waiting first, or newest first."""
    conversations = _filtered(
        agent=agent, status=status, account_id=account_id, assignee_id=assignee_id, label_id=label_id
    )
    if view == "unassigned":
        conversations = conversations.filter(assignee__isnull=True)
    elif view == "mine":
        conversations = conversations.filter(assignee=agent)
    last_read = Coalesce(
        Subquery(
            ReadMarker.objects.filter(agent=agent, conversation=OuterRef(OuterRef("pk"))).values(
                "last_read_message_id"
            )[:1]
        ),
        Value(0),
    )
    unread = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), author_kind=Message.AuthorKind.CUSTOMER, pk__gt=last_read)
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    last_text = Subquery(
        Message.objects.filter(conversation=OuterRef("pk"), is_silent=False, is_private=False)
        .order_by("-id")
        .values("text")[:1]
    )
    ordering = [F("waiting_since").asc(nulls_last=True), F("last_activity_at").desc(nulls_last=True)]
    if sort == "newest":
        ordering = [F("last_activity_at").desc(nulls_last=True)]
    return list(
        conversations.select_related("account", "assignee", "primary_customer")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        # A closed or spam conversation awaits nobody: no unread badge, whoever looks.
        .annotate(
            unread=Case(When(status__in=Conversation.OPEN_STATUSES, then=Coalesce(unread, Value(0))), default=0),
            last_text=last_text,
        )
        .order_by(*ordering, "-pk")[:INBOX_PAGE]
    )


def desk_inbox_counts(
    *,
    agent: Agent,
    status: str,
    account_id: int | None = None,
    assignee_id: int | None = None,
    label_id: int | None = None,
) -> dict[str, int]:
    """The count of each view for the chosen filters, in one query."""
    filters = {"account_id": account_id, "assignee_id": assignee_id, "label_id": label_id}
    return _filtered(agent=agent, status=status, **filters).aggregate(
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        mine=Count("pk", filter=Q(assignee=agent)),
        all=Count("pk"),
    )


def desk_inbox_version(*, agent: Agent) -> str:
    """Changes whenever an inbox row could change (a message, a status, an assignment): the ETag of polls."""
    state = desk_conversations(agent=agent).aggregate(latest=Max("updated_at"), total=Count("pk"))
    # Read markers only move forward, so their sum changes whenever the agent reads anything, anywhere.
    marker = ReadMarker.objects.filter(agent=agent).aggregate(read=Sum("last_read_message_id"), n=Count("pk"))
    latest = state["latest"].timestamp() if state["latest"] else 0
    return f"{latest}-{state['total']}-{marker['read'] or 0}-{marker['n']}"


@dataclass(frozen=True)
class SearchResults:
    customers: list[Customer]
    messages: list[Message]
    page: int
    has_next: bool


def desk_search(
    *, agent: Agent, query: str, status: str = "all", label_id: int | None = None, page: int = 1
) -> SearchResults:
    """Customers by name, email, phone or fkId; messages by text (full-text search on PostgreSQL) in conversations
    of the chosen status, newest first, SEARCH_PAGE a page. Three queries, whatever the number of matches."""
    customers = Customer.objects.filter(_served(agent, "account__"), merged_into__isnull=True).filter(
        Q(name__icontains=query)
        | Q(first_name__icontains=query)
        | Q(last_name__icontains=query)
        | Q(email__icontains=query)
        | Q(phone__icontains=query)
        | Q(fk_id__icontains=query)
    )
    conversations = _filtered(agent=agent, status=status, account_id=None, label_id=label_id)
    messages = Message.objects.filter(conversation__in=conversations, is_silent=False).select_related(
        "conversation__primary_customer", "author_customer", "author_agent"
    )
    if connection.vendor == "postgresql":
        messages = messages.annotate(search=SearchVector("text")).filter(search=SearchQuery(query))
    else:
        messages = messages.filter(text__icontains=query)
    latest = (
        Participant.objects.filter(
            customer=OuterRef("pk"), conversation__visible=True, conversation__merged_into__isnull=True
        )
        .order_by(F("conversation__last_activity_at").desc(nulls_last=True))
        .values("conversation_id")[:1]
    )
    customers = customers.annotate(latest_conversation_id=Subquery(latest))
    start = (page - 1) * SEARCH_PAGE
    found = list(messages.order_by("-pk")[start : start + SEARCH_PAGE + 1])
    return SearchResults(
        customers=list(customers.order_by("name", "pk")[:20]) if page == 1 else [],
        messages=found[:SEARCH_PAGE],
        page=page,
        has_next=len(found) > SEARCH_PAGE,
    )


@dataclass(frozen=True)
class TimelineItem:
    """A message, or a thread event (opened / closed) drawn as a separator."""

    at: datetime
    message: Message | None = None
    thread: Thread | None = None
    event: str = ""

    @property
    def key(self) -> tuple:
        return (
            self.at,
            0 if self.event == "opened" else 2 if self.event == "closed" else 1,
            self.message.pk if self.message else 0,
        )


def desk_messages(*, conversation: Conversation) -> QuerySet[Message]:
    customer_receipts = Receipt.objects.exclude(type_id__in=(Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM))
    return conversation.messages.select_related("author_agent", "author_customer", "thread").prefetch_related(
        "attachments", Prefetch("receipts", queryset=customer_receipts, to_attr="customer_receipts")
    )


def _threads_with_desk_lines(*, conversation: Conversation) -> QuerySet[Thread]:
    """The conversation's threads, each marked when a desk action's line stands for its separator (one query):
    the close (or spam) line that went into the thread it closed, the reopen line that is the first message of
    the thread it opened (a reopen of a pending conversation lands in a thread that holds messages already)."""
    desk_lines = Message.objects.filter(author_kind=Message.AuthorKind.SYSTEM, origin=Message.Origin.DESK)
    first_message = Message.objects.filter(thread=OuterRef(OuterRef("pk"))).order_by("id").values("pk")[:1]
    return conversation.threads.select_related("opened_by_agent", "opened_by_customer", "closed_by_agent").annotate(
        closed_by_desk_line=Exists(desk_lines.filter(thread=OuterRef("pk"), custom__action__in=["close", "spam"])),
        opened_by_desk_line=Exists(desk_lines.filter(pk=Subquery(first_message), custom__action="reopen")),
    )


def desk_timeline(
    *, conversation: Conversation, before: int | None = None, after: int | None = None
) -> tuple[list[TimelineItem], bool]:
    """Messages oldest to newest with thread separators; (items, whether older messages exist)."""
    messages = desk_messages(conversation=conversation)
    if after is not None:
        page = list(messages.filter(pk__gt=after).order_by("id")[:TIMELINE_PAGE])
        has_older = False
    else:
        if before is not None:
            messages = messages.filter(pk__lt=before)
        newest_first = list(messages.order_by("-id")[: TIMELINE_PAGE + 1])
        has_older = len(newest_first) > TIMELINE_PAGE
        page = newest_first[:TIMELINE_PAGE][::-1]
    items = [TimelineItem(at=m.created_at, message=m) for m in page]
    if page and after is None:
        # A page shows the separators from its first message up to where the next (newer) page begins, so
        # a thread event between two pages belongs to the older one and is never lost.
        start = page[0].created_at if has_older else None
        end = (
            conversation.messages.filter(pk=before).values_list("created_at", flat=True).first()
            if before is not None
            else None
        )
        for thread in _threads_with_desk_lines(conversation=conversation):
            for event, at in (("opened", thread.created_at), ("closed", thread.closed_at)):
                if thread.closed_by_desk_line if event == "closed" else thread.opened_by_desk_line:
                    continue  # the desk's own line (a system message) says it already: one change, one line
                if at is not None and (start is None or at >= start) and (end is None or at < end):
                    items.append(TimelineItem(at=at, thread=thread, event=event))
    return sorted(items, key=lambda item: item.key), has_older


def message_delivery(message: Message) -> str:
    """sent / received / seen by the customer, for the agent's own messages (expects desk_messages)."""
    statuses = [r.status for r in getattr(message, "customer_receipts", [])]
    return DELIVERY_NAMES[max(statuses, default=Receipt.Status.AVAILABLE)]


def desk_conversation_customers(*, conversation: Conversation) -> QuerySet[Customer]:
    """The customers taking part in the conversation (the desk may edit these, from its page)."""
    return Customer.objects.filter(participations__conversation=conversation)


def desk_customer_panel(*, conversation: Conversation, agent: Agent) -> list[Customer]:
    """The customers of the conversation with their devices, the page they chatted from (`chat_referrer`: the
    latest referrer of their messages here, else of their most recently seen device) and their other
    conversations the agent may open. Three queries, however many customers, devices and conversations."""
    others = (
        Participant.objects.exclude(conversation=conversation)
        .filter(conversation__in=desk_conversations(agent=agent).filter(account_id=conversation.account_id))
        .select_related("conversation")
        .order_by(F("conversation__last_activity_at").desc(nulls_last=True), "-conversation_id")
    )
    latest_referrer = (
        Message.objects.filter(conversation=conversation, author_customer=OuterRef("pk"))
        .exclude(referrer="")
        .order_by("-id")
        .values("referrer")[:1]
    )
    customers = list(
        desk_conversation_customers(conversation=conversation)
        .annotate(message_referrer=Subquery(latest_referrer))
        .prefetch_related("devices", Prefetch("participations", queryset=others, to_attr="other_participations"))
        .order_by("pk")
    )
    for customer in customers:
        devices = customer.devices.all()  # newest seen first
        customer.chat_referrer = customer.message_referrer or next((d.referrer for d in devices if d.referrer), "")
    return customers


def desk_recent_delivery(*, conversation: Conversation, limit: int = 30) -> dict[str, str]:
    """sent / received / seen of the latest staff messages, in one query (for the live page)."""
    rows = (
        Receipt.objects.filter(message__conversation=conversation, message__author_kind=Message.AuthorKind.AGENT)
        .exclude(type_id__in=(Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM))
        .values("message_id")
        .annotate(best=Max("status"))
        .order_by("-message_id")[:limit]
    )
    return {str(row["message_id"]): DELIVERY_NAMES[row["best"]] for row in rows}


def desk_assignees(*, agent: Agent) -> QuerySet[Agent]:
    """The people (no bots) who serve the accounts the agent serves: the list's assignee filter."""
    if serves_every_account(agent):
        return Agent.objects.filter(is_bot=False).order_by("display_name")
    accounts = Account.objects.filter(memberships__agent=agent)
    return Agent.objects.filter(is_bot=False, memberships__account__in=accounts).distinct().order_by("display_name")


def desk_labels(*, agent: Agent) -> QuerySet[Label]:
    """The labels of the accounts the agent serves: the list's label filter."""
    return Label.objects.filter(_served(agent, "account__")).select_related("account").order_by("name", "pk")


def desk_conversation_ratings(*, conversation: Conversation) -> list[SatisfactionRating]:
    """The satisfaction prompts of the conversation's sessions (#20), newest first, with whom they count for: one
    query."""
    return list(
        SatisfactionRating.objects.filter(conversation=conversation)
        .select_related("agent")
        .order_by("-asked_at", "-pk")
    )
