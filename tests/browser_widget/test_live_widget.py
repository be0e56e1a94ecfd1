"""Our widget over its event stream (issue #18), in Chromium against the ASGI application served by uvicorn: an
agent's reply shows in the open widget within a second, also after the stream was cut and came back; with the
stream blocked the widget polls by itself, never more than 10 s apart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agents.models import Account, Agent
from conversations.services import desk_reply
from conversations.typing import agent_typing_set
from tests.browser_widget.helpers import conversation_of, open_streamed_chat, open_widget, send_text
from tests.streams.conftest import stream_server  # noqa: F401  (the fixture, registered by its import)
from tests.streams.sse import streams_cut


@pytest.fixture
def chat(page: Page, stream_server, demo_account: Account) -> Page:  # noqa: F811
    """The demo shop served by the ASGI application, the widget open with one message sent, its polls blocked."""
    return open_streamed_chat(page, stream_server.url)


def test_an_agents_reply_appears_in_the_open_widget_within_a_second(chat: Page, demo_account, demo_agent: Agent):
    conversation = conversation_of(chat, demo_account)

    agent_typing_set(conversation=conversation, agent=demo_agent, typing=True)
    expect(chat.locator(".sm-typing")).to_have_text("Sanne de Vries is typing…", timeout=1000)
    desk_reply(conversation=conversation, agent=demo_agent, text="It left our warehouse today.")

    expect(chat.locator(".sm-agent").filter(has_text="It left our warehouse today.")).to_be_visible(timeout=1000)
    expect(chat.locator(".sm-typing")).to_be_hidden()


def test_after_the_stream_is_cut_and_restored_replies_still_arrive_within_a_second(
    chat: Page, demo_account, demo_agent: Agent
):
    conversation = conversation_of(chat, demo_account)

    streams_cut()
    expect(chat.locator(".sm-root")).to_have_attribute("data-live", "closed", timeout=3000)
    expect(chat.locator(".sm-root")).to_have_attribute("data-live", "open", timeout=10000)
    desk_reply(conversation=conversation, agent=demo_agent, text="Back with you.")

    expect(chat.locator(".sm-agent").filter(has_text="Back with you.")).to_be_visible(timeout=1000)
    expect(chat.locator(".sm-agent")).to_have_count(1)  # nothing twice


def test_with_the_stream_blocked_the_widget_polls_at_most_ten_seconds_apart(
    page: Page,
    stream_server,  # noqa: F811
    demo_account: Account,
    demo_agent: Agent,
):
    page.route("**/stream/client", lambda route: route.abort())
    page.goto(f"{stream_server.url}/demo/")
    open_widget(page)
    send_text(page, "Anyone there?")
    page.wait_for_timeout(12000)  # past the first steps of the ladder: polls are now at their 10 s cap

    desk_reply(conversation=conversation_of(page, demo_account), agent=demo_agent, text="Polled, not streamed.")

    expect(page.locator(".sm-agent").filter(has_text="Polled, not streamed.")).to_be_visible(timeout=10500)
    assert page.locator(".sm-root").get_attribute("data-live") != "open"
