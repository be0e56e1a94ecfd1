"""The desk's pages keep a flat query count however many conversations and messages there are, and a poll that
carries nothing new is cheap: the inbox answers 304 from its ETag, the conversation poll reads after a cursor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agents.models import Account, Agent
from agents.services import agent_create
from conversations.models import Conversation
from conversations.services import conversation_assign, conversation_set_status, desk_reply
from tests.desk.helpers import png_upload, url
from tests.factories import make_agent, make_conversation, make_customer, make_device, post

pytestmark = pytest.mark.django_db


def queries(client: Client, path: str, *, status: int = 200, **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **kwargs)
    assert response.status_code == status, response.content[:500]
    return [query["sql"] for query in captured.captured_queries]


def writes(sql: list[str]) -> list[str]:
    return [query for query in sql if query.split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


@pytest.fixture
def two_account_agent(account: Account, other_account: Account) -> Agent:
    """Serves two accounts, so rows also name their account."""
    return agent_create(username="both", display_name="Both", accounts={account: "agent", other_account: "agent"})


def add_inbox_conversations(n: int, *, accounts: list[Account], agent: Agent, colleague: Agent) -> None:
    """Conversations of both accounts: named and anonymous customers, assigned or not, answered or not."""
    for i in range(n):
        account = accounts[i % 2]
        customer = make_customer(account=account, **({"name": f"Customer {i}"} if i % 3 else {}))
        conversation = make_conversation(account=account, customers=[customer])
        post(conversation, customer, f"question {i}")
        if i % 4 == 1:
            conversation_assign(conversation=conversation, assignee=agent)
        elif i % 4 == 2 and account == accounts[0]:
            conversation_assign(conversation=conversation, assignee=colleague)
        if i % 5 == 3:
            post(conversation, agent, f"answer {i}")
            conversation_set_status(conversation=conversation, status="active", by=agent)
        post(conversation, customer, f"follow-up {i}")


@pytest.mark.parametrize("view", ["all", "unassigned", "mine"])
def test_the_inbox_query_count_is_the_same_for_1_and_30_conversations(
    client: Client, account: Account, other_account: Account, two_account_agent: Agent, view: str
):
    colleague = make_agent(account=account)
    client.force_login(two_account_agent.user)
    add_inbox_conversations(2, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    few = queries(client, url("inbox"), data={"view": view})

    add_inbox_conversations(30, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    many = queries(client, url("inbox"), data={"view": view})

    assert Conversation.objects.count() == 32
    assert len(many) == len(few)
    assert writes(many) == []


def test_the_inbox_search_query_count_is_the_same_for_1_and_30_conversations(
    client: Client, account: Account, other_account: Account, two_account_agent: Agent
):
    colleague = make_agent(account=account)
    client.force_login(two_account_agent.user)
    add_inbox_conversations(1, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    few = queries(client, url("inbox"), data={"q": "question"})

    add_inbox_conversations(30, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    many = queries(client, url("inbox"), data={"q": "question"})

    assert len(many) == len(few)


def test_the_inbox_poll_with_nothing_new_is_a_304_of_a_few_queries_whatever_the_inbox_holds(
    client: Client, account: Account, other_account: Account, two_account_agent: Agent
):
    colleague = make_agent(account=account)
    client.force_login(two_account_agent.user)
    add_inbox_conversations(1, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    etag = client.get(url("inbox"), {"partial": "1"})["ETag"]
    few = queries(client, url("inbox"), status=304, data={"partial": "1"}, headers={"If-None-Match": etag})
    full = queries(client, url("inbox"), data={"partial": "1"})

    add_inbox_conversations(30, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    etag = client.get(url("inbox"), {"partial": "1"})["ETag"]
    many = queries(client, url("inbox"), status=304, data={"partial": "1"}, headers={"If-None-Match": etag})

    assert len(many) == len(few) == 5  # session, user, agent, the inbox version: 2 aggregates
    assert len(full) == 9  # and the rows' labels
    assert [query for query in many if "conversations_message" in query] == []


def make_history(*, account: Account, agent: Agent, messages: int) -> Conversation:
    """A customer with two devices and an earlier conversation; `messages` messages of every kind, an image,
    and desk actions that closed and reopened threads."""
    customer = make_customer(account=account, name="Ada Lovelace", email=f"ada-{messages}@example.com")
    make_device(customer=customer, device_type=3, sdk_version="2.0.0")
    make_device(customer=customer, device_type=1, sdk_version="3.13.0")
    post(make_conversation(account=account, customers=[customer]), customer, "an earlier question")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "first question")
    desk_reply(conversation=conversation, agent=agent, text="a picture", image=png_upload())
    for n in range(messages - 3):
        if n % 40 == 39:
            conversation_set_status(conversation=conversation, status="closed", by=agent)
            conversation_set_status(conversation=conversation, status="active", by=agent)
        post(conversation, customer if n % 2 else agent, f"message {n}")
    post(conversation, None, "The shop closes at six.")
    return conversation


def test_the_conversation_page_query_count_is_the_same_for_10_and_300_messages(
    desk: Client, account: Account, agent: Agent
):
    short = make_history(account=account, agent=agent, messages=10)
    long = make_history(account=account, agent=agent, messages=300)

    few = queries(desk, url("conversation", short))
    many = queries(desk, url("conversation", long))

    assert short.messages.count() == 10
    assert long.messages.count() == 300
    assert len(many) == len(few)


def test_the_conversation_poll_with_nothing_new_is_as_cheap_for_10_as_for_300_messages_and_writes_nothing(
    desk: Client, account: Account, agent: Agent
):
    short = make_history(account=account, agent=agent, messages=10)
    long = make_history(account=account, agent=agent, messages=300)
    desk.get(url("conversation", short))
    desk.get(url("conversation", long))

    few = queries(desk, url("conversation-updates", short), data={"after": short.messages.latest("id").pk})
    many = queries(desk, url("conversation-updates", long), data={"after": long.messages.latest("id").pk})

    assert len(many) == len(few) == 6  # session, user, agent, conversation, messages after the cursor, delivery
    assert writes(many) == []


def test_the_conversation_poll_with_new_messages_keeps_its_count(desk: Client, account: Account, agent: Agent):
    conversation = make_history(account=account, agent=agent, messages=10)
    customer = conversation.primary_customer
    desk.get(url("conversation", conversation))
    cursor = conversation.messages.latest("id").pk
    post(conversation, customer, "one new")
    one = queries(desk, url("conversation-updates", conversation), data={"after": cursor})

    cursor = conversation.messages.latest("id").pk
    for n in range(20):
        post(conversation, customer if n % 2 else agent, f"new {n}")
    twenty = queries(desk, url("conversation-updates", conversation), data={"after": cursor})

    assert len(twenty) == len(one)


# The budgets of the hot pages, pinned: a change that adds a query to one of them fails here and says so.
INBOX_BUDGET = 10  # session, user, agent; counts, rows, their labels, accounts, assignees, labels, flash
SEARCH_BUDGET = 10  # …, the customers and one page of messages instead of the rows and their labels
PANE_BUDGET = 22  # the panes for htmx: conversation, timeline, customers, read marker, assignable, teams, ratings…
PAGE_BUDGET = PANE_BUDGET + 4  # and the list beside it


def test_the_hot_desk_pages_stay_within_their_pinned_query_budgets(
    client: Client,
    account: Account,
    other_account: Account,
    two_account_agent: Agent,
    django_assert_max_num_queries,
):
    colleague = make_agent(account=account)
    client.force_login(two_account_agent.user)
    add_inbox_conversations(30, accounts=[account, other_account], agent=two_account_agent, colleague=colleague)
    conversation = Conversation.objects.filter(account=account).order_by("pk").first()
    for i in range(60):
        post(conversation, conversation.primary_customer, f"question {i}")

    with django_assert_max_num_queries(INBOX_BUDGET):
        assert client.get(url("inbox")).status_code == 200
    with django_assert_max_num_queries(SEARCH_BUDGET):
        assert client.get(url("inbox"), {"q": "question", "status": "all"}).status_code == 200
    with django_assert_max_num_queries(PANE_BUDGET):
        assert client.get(url("conversation", conversation), headers={"HX-Request": "true"}).status_code == 200
    with django_assert_max_num_queries(PAGE_BUDGET):
        assert client.get(url("conversation", conversation)).status_code == 200
