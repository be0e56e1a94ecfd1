"""Canned replies in the desk's composer, in Chromium: "/" lists the account's, typing narrows them, the keyboard
picks one, its placeholders filled for this customer and agent; picking never sends."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from agents.models import Account
from conversations.models import Conversation, Message
from conversations.services import canned_reply_save
from tests.browser.conftest import screenshot
from tests.browser.helpers import conversation_url
from tests.factories import make_conversation, make_customer, post


def ada_asks(account: Account) -> Conversation:
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Did my refund go out?")
    return conversation


def agent_messages(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, author_agent__isnull=False, is_private=False)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_slash_th_enter_fills_the_canned_reply_without_sending_then_enter_sends(desk: Page, account: Account):
    canned_reply_save(account=account, shortcut="thanks", text="Thanks {{customer.first_name}}, {{agent.name}} here.")
    canned_reply_save(account=account, shortcut="refund", title="Refund sent", text="Your refund is on its way.")
    conversation = ada_asks(account)
    desk.goto(conversation_url(conversation))
    box = desk.get_by_label("Reply", exact=True)
    options = desk.locator("#canned-list").get_by_role("option")

    box.press_sequentially("/")
    expect(desk.get_by_role("listbox", name="Canned replies")).to_be_visible()
    expect(options).to_have_count(2)
    box.press_sequentially("th")
    expect(options).to_have_count(1)
    expect(options).to_contain_text(["/thanks"])
    screenshot(desk, "desk-canned")
    box.press("Enter")

    expect(box).to_have_value("Thanks Ada, Sanne de Vries here.")
    expect(desk.locator("#canned-list")).to_be_hidden()
    expect(desk.locator("li.item.agent")).to_have_count(0)
    assert agent_messages(conversation) == []  # Enter picked the reply, it did not send

    box.press("Enter")

    expect(desk.locator("li.item.agent .text")).to_have_text("Thanks Ada, Sanne de Vries here.")
    expect(box).to_have_value("")
    assert agent_messages(conversation) == ["Thanks Ada, Sanne de Vries here."]


def test_arrows_move_tab_picks_and_escape_closes_the_list(desk: Page, account: Account):
    canned_reply_save(account=account, shortcut="hello", text="Hello {{customer.name}}!")
    canned_reply_save(account=account, shortcut="refund", text="Your refund is on its way.")
    canned_reply_save(account=account, shortcut="return", text="Send it back to us, {{customer.first_name}}.")
    conversation = ada_asks(account)
    desk.goto(conversation_url(conversation))
    box = desk.get_by_label("Reply", exact=True)
    listbox = desk.get_by_role("listbox", name="Canned replies")
    options = listbox.get_by_role("option")

    box.press_sequentially("/")
    expect(options).to_have_count(3)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(2)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    box.press("Tab")
    expect(box).to_have_value("Your refund is on its way.")
    expect(box).to_be_focused()
    expect(listbox).to_be_hidden()

    box.fill("")
    box.press_sequentially("/re")
    expect(options).to_have_count(2)
    box.press_sequentially("t")
    expect(options).to_have_count(1)
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("/ret")  # nothing put in
    expect(box).to_be_focused()  # the first Escape closes the list only

    box.fill("")
    box.press_sequentially("/ho")
    expect(listbox).to_be_hidden()  # no shortcut starts so
    box.fill("")
    box.press_sequentially("Hi /he")
    expect(listbox).to_be_hidden()  # only at the start of the box
    assert agent_messages(conversation) == []
