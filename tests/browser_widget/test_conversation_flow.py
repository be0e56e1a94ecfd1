"""The widget around a conversation's life: a notice once the desk closes it and a new conversation when the
visitor writes again; the optional pre-chat form whose email address makes a visitor reachable by the missed-message
email; Dutch from the page or the account; polls at most 10 s apart while the chat is open."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from agents.models import Account, Agent
from conversations.models import Conversation
from conversations.services.desk import desk_reply, desk_status_change
from tests.browser.conftest import screenshot
from tests.browser_widget.helpers import (
    WITHIN_POLLS,
    conversation_of,
    open_widget,
    send_text,
    serve_shop_page,
    visitor_of,
)

pytestmark = pytest.mark.browser

CLOSED_NOTICE = "This conversation has been closed. Write a message to start a new one."


def test_a_closed_conversation_shows_a_notice_and_writing_again_starts_anew(
    page: Page, demo_account: Account, demo_agent: Agent
):
    page.goto("/demo/")
    open_widget(page)
    send_text(page, "My order is late")
    conversation = conversation_of(page, demo_account)
    desk_reply(conversation=conversation, agent=demo_agent, text="It arrives tomorrow.")
    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat.get_by_text("It arrives tomorrow.")).to_be_visible(timeout=WITHIN_POLLS)
    notice = chat.get_by_role("status").filter(has_text=CLOSED_NOTICE)
    expect(notice).to_be_hidden()

    desk_status_change(conversation=conversation, agent=demo_agent, action="close")

    expect(notice).to_be_visible(timeout=WITHIN_POLLS)
    expect(chat.locator(".sm-event")).to_have_text(["Conversation closed"])

    send_text(page, "One more question")

    expect(notice).to_be_hidden(timeout=5000)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.ACTIVE
    assert conversation.threads.count() == 2
    newest_thread = conversation.threads.order_by("pk").last()
    assert list(newest_thread.messages.values_list("text", flat=True)) == ["One more question"]
    expect(chat.locator(".sm-list > li").last).to_contain_text("One more question")


def test_the_pre_chat_form_shows_only_when_the_account_switched_it_on(page: Page, demo_account: Account):
    page.goto("/demo/")

    open_widget(page)

    chat = page.get_by_role("dialog", name=demo_account.name)
    expect(chat.get_by_role("textbox", name="Type a message")).to_be_visible()
    expect(chat.get_by_label("Email address")).to_have_count(0)


def test_a_visitor_who_fills_the_pre_chat_form_gets_the_missed_message_email(
    page: Page, demo_account: Account, demo_agent: Agent, settings, later
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Account.objects.filter(pk=demo_account.pk).update(pre_chat_form=True)
    page.goto("/demo/")
    open_widget(page)
    chat = page.get_by_role("dialog", name=demo_account.name)
    email = chat.get_by_role("textbox", name="Email address")
    expect(email).to_be_visible()
    expect(chat.get_by_role("textbox", name="Type a message")).to_be_hidden()
    expect(chat.get_by_role("textbox", name="Name")).to_be_focused()

    chat.get_by_role("textbox", name="Name").fill("Vera Visser")
    email.fill("not an address")
    chat.get_by_role("button", name="Start chat").click()
    expect(chat.get_by_role("alert")).to_have_text("Please enter a valid email address.")
    screenshot(page, "widget-pre-chat")
    expect(email).to_have_attribute("aria-invalid", "true")
    email.fill("vera@example.com")
    chat.get_by_role("button", name="Start chat").click()

    message = chat.get_by_role("textbox", name="Type a message")
    expect(message).to_be_focused(timeout=5000)
    expect(email).to_have_count(0)
    visitor = visitor_of(page, demo_account)
    assert (visitor.registered, visitor.profile["email"], visitor.name) == (False, "vera@example.com", "Vera Visser")
    send_text(page, "Do you ship to Belgium?")
    conversation = conversation_of(page, demo_account)
    page.reload()  # the form is not asked again
    open_widget(page)
    expect(page.get_by_role("dialog").get_by_role("textbox", name="Type a message")).to_be_visible()
    page.close()  # the visitor leaves before the answer

    desk_reply(conversation=conversation, agent=demo_agent, text="Yes, we ship to Belgium.")
    sent = later(minutes=11)

    assert sent == 1
    [email_sent] = mail.outbox
    assert email_sent.to == ["vera@example.com"]
    assert "Yes, we ship to Belgium." in email_sent.body


def test_a_dutch_page_gets_a_dutch_widget(page: Page, live_server, demo_account: Account):
    url = serve_shop_page(page.context, live_server.url, {"identification": demo_account.identification}, lang="nl-NL")
    page.goto(url)

    page.get_by_role("button", name="Chat openen").click()

    chat = page.get_by_role("dialog", name=demo_account.name)
    message = chat.get_by_role("textbox", name="Typ een bericht")
    expect(message).to_have_attribute("placeholder", "Typ een bericht…")
    message.fill("Hallo")
    chat.get_by_role("button", name="Bericht versturen").click()
    expect(chat.locator(".sm-day")).to_have_text(["Vandaag"], timeout=5000)
    expect(chat.get_by_role("button", name="Chat sluiten")).to_be_visible()
    expect(page.get_by_role("button", name="Chat verbergen")).to_be_visible()


def test_the_account_language_serves_a_page_in_a_language_the_widget_does_not_speak(
    page: Page, live_server, demo_account: Account
):
    Account.objects.filter(pk=demo_account.pk).update(chat_language="nl")
    url = serve_shop_page(page.context, live_server.url, {"identification": demo_account.identification}, lang="de")
    page.goto(url)

    expect(page.get_by_role("button", name="Chat openen")).to_be_visible(timeout=5000)


def test_while_open_the_widget_polls_at_least_every_10_seconds(page: Page, demo_account: Account):
    page.clock.install()
    page.goto("/demo/")
    open_widget(page)
    widget = "window.SecureMessengerWidget.instance"
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/messages" in request.url else None)

    # The ladder of spec §6.3 (2 s, 5 s, 10 s, then 30 s, 1 min, …, each 5 times) capped at 10 s: 20 rounds of 10 s.
    for round_ in range(1, 21):
        page.clock.run_for(10_000)
        page.wait_for_function(f"n => {widget}.polls >= n", arg=round_, timeout=5000)

    assert page.evaluate(f"{widget}.ladderStep") >= 15  # past the 10 s steps (a focus may have restarted the ladder)
    assert page.evaluate(f"{widget}.delay()") == 10_000
    assert len([url for url in polls if "/messages/after:" in url or url.endswith("/messages")]) >= 20
    page.get_by_role("button", name="Close chat").click()
    assert page.evaluate(f"{widget}.delay()") > 10_000  # closed: the unseen count follows the whole ladder
