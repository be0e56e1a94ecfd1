"""Helpers of the widget's browser tests: the visitor behind a page, registered visitors' tokens, a shop page."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from agents.models import Account
from conversations.models import Conversation
from devices.models import Customer, Device
from devices.tokens import token_make
from tests.browser.conftest import VIEWPORT

# Polls of the widget start at 2 s: a change shows after one or two polls.
WITHIN_POLLS = 8000
SHOP_PATH = "/shop/registered-visitor"


def device_key(account: Account) -> str:
    return f"secure-messenger-device:{account.identification}"


def device_id_of(page: Page, account: Account) -> str:
    """The widget's device id, kept in the page's localStorage."""
    return page.evaluate("key => localStorage.getItem(key)", device_key(account))


def visitor_of(page: Page, account: Account) -> Customer:
    device = Device.objects.select_related("customer").get(account=account, device_id=device_id_of(page, account))
    return device.customer


def conversation_of(page: Page, account: Account) -> Conversation:
    customer = visitor_of(page, account)
    customer.refresh_from_db()
    assert customer.current_conversation_id, "the visitor has no conversation yet"
    return customer.current_conversation


def open_widget(page: Page) -> None:
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("dialog")).to_be_visible(timeout=5000)


def send_text(page: Page, text: str) -> None:
    """Type and send a message; it shows as the visitor's own."""
    page.get_by_label("Type a message").fill(text)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".sm-own").filter(has_text=text)).to_be_visible(timeout=5000)


def registered_token(account: Account, customer_id: str) -> str:
    return token_make(
        customer_id=customer_id,
        authorization_secret=account.authorization_secret,
        shared_secret=account.shared_secret,
        valid_until=int(time.time()) + 3600,
    )


def serve_shop_page(
    context: BrowserContext,
    live_server_url: str,
    options: dict,
    *,
    lang: str = "en",
    head: str = "",
    body: str = "",
    path: str = SHOP_PATH,
) -> str:
    """A shop page on the live server's origin that embeds the widget with `window.SecureMessenger = options`,
    fulfilled by the browser context (the server has no such page), with `head` and `body` added to its own markup.
    Returns its URL."""
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>{head}</head><body>'
        f"<h1>My account</h1>{body}"
        f"<script>window.SecureMessenger = {json.dumps(options)};</script>"
        f'<script src="{live_server_url}/static/widget/widget.js" defer></script>'
        "</body></html>"
    )
    url = live_server_url + path
    context.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    return url


def new_context(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORT)


def open_streamed_chat(page: Page, base_url: str, *, init_script: str = "") -> Page:
    """The demo shop at `base_url` (the stream server), the widget open with one message sent and its stream open;
    its polls for new messages then blocked, so what shows next came over the stream."""
    if init_script:
        page.add_init_script(init_script)
    page.goto(f"{base_url}/demo/")
    open_widget(page)
    send_text(page, "Hello, is my order on its way?")
    expect(page.locator(".sm-root")).to_have_attribute("data-live", "open", timeout=10000)
    page.route("**/clientApi/v1.9/messages/after:*", lambda route: route.abort())
    return page
