"""The widget lives in a shadow root: a hostile host stylesheet does not reach it, and its own style sheet restyles
nothing of the host page, even elements that carry the widget's class names."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agents.models import Account
from tests.browser_widget.helpers import open_widget, serve_shop_page

pytestmark = pytest.mark.browser

# Every element and every class the widget uses, forced to something unreadable or invisible.
HOSTILE = """<style>
* { color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important;
    line-height: 3 !important; display: block !important; background: yellow !important; }
div, section, header, form, ol, li, p, textarea, button, h2, time { border: 6px solid lime !important;
    padding: 30px !important; visibility: visible; transform: rotate(3deg) !important; }
.sm-root, .sm-window, .sm-header, .sm-heading, .sm-close, .sm-list, .sm-message, .sm-own, .sm-time, .sm-input,
.sm-compose, .sm-send, .sm-launcher, .sm-text, [data-secure-messenger] {
    display: none !important; opacity: 0 !important; width: 1px !important; height: 1px !important; }
</style>"""

# The host's own elements that happen to use the widget's class names.
LOOKALIKES = (
    '<div class="sm-root" id="shop-root"><h2 class="sm-heading" id="shop-heading">Our offers</h2>'
    '<button type="button" class="sm-launcher" id="shop-button">Buy now</button></div>'
)


def test_a_hostile_page_stylesheet_does_not_reach_the_widget(page: Page, live_server, demo_account: Account):
    url = serve_shop_page(page.context, live_server.url, {"identification": demo_account.identification}, head=HOSTILE)
    page.goto(url)

    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_be_visible(timeout=5000)
    expect(launcher).to_have_css("width", "60px")
    expect(launcher).to_have_css("background-color", "rgb(65, 85, 129)")
    open_widget(page)
    chat = page.get_by_role("dialog", name=demo_account.name)
    message = chat.get_by_role("textbox", name="Type a message")
    message.fill("Hello from a loud page")
    message.press("Enter")

    own = chat.locator(".sm-own").filter(has_text="Hello from a loud page")
    expect(own).to_be_visible(timeout=5000)
    expect(own).to_have_css("color", "rgb(74, 94, 131)")  # 4a5e83, the account's user text colour
    expect(own).to_have_css("font-size", "15px")
    expect(own).to_have_css("border-top-width", "0px")
    expect(own).to_have_css("transform", "none")
    heading = chat.get_by_role("heading", name=demo_account.name)
    expect(heading).to_have_css("font-size", "19px")
    expect(heading).to_have_css("color", "rgb(255, 255, 255)")
    expect(message).to_have_css("font-size", "16px")
    expect(chat).to_have_css("width", "360px")
    expect(chat).to_have_css("background-color", "rgb(238, 238, 238)")
    assert "Comic Sans" not in own.evaluate("node => getComputedStyle(node).fontFamily")


def test_the_widget_stylesheet_restyles_nothing_of_the_page(page: Page, live_server, demo_account: Account):
    url = serve_shop_page(
        page.context, live_server.url, {"identification": demo_account.identification}, body=LOOKALIKES
    )
    page.goto(url)
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)
    open_widget(page)

    shop_root, shop_heading, shop_button = (
        page.locator(f"#{name}") for name in ("shop-root", "shop-heading", "shop-button")
    )
    expect(shop_root).to_have_css("position", "static")
    expect(shop_heading).to_have_css("font-size", "24px")  # the browser's h2, not the widget's heading
    expect(shop_button).not_to_have_css("width", "60px")
    expect(shop_button).not_to_have_css("border-radius", "50%")
    # The widget's style sheet is inside its shadow root, not in the page.
    assert page.evaluate("Array.from(document.styleSheets).map(s => s.href || '')") == []
    assert page.evaluate("document.querySelector('[data-secure-messenger]').shadowRoot.styleSheets.length") == 1
