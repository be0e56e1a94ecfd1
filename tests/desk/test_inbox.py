"""The inbox: views, filters and counts, rows, order, search, and the cheap poll (ETag and 304)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agents.models import Account, Agent
from agents.services import agent_create
from conversations.models import Conversation
from conversations.services import conversation_assign, conversation_set_status
from devices.models import Customer
from tests.desk.helpers import url
from tests.factories import make_agent, make_conversation, make_customer, make_registered_customer, post

pytestmark = pytest.mark.django_db

POLL = {"partial": "1"}


def chat_with(account: Account, customer: Customer, *texts: str) -> Conversation:
    conversation = make_conversation(account=account, customers=[customer])
    for text in texts:
        post(conversation, customer, text)
    conversation.refresh_from_db()
    return conversation


def rows(response) -> list[int]:
    return [conversation.pk for conversation in response.context["rows"]]


def test_the_views_split_unassigned_mine_and_all_with_their_counts(desk: Client, account: Account, agent: Agent):
    colleague = make_agent(account=account)
    unassigned = chat_with(account, make_customer(account=account), "one")
    mine = chat_with(account, make_customer(account=account), "two")
    theirs = chat_with(account, make_customer(account=account), "three")
    conversation_assign(conversation=mine, assignee=agent)
    conversation_assign(conversation=theirs, assignee=colleague)

    pages = {view: desk.get(url("inbox"), {"view": view}) for view in ("unassigned", "mine", "all")}

    assert {view: set(rows(page)) for view, page in pages.items()} == {
        "unassigned": {unassigned.pk},
        "mine": {mine.pk},
        "all": {unassigned.pk, mine.pk, theirs.pk},
    }
    assert pages["all"].context["counts"] == {"unassigned": 1, "mine": 1, "all": 3}


def test_the_status_filter_and_its_counts(desk: Client, account: Account, agent: Agent):
    active = chat_with(account, make_customer(account=account), "active")
    pending = chat_with(account, make_customer(account=account), "pending")
    post(pending, agent, "We are looking into it.")
    closed = chat_with(account, make_customer(account=account), "closed")
    spam = chat_with(account, make_customer(account=account), "spam")
    conversation_assign(conversation=pending, assignee=agent)
    conversation_set_status(conversation=closed, status="closed", by=agent)
    conversation_set_status(conversation=spam, status="spam", by=agent)
    statuses = ("open", "active", "pending", "closed", "spam", "all")

    pages = {status: desk.get(url("inbox"), {"status": status}) for status in statuses}

    assert {status: set(rows(page)) for status, page in pages.items()} == {
        "open": {active.pk, pending.pk},
        "active": {active.pk},
        "pending": {pending.pk},
        "closed": {closed.pk},
        "spam": {spam.pk},
        "all": {active.pk, pending.pk, closed.pk, spam.pk},
    }
    assert {status: page.context["counts"] for status, page in pages.items()} == {
        "open": {"unassigned": 1, "mine": 1, "all": 2},
        "active": {"unassigned": 1, "mine": 0, "all": 1},
        "pending": {"unassigned": 0, "mine": 1, "all": 1},
        "closed": {"unassigned": 1, "mine": 0, "all": 1},
        "spam": {"unassigned": 1, "mine": 0, "all": 1},
        "all": {"unassigned": 3, "mine": 1, "all": 4},
    }


def test_the_inbox_shows_open_conversations_by_default(desk: Client, account: Account, agent: Agent):
    active = chat_with(account, make_customer(account=account), "active")
    pending = chat_with(account, make_customer(account=account), "pending")
    post(pending, agent, "We are looking into it.")
    closed = chat_with(account, make_customer(account=account), "closed")
    conversation_set_status(conversation=closed, status="closed", by=agent)

    page = desk.get(url("inbox"))
    unknown = desk.get(url("inbox"), {"status": "nonsense"})

    assert page.context["status"] == unknown.context["status"] == "open"
    assert set(rows(page)) == set(rows(unknown)) == {active.pk, pending.pk}
    assert page.context["counts"] == {"unassigned": 2, "mine": 0, "all": 2}
    assert '<option value="open" selected>Open</option>' in page.content.decode()


def test_an_agent_of_several_accounts_filters_by_account(client: Client, account: Account, other_account: Account):
    both = agent_create(username="both", display_name="Both", accounts={account: "agent", other_account: "agent"})
    here = chat_with(account, make_customer(account=account), "here")
    there = chat_with(other_account, make_customer(account=other_account), "there")
    client.force_login(both.user)

    everything = client.get(url("inbox"))
    filtered = client.get(url("inbox"), {"account": other_account.pk})

    assert set(rows(everything)) == {here.pk, there.pk}
    assert rows(filtered) == [there.pk]
    assert filtered.context["counts"] == {"unassigned": 1, "mine": 0, "all": 1}
    assert b"All accounts" in everything.content


def test_a_row_shows_the_customer_the_last_message_the_wait_the_assignee_and_the_unread_count(
    desk: Client, account: Account, agent: Agent
):
    anonymous = make_customer(account=account)
    conversation = chat_with(account, anonymous, "Hello", "Anyone?")
    conversation_assign(conversation=conversation, assignee=agent)

    response = desk.get(url("inbox"))

    row = response.context["rows"][0]
    assert (row.last_text, row.unread, row.assignee, row.waiting_since) == (
        "Anyone?",
        2,
        agent,
        conversation.waiting_since,
    )
    html = response.content.decode()
    assert f">Anonymous {str(anonymous.uuid)[:8]}</a>" in html
    assert '<span class="badge" role="img" aria-label="2 unread">2</span>' in html
    assert f'<td data-label="Assignee">{agent.display_name}</td>' in html


def test_the_preview_is_the_first_line_of_the_last_message(desk: Client, account: Account):
    chat_with(account, make_customer(account=account), "My parcel has not arrived.\nOrder 1234, sent Monday.")

    response = desk.get(url("inbox"))

    assert re.findall(r'<td class="preview">(.*?)</td>', response.content.decode()) == ["My parcel has not arrived."]


def test_the_longest_waiting_come_first(desk: Client, account: Account, agent: Agent):
    newer = chat_with(account, make_customer(account=account), "newer")
    older = chat_with(account, make_customer(account=account), "older")
    answered = chat_with(account, make_customer(account=account), "answered")
    post(answered, agent, "Done!")  # pending now, and waiting no more
    conversation_set_status(conversation=answered, status="active", by=agent)
    Conversation.objects.filter(pk=older.pk).update(waiting_since=timezone.now() - timedelta(hours=2))

    response = desk.get(url("inbox"))

    assert rows(response) == [older.pk, newer.pk, answered.pk]


def test_the_unread_count_belongs_to_each_agent(desk: Client, account: Account, agent: Agent):
    colleague = make_agent(account=account)
    conversation = chat_with(account, make_customer(account=account), "one", "two")
    colleague_desk = Client()
    colleague_desk.force_login(colleague.user)

    colleague_desk.get(url("conversation", conversation))

    assert [row.unread for row in colleague_desk.get(url("inbox")).context["rows"]] == [0]
    assert [row.unread for row in desk.get(url("inbox")).context["rows"]] == [2]
    desk.get(url("conversation", conversation))
    assert [row.unread for row in desk.get(url("inbox")).context["rows"]] == [0]


def test_a_closed_or_spam_conversation_shows_no_unread_badge_to_any_agent(desk: Client, account: Account, agent: Agent):
    colleague = make_agent(account=account)
    closed = chat_with(account, make_customer(account=account), "Hello", "Anyone?")
    spam = chat_with(account, make_customer(account=account), "Buy now")
    conversation_set_status(conversation=closed, status="closed", by=colleague)
    conversation_set_status(conversation=spam, status="spam", by=colleague)

    page = desk.get(url("inbox"), {"status": "all"})

    assert {row.pk: row.unread for row in page.context["rows"]} == {closed.pk: 0, spam.pk: 0}
    assert 'class="badge"' not in page.content.decode()

    post(closed, closed.primary_customer, "Still there?")  # the customer reopens it: it needs someone again

    assert {row.pk: row.unread for row in desk.get(url("inbox")).context["rows"]} == {closed.pk: 3}


@pytest.mark.parametrize(
    ("query", "found"),
    [("ada@example", "Ada"), ("+31 20", "Ada"), ("crm-77", "Grace"), ("lovel", "Ada"), ("GRACE", "Grace")],
)
def test_search_finds_customers_by_name_email_phone_and_fk_id(desk: Client, account: Account, query: str, found: str):
    make_customer(account=account, first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="+31 20 1")
    grace = make_registered_customer(account=account, fk_id="crm-77")
    Customer.objects.filter(pk=grace.pk).update(name="Grace Hopper")

    response = desk.get(url("inbox"), {"q": query})

    assert [customer.display_name.split()[0] for customer in response.context["results"].customers] == [found]


def test_a_customer_found_by_search_links_to_their_latest_conversation(desk: Client, account: Account):
    ada = make_customer(account=account, name="Ada Lovelace", email="ada@example.com")
    chat_with(account, ada, "An old question")
    latest = chat_with(account, ada, "A new question")

    response = desk.get(url("inbox"), {"q": "ada@example"})

    html = response.content.decode()
    assert re.search(rf'<a href="/desk/conversations/{latest.pk}/\?[^"]*"[^>]*>Ada Lovelace</a>', html), html


def test_search_finds_messages_by_their_text(desk: Client, account: Account):
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = chat_with(account, customer, "Where is my refund?", "Also, can I change my address?")

    response = desk.get(url("inbox"), {"q": "refund"})

    assert [(m.conversation_id, m.text) for m in response.context["results"].messages] == [
        (conversation.pk, "Where is my refund?")
    ]
    assert response.context["results"].customers == []
    html = response.content.decode()
    # The match in context: the conversation's customer links to it, the excerpt marks the words found.
    assert re.search(rf'<a href="/desk/conversations/{conversation.pk}/\?[^"]*"[^>]*>Ada Lovelace</a>', html), html
    assert '<p class="excerpt">Where is my <mark>refund</mark>?</p>' in html


def test_the_poll_answers_304_while_nothing_changed_and_200_once_a_message_came(
    desk: Client, account: Account, customer: Customer
):
    conversation = chat_with(account, customer, "Hello")

    first = desk.get(url("inbox"), POLL)
    unchanged = desk.get(url("inbox"), POLL, headers={"If-None-Match": first["ETag"]})
    post(conversation, customer, "Hello again")
    changed = desk.get(url("inbox"), POLL, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert b"Hello again" in changed.content
    assert b"<html" not in changed.content


def test_the_poll_answers_200_once_another_agent_took_the_conversation(
    desk: Client, account: Account, customer: Customer
):
    conversation = chat_with(account, customer, "Hello")
    first = desk.get(url("inbox"), POLL)

    conversation_assign(conversation=conversation, assignee=make_agent(account=account))

    assert desk.get(url("inbox"), POLL, headers={"If-None-Match": first["ETag"]}).status_code == 200


def test_the_poll_answers_200_once_the_agent_read_a_conversation_elsewhere(desk: Client, account: Account):
    # Read B (the newest message), then let the inbox poll: A's badge is still up.
    a = chat_with(account, make_customer(account=account), "A: hello")
    b = chat_with(account, make_customer(account=account), "B: hello")
    desk.get(url("conversation", b))
    first = desk.get(url("inbox"), POLL)
    assert [(row.pk, row.unread) for row in first.context["rows"]] == [(a.pk, 1), (b.pk, 0)]

    desk.get(url("conversation", a))  # in another tab

    again = desk.get(url("inbox"), POLL, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert [(row.pk, row.unread) for row in again.context["rows"]] == [(a.pk, 0), (b.pk, 0)]


def test_the_full_page_carries_no_etag(desk: Client, account: Account, customer: Customer):
    chat_with(account, customer, "Hello")

    response = desk.get(url("inbox"))

    assert response.status_code == 200
    assert not response.has_header("ETag")
