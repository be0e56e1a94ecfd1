"""The web chat widget on a shop page: a visitor's text and image, an agent's reply and typing arriving by polling,
history after a reload and on a registered visitor's second browser, keyboard use, and the unseen-count badge."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from conversations.services.desk import desk_reply
from conversations.typing import agent_typing_set
from tests.browser.conftest import VIEWPORT, screenshot
from tests.browser.helpers import png_bytes
from tests.browser_widget.helpers import (
    WITHIN_POLLS,
    conversation_of,
    device_id_of,
    open_widget,
    registered_token,
    send_text,
    serve_shop_page,
    visitor_of,
)

pytestmark = pytest.mark.browser

WITHIN_2_S = 2000


def test_a_visitor_chats_with_an_agent_and_a_reload_keeps_the_history(
    page: Page, demo_account: Account, demo_agent: Agent
):
    page.goto("/demo/")
    open_widget(page)
    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat.get_by_text("Welcome to Demo Shop!")).to_be_visible(timeout=5000)

    send_text(page, "Hello, where is my parcel?")
    page.locator(".sm-root input[type=file]").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": png_bytes((48, 32))}]
    )
    image = chat.get_by_role("img", name="receipt.png")
    expect(image).to_be_visible(timeout=5000)
    expect(image).to_have_js_property("naturalWidth", 48)  # the bytes came back through the client API

    conversation = conversation_of(page, demo_account)
    assert [m.text for m in conversation.messages.order_by("pk")][:1] == ["Hello, where is my parcel?"]
    typing = chat.locator(".sm-typing")
    expect(typing).to_be_hidden()

    agent_typing_set(conversation=conversation, agent=demo_agent, typing=True)

    expect(typing).to_be_visible(timeout=WITHIN_POLLS)
    expect(typing).to_have_text("Sanne de Vries is typing…")

    desk_reply(conversation=conversation, agent=demo_agent, text="It left our warehouse today.")

    reply = chat.locator(".sm-agent").filter(has_text="It left our warehouse today.")
    expect(reply).to_be_visible(timeout=WITHIN_POLLS)
    expect(reply).to_contain_text("Sanne de Vries")
    expect(typing).to_be_hidden()
    screenshot(page, "widget-open")
    device_id = device_id_of(page, demo_account)

    page.reload()
    open_widget(page)

    assert device_id_of(page, demo_account) == device_id
    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat.locator(".sm-message")).to_have_count(3, timeout=5000)
    expect(chat.locator(".sm-own").first).to_contain_text("Hello, where is my parcel?")
    expect(chat.get_by_role("img", name="receipt.png")).to_be_visible()
    expect(chat.locator(".sm-agent")).to_contain_text("It left our warehouse today.")


def test_a_registered_visitor_sees_the_same_history_in_a_second_browser(
    page: Page, browser: Browser, live_server, demo_account: Account
):
    options = {"identification": demo_account.identification, "authorization": registered_token(demo_account, "c-42")}
    page.goto(serve_shop_page(page.context, live_server.url, options))
    open_widget(page)
    send_text(page, "Sent from my laptop")
    laptop = visitor_of(page, demo_account)
    assert (laptop.registered, laptop.fk_id) == (True, "c-42")

    phone = browser.new_context(viewport=VIEWPORT)
    try:
        second = phone.new_page()
        second.goto(serve_shop_page(phone, live_server.url, options))
        open_widget(second)

        expect(second.locator(".sm-own .sm-text")).to_have_text(["Sent from my laptop"], timeout=5000)
        assert device_id_of(second, demo_account) != device_id_of(page, demo_account)
        assert visitor_of(second, demo_account).pk == laptop.pk
    finally:
        phone.close()


def test_keyboard_and_accessible_names(page: Page, demo_account: Account):
    page.goto("/demo/")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_have_attribute("aria-expanded", "false", timeout=5000)

    launcher.click()

    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat).to_be_visible()
    message = chat.get_by_role("textbox", name="Type a message")
    expect(message).to_be_focused()
    expect(chat.get_by_role("button", name="Close chat")).to_be_visible()
    expect(chat.get_by_role("button", name="Send message")).to_be_visible()
    expect(chat.get_by_role("button", name="Attach an image")).to_be_visible()

    message.fill("Sent with Enter")
    message.press("Enter")

    expect(chat.locator(".sm-own .sm-text")).to_have_text(["Sent with Enter"], timeout=5000)
    expect(message).to_have_value("")

    message.press("Escape")

    expect(chat).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.press("Enter")
    expect(chat).to_be_visible()
    chat.get_by_role("button", name="Close chat").click()
    expect(chat).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_launcher_counts_a_reply_that_arrives_while_the_window_is_closed(
    page: Page, demo_account: Account, demo_agent: Agent
):
    page.goto("/demo/")
    open_widget(page)
    send_text(page, "Anyone there?")
    page.keyboard.press("Escape")
    launcher = page.get_by_role("button", name="Open chat")
    badge = launcher.locator(".sm-badge")
    expect(badge).to_be_hidden(timeout=WITHIN_2_S)

    desk_reply(conversation=conversation_of(page, demo_account), agent=demo_agent, text="Yes, how can I help?")

    expect(badge).to_have_text("1", timeout=WITHIN_POLLS)
    expect(page.get_by_role("button", name="Open chat, 1 unread")).to_be_visible()

    launcher.click()

    replies = page.get_by_role("dialog").locator(".sm-agent .sm-text")
    expect(replies).to_have_text(["Yes, how can I help?"], timeout=WITHIN_POLLS)
    expect(badge).to_be_hidden(timeout=WITHIN_POLLS)
