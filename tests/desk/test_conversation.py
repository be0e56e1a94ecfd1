"""The conversation page and its endpoints: timeline, customer panel, the `after` cursor, older pages, actions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from agents.models import Account, Agent
from conversations.desk.selectors import TIMELINE_PAGE
from conversations.models import Conversation, Message, ReadMarker
from conversations.services import conversation_set_status, desk_reply
from conversations.typing import agent_typing_get, customer_typing_set
from devices.models import Customer
from tests.desk.helpers import png_upload, url
from tests.factories import (
    make_agent,
    make_conversation,
    make_customer,
    make_device,
    make_imported_thread,
    make_registered_customer,
    post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(account: Account, customer: Customer) -> Conversation:
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello?")
    return conversation


def item_ids(html: str) -> list[int]:
    return [int(part.split('"', 1)[0]) for part in html.split('data-id="')[1:]]


def test_the_timeline_shows_authors_delivery_images_system_lines_and_thread_separators(
    desk: Client, account: Account, agent: Agent, customer: Customer
):
    conversation = make_conversation(account=account, customers=[customer])
    make_imported_thread(conversation=conversation)
    question = post(conversation, customer, "Can you see this?")
    answer = desk_reply(conversation=conversation, agent=agent, text="Yes", image=png_upload("label.png"))
    conversation_set_status(conversation=conversation, status="closed", by=agent)
    notice = post(conversation, None, "The shop closes at six.")

    html = desk.get(url("conversation", conversation)).content.decode()

    media = answer.attachments.get()
    assert f'<li class="item customer" data-id="{question.pk}" id="message-{question.pk}">' in html
    assert f'<li class="item agent" data-id="{answer.pk}" id="message-{answer.pk}">' in html
    assert f'<span class="delivery" data-delivery="{answer.pk}" aria-live="off">sent</span>' in html
    assert (
        f'<a href="/desk/media/{media.uuid}" target="_blank" rel="noopener">'
        f'<img class="thumb" src="/desk/media/{media.uuid}?thumb=1" alt="label.png">'
        '<span class="visually-hidden"> (opens in a new tab)</span></a>'
    ) in html
    assert f'<li class="item system" data-id="{notice.pk}" id="message-{notice.pk}">' in html
    assert html.count('class="separator"') == 4  # imported (opened, closed), then the session (opened, closed)
    assert "Thread opened (imported)" in html
    assert f"by {agent.display_name}" in html


def test_the_customer_panel_shows_the_profile_devices_and_other_conversations(desk: Client, account: Account):
    customer = make_registered_customer(account=account, fk_id="crm-42")
    Customer.objects.filter(pk=customer.pk).update(
        name="Ada Lovelace", email="ada@example.com", phone="+3120123", custom_data={"plan": "gold"}
    )
    make_device(customer=customer, device_type=3, sdk_version="2.0.0")
    earlier = make_conversation(account=account, customers=[customer], subject="Refund")
    post(earlier, customer, "Old question")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "New question")

    response = desk.get(url("conversation", conversation))

    html = response.content.decode()
    assert [c.pk for c in response.context["customers"]] == [customer.pk]
    for shown in (
        "<dt>Kind</dt><dd>Registered</dd>",
        "<dt>Email</dt><dd>ada@example.com</dd>",
        "<dt>Phone</dt><dd>+3120123</dd>",
        "<dt>fkId</dt><dd>crm-42</dd>",
        "<dt>plan</dt><dd>gold</dd>",
        "<li>Web 2.0.0 · push off · last seen",
        f'<a href="/desk/conversations/{earlier.pk}/" hx-get=',
    ):
        assert shown in html


def test_opening_the_page_marks_it_read_and_updates_continue_after_the_cursor(
    desk: Client, account: Account, customer: Customer, chat: Conversation
):
    page = desk.get(url("conversation", chat))
    last_id = page.context["last_id"]
    newer = [post(chat, customer, f"more {n}").pk for n in range(3)]

    update = desk.get(url("conversation-updates", chat), {"after": last_id}).json()
    nothing = desk.get(url("conversation-updates", chat), {"after": update["last_id"]}).json()

    assert item_ids(update["html"]) == newer
    assert update["last_id"] == newer[-1]
    assert (update["typing"], update["status"], update["assignee"]) == (False, "active", "")
    assert nothing == {
        "html": "",
        "last_id": newer[-1],
        "typing": False,
        "status": "active",
        "assignee": "",
        "delivery": {},
    }


def test_updates_carry_customer_typing_status_assignee_and_delivery(
    desk: Client, account: Account, agent: Agent, customer: Customer, chat: Conversation
):
    answer = desk_reply(conversation=chat, agent=agent, text="Hi")
    customer_typing_set(conversation_id=chat.pk, customer=customer, typing=True)

    update = desk.get(url("conversation-updates", chat), {"after": answer.pk}).json()

    assert (update["html"], update["last_id"], update["typing"], update["status"]) == ("", answer.pk, True, "pending")
    assert update["delivery"] == {str(answer.pk): "sent"}


def test_a_long_history_comes_in_pages_of_older_messages(desk: Client, customer: Customer, chat: Conversation):
    ids = [chat.messages.get().pk] + [post(chat, customer, f"line {n}").pk for n in range(TIMELINE_PAGE + 9)]

    page = desk.get(url("conversation", chat))
    older = desk.get(url("conversation-older", chat), {"before": ids[-TIMELINE_PAGE]}).json()
    refused = desk.get(url("conversation-older", chat), {"before": "x"})

    assert [item.message.pk for item in page.context["items"] if item.message] == ids[-TIMELINE_PAGE:]
    assert page.context["has_older"] is True
    assert item_ids(older["html"]) == ids[:-TIMELINE_PAGE]
    assert older["has_older"] is False
    assert (refused.status_code, refused.json()) == (400, {"error": "before must be a message id"})


def test_the_agents_typing_is_stored_for_the_app(desk: Client, agent: Agent, chat: Conversation):
    started = desk.post(url("conversation-typing", chat), {"state": "start"})
    typing = agent_typing_get(conversation_id=chat.pk)
    stopped = desk.post(url("conversation-typing", chat), {"state": "stop"})

    assert (started.status_code, stopped.status_code) == (204, 204)
    assert typing.agent_id == agent.pk
    assert agent_typing_get(conversation_id=chat.pk) is None


@pytest.mark.parametrize(
    ("action", "status", "line"),
    [("close", "closed", "closed the conversation"), ("spam", "spam", "marked the conversation as spam")],
)
def test_an_action_changes_the_status_and_leaves_a_silent_system_line(
    desk: Client, agent: Agent, chat: Conversation, action: str, status: str, line: str
):
    response = desk.post(url("conversation-action", chat), {"action": action})

    assert (response.status_code, response["Location"]) == (302, url("conversation", chat))
    chat.refresh_from_db()
    assert chat.status == status
    recorded = Message.objects.latest("id")
    assert (recorded.author_kind, recorded.is_silent, recorded.text, recorded.custom) == (
        "system",
        True,
        f"{agent.display_name} {line}",
        {"action": action, "agentId": agent.pk},
    )


@pytest.mark.parametrize(
    ("action", "line"), [("close", "closed the conversation"), ("spam", "marked the conversation as spam")]
)
def test_a_close_from_the_desk_writes_one_system_line_and_the_timeline_shows_one_line_for_it(
    desk: Client, agent: Agent, chat: Conversation, action: str, line: str
):
    thread = chat.threads.get()

    desk.post(url("conversation-action", chat), {"action": action})

    system = Message.objects.filter(conversation=chat, author_kind="system")
    assert [(m.text, m.custom, m.thread_id) for m in system] == [
        (f"{agent.display_name} {line}", {"action": action, "agentId": agent.pk}, thread.pk)
    ]
    html = desk.get(url("conversation", chat)).content.decode()
    assert re.findall(r'data-thread="([^"]+)"', html) == [f"{thread.pk}-opened"]  # no "Thread closed" besides
    assert html.count(line) == 1


def test_a_reopen_from_the_desk_shows_one_line_for_the_thread_it_opened(
    desk: Client, agent: Agent, customer: Customer, chat: Conversation
):
    first = chat.threads.get()
    desk.post(url("conversation-action", chat), {"action": "close"})

    desk.post(url("conversation-action", chat), {"action": "reopen"})

    second = chat.threads.get(status="open")
    html = desk.get(url("conversation", chat)).content.decode()
    assert re.findall(r'data-thread="([^"]+)"', html) == [f"{first.pk}-opened"]
    assert html.count("reopened the conversation") == 1
    assert Message.objects.get(custom__action="reopen").thread_id == second.pk


def test_reopening_a_pending_conversation_keeps_its_threads_opened_line(
    desk: Client, agent: Agent, customer: Customer, chat: Conversation
):
    desk.post(url("conversation-reply", chat), {"text": "Done, anything else?"})
    thread = chat.threads.get()

    desk.post(url("conversation-action", chat), {"action": "reopen"})

    chat.refresh_from_db()
    assert chat.status == "active"
    html = desk.get(url("conversation", chat)).content.decode()
    assert re.findall(r'data-thread="([^"]+)"', html) == [f"{thread.pk}-opened"]


@pytest.mark.parametrize("action", ["close", "spam"])
def test_closing_from_the_desk_marks_the_conversation_read_for_the_closer(
    desk: Client, agent: Agent, customer: Customer, chat: Conversation, action: str
):
    post(chat, customer, "Are you there?")

    desk.post(url("conversation-action", chat), {"action": action})

    newest = Message.objects.filter(conversation=chat).latest("id")
    assert ReadMarker.objects.get(agent=agent, conversation=chat).last_read_message_id == newest.pk


def test_repeating_an_action_records_nothing_more(desk: Client, chat: Conversation):
    desk.post(url("conversation-action", chat), {"action": "close"})
    desk.post(url("conversation-action", chat), {"action": "close"})
    desk.post(url("conversation-action", chat), {"action": "assign", "assignee": "me"})
    desk.post(url("conversation-action", chat), {"action": "assign", "assignee": "me"})

    assert Message.objects.filter(author_kind="system").count() == 2


def test_assigning_to_another_agent_and_unassigning(desk: Client, account: Account, agent: Agent, chat: Conversation):
    bot = make_agent(account=account, is_bot=True)

    desk.post(url("conversation-action", chat), {"action": "assign", "assignee": str(bot.pk)})
    chat.refresh_from_db()
    assert chat.assignee == bot
    desk.post(url("conversation-action", chat), {"action": "assign", "assignee": ""})
    chat.refresh_from_db()
    assert chat.assignee is None

    assert list(Message.objects.filter(author_kind="system").values_list("text", flat=True)) == [
        f"{agent.display_name} assigned the conversation to {bot.display_name}",
        f"{agent.display_name} unassigned the conversation",
    ]


def test_assigning_to_an_agent_of_another_account_is_refused(desk: Client, other_account: Account, chat: Conversation):
    outsider = make_agent(account=other_account)

    response = desk.post(url("conversation-action", chat), {"action": "assign", "assignee": str(outsider.pk)})

    # As unknown as an id that does not exist: the desk tells nothing of other tenants' agents.
    assert response.status_code == 404
    chat.refresh_from_db()
    assert chat.assignee is None
    assert Message.objects.filter(author_kind="system").count() == 0


def test_an_unknown_action_is_refused_with_a_message(desk: Client, chat: Conversation):
    response = desk.post(url("conversation-action", chat), {"action": "delete"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Unknown action."]
    assert Message.objects.count() == 1
    assert Conversation.objects.get().status == "active"


def test_a_poll_after_a_long_absence_catches_up_page_by_page_without_a_gap(
    desk: Client, customer: Customer, chat: Conversation
):
    cursor = chat.messages.get().pk
    missed = [post(chat, customer, f"while away {n}").pk for n in range(TIMELINE_PAGE + 10)]

    first = desk.get(url("conversation-updates", chat), {"after": cursor}).json()
    second = desk.get(url("conversation-updates", chat), {"after": first["last_id"]}).json()

    assert item_ids(first["html"]) == missed[:TIMELINE_PAGE]
    assert item_ids(second["html"]) == missed[TIMELINE_PAGE:]
    assert second["last_id"] == missed[-1]


def test_no_thread_separator_is_lost_where_a_page_of_the_timeline_ends(
    desk: Client, agent: Agent, customer: Customer, chat: Conversation
):
    # The first thread ends with the customer's message and is closed without a desk line (as an API close does);
    # the second thread fills exactly one page, so the page boundary falls between the two threads.
    conversation_set_status(conversation=chat, status="closed", by=agent)
    newest = [post(chat, customer, f"second thread {n}").pk for n in range(TIMELINE_PAGE)]

    page = desk.get(url("conversation", chat))
    older = desk.get(url("conversation-older", chat), {"before": newest[0]}).json()

    first, second = chat.threads.order_by("id")
    separators = re.findall(r'data-thread="([^"]+)"', older["html"] + page.content.decode())
    assert separators == [f"{first.pk}-opened", f"{first.pk}-closed", f"{second.pk}-opened"]


def test_what_customers_write_is_shown_as_text_never_as_markup(desk: Client, account: Account):
    customer = make_customer(account=account, name="<b>Mallory</b>")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "<img src=x onerror=alert(1)>")

    inbox = desk.get(url("inbox")).content.decode()
    page = desk.get(url("conversation", conversation)).content.decode()
    found = desk.get(url("inbox"), {"q": "onerror"}).content.decode()

    for html in (inbox, page, found):
        assert "<img src=x" not in html
        assert "<b>Mallory" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in inbox
