"""Private notes never reach the customer's widget, in Chromium against the ASGI application served by uvicorn:
not over its event stream, not in what it loads. A note written with `note_add` or in the desk, then a reply: the
reply shows in the open widget, the note never does."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from conversations.services import desk_reply, note_add
from tests.browser.conftest import VIEWPORT, screenshot, sign_in
from tests.browser_widget.helpers import conversation_of, open_streamed_chat, open_widget
from tests.streams.conftest import stream_server  # noqa: F401  (the fixture, registered by its import)

pytestmark = pytest.mark.browser

NOTE = "Internal: this customer asked for a discount twice already."
REPLY = "Your order left our warehouse today."

# Every byte the widget reads from /stream/client, kept in `window.streamed` (the widget reads it with fetch).
RECORD_STREAM = """
window.streamed = "";
const plainFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await plainFetch(...args);
  const url = String(args[0] && args[0].url || args[0]);
  if (!url.includes("/stream/client") || !response.body) return response;
  const [kept, copy] = response.body.tee();
  (async () => {
    const reader = copy.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) { const {value, done} = await reader.read(); if (done) break; window.streamed += value; }
  })().catch(() => {});
  return new Response(kept, {status: response.status, statusText: response.statusText, headers: response.headers});
};
"""


def reply_without_note(chat: Page) -> None:
    """The reply shows in the widget and came over its stream; the note did neither."""
    expect(chat.locator(".sm-agent").filter(has_text=REPLY)).to_be_visible(timeout=2000)
    expect(chat.locator(".sm-agent")).to_have_count(1)
    expect(chat.get_by_role("dialog")).not_to_contain_text("discount")
    streamed = chat.evaluate("window.streamed")
    assert REPLY in streamed
    assert "discount" not in streamed


@pytest.fixture
def chat(page: Page, stream_server, demo_account: Account) -> Page:  # noqa: F811
    """The demo shop served by the ASGI application, the widget open with one message sent and its stream open;
    its polls for new messages blocked, so what shows next came over the stream."""
    return open_streamed_chat(page, stream_server.url, init_script=RECORD_STREAM)


def test_a_note_never_comes_over_the_stream_the_reply_after_it_does(chat: Page, demo_account, demo_agent: Agent):
    conversation = conversation_of(chat, demo_account)

    note_add(conversation=conversation, agent=demo_agent, text=NOTE)
    desk_reply(conversation=conversation, agent=demo_agent, text=REPLY)

    reply_without_note(chat)

    # Loaded afresh (its GET messages), the widget shows the reply and still not the note.
    chat.unroute("**/clientApi/v1.9/messages/after:*")
    chat.reload()
    open_widget(chat)
    expect(chat.locator(".sm-agent").filter(has_text=REPLY)).to_be_visible(timeout=5000)
    expect(chat.locator(".sm-own").filter(has_text="Hello, is my order on its way?")).to_be_visible()
    expect(chat.get_by_role("dialog")).not_to_contain_text("discount")
    screenshot(chat, "widget-no-private-note")


def test_a_note_written_in_the_desk_never_shows_in_the_customers_widget(
    chat: Page,
    browser: Browser,
    stream_server,  # noqa: F811
    demo_account,
    demo_agent: Agent,
):
    conversation = conversation_of(chat, demo_account)
    context = browser.new_context(viewport=VIEWPORT, base_url=stream_server.url)
    try:
        desk = sign_in(context.new_page(), demo_agent, stream_server.url)
        desk.goto(f"/desk/conversations/{conversation.pk}/")
        expect(desk.locator("#timeline")).to_contain_text("Hello, is my order on its way?")

        desk.get_by_role("radio", name="Note for agents").check()
        desk.get_by_label("Private note", exact=True).fill(NOTE)
        desk.get_by_role("button", name="Add note").click()
        expect(desk.locator("li.item.note .text")).to_have_text(NOTE)

        desk.get_by_role("radio", name="To the customer").check()
        reply_box = desk.get_by_label("Reply", exact=True)
        reply_box.fill(REPLY)
        reply_box.press("Enter")
        expect(desk.locator("li.item.agent:not(.note) .text")).to_have_text(REPLY)
        screenshot(desk, "desk-notes-beside-widget")
    finally:
        context.close()

    reply_without_note(chat)
