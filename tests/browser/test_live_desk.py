"""The desk over its event stream (issue #18), in Chromium against the ASGI application served by uvicorn: a
customer's message shows in the open desk within a second, without per-second polls, also after the stream was cut
and came back; with the stream blocked the desk polls by itself."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import make_conversation, make_customer, post
from tests.streams.conftest import stream_server  # noqa: F401  (the fixture, registered by its import)
from tests.streams.sse import streams_cut


@pytest.fixture
def conversation(account):
    customer = make_customer(account=account, name="Mila Jansen")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello, I have a question")
    return conversation


@pytest.fixture
def live_page(page: Page, stream_server, desk_agent) -> Page:  # noqa: F811
    sign_in(page, desk_agent, stream_server.url)
    page.updates = []
    page.on("request", lambda request: page.updates.append(request.url) if "/updates" in request.url else None)
    return page


def open_conversation(page: Page, server, conversation) -> None:
    page.goto(f"{server.url}/desk/conversations/{conversation.pk}/")
    expect(page.locator("body")).to_have_attribute("data-live", "open", timeout=5000)


def test_a_customers_message_appears_in_the_open_desk_within_a_second(live_page, stream_server, conversation):  # noqa: F811
    open_conversation(live_page, stream_server, conversation)
    time.sleep(2.5)
    polls_while_quiet = len(live_page.updates)

    post(conversation, conversation.primary_customer, "Is anyone there?")

    expect(live_page.locator("#timeline").get_by_text("Is anyone there?")).to_be_visible(timeout=1000)
    assert polls_while_quiet <= 1  # the stream, not a poll a second, told the page


def test_after_the_stream_is_cut_and_restored_messages_still_arrive_within_a_second(
    live_page,
    stream_server,  # noqa: F811
    conversation,
):
    open_conversation(live_page, stream_server, conversation)

    streams_cut()
    expect(live_page.locator("body")).to_have_attribute("data-live", "closed", timeout=3000)
    expect(live_page.locator("body")).to_have_attribute("data-live", "open", timeout=10000)
    post(conversation, conversation.primary_customer, "Back again")

    expect(live_page.locator("#timeline").get_by_text("Back again")).to_be_visible(timeout=1000)


def test_the_inbox_shows_a_new_conversation_through_the_stream(live_page, stream_server, account):  # noqa: F811
    live_page.goto(f"{stream_server.url}/desk/")
    expect(live_page.locator("body")).to_have_attribute("data-live", "open", timeout=5000)

    customer = make_customer(account=account, name="Noor Bakker")
    post(make_conversation(account=account, customers=[customer]), customer, "New here")

    expect(live_page.get_by_text("Noor Bakker")).to_be_visible(timeout=1000)


def test_with_the_stream_blocked_the_desk_polls_by_itself(live_page, stream_server, conversation):  # noqa: F811
    live_page.route("**/stream/desk", lambda route: route.abort())
    live_page.goto(f"{stream_server.url}/desk/conversations/{conversation.pk}/")

    post(conversation, conversation.primary_customer, "Polled, not streamed")

    expect(live_page.locator("#timeline").get_by_text("Polled, not streamed")).to_be_visible(timeout=3000)
    assert live_page.locator("body").get_attribute("data-live") != "open"
