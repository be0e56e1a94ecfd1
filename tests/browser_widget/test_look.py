"""The widget's look: a separator for each day (Today, Yesterday, a date), agents' avatars or initials, every text
readable (WCAG AA) with the default colours and with an account colour that would not be, and the phone layout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from agents.services import agent_create
from conversations.services.posting import message_post
from tests.browser.conftest import screenshot
from tests.browser.helpers import png_bytes
from tests.browser_widget.helpers import open_widget, visitor_of
from tests.factories import make_conversation

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(part) for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def luminance(colour):
        linear = [(c / 255 / 12.92) if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on_background(locator) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The element's text colour and the first opaque background behind it (within the shadow root too)."""
    colour, background = locator.evaluate(
        """node => {
            let here = node, background = "rgba(0, 0, 0, 0)";
            while (here && here.nodeType === 1) {
                background = getComputedStyle(here).backgroundColor;
                if (!/rgba\\(.*, 0\\)$/.test(background) && background !== "transparent") break;
                here = here.parentNode && here.parentNode.host ? here.parentNode.host : here.parentNode;
            }
            return [getComputedStyle(node).color, background];
        }"""
    )
    return rgb(colour), rgb(background)


def visitor_history(page: Page, account: Account, agent: Agent):
    """Messages of three days in the widget visitor's conversation: three days ago, yesterday, today."""
    visitor = visitor_of(page, account)
    conversation = make_conversation(account=account, customers=[visitor])
    now = timezone.now()
    message_post(conversation=conversation, author=visitor, text="Three days ago", created_at=now - timedelta(days=3))
    message_post(conversation=conversation, author=agent, text="Answered yesterday", created_at=now - timedelta(days=1))
    message_post(conversation=conversation, author=visitor, text="Written today", created_at=now)
    return conversation


def test_a_separator_names_each_day(page: Page, demo_account: Account, demo_agent: Agent):
    page.goto("/demo/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)
    visitor_history(page, demo_account, demo_agent)
    three_days_ago = page.evaluate(
        "() => new Date(Date.now() - 3 * 86400000)"
        ".toLocaleDateString('en', {weekday: 'long', day: 'numeric', month: 'long'})"
    )

    open_widget(page)

    days = page.get_by_role("dialog").locator(".sm-day")
    expect(days).to_have_text([three_days_ago, "Yesterday", "Today"], timeout=5000)
    items = page.get_by_role("dialog").locator(".sm-list > li")
    expect(items).to_have_count(6)
    expect(items.nth(3)).to_contain_text("Answered yesterday")


def test_an_agent_shows_their_avatar_or_else_their_initials(page: Page, demo_account: Account, demo_agent: Agent):
    Agent.objects.filter(pk=demo_agent.pk).update(avatar="avatars/2026/12/sanne.png")
    demo_agent.refresh_from_db()
    jan = agent_create(username="jan", display_name="Jan van den Berg", accounts={demo_account: "agent"})
    page.route(
        "**/media/avatars/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=png_bytes((32, 32))),
    )
    page.goto("/demo/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)
    visitor = visitor_of(page, demo_account)
    conversation = make_conversation(account=demo_account, customers=[visitor])
    message_post(conversation=conversation, author=visitor, text="Hello?")
    message_post(conversation=conversation, author=demo_agent, text="Sanne here")
    message_post(conversation=conversation, author=jan, text="Jan here")

    open_widget(page)

    chat = page.get_by_role("dialog")
    sanne = chat.locator(".sm-agent").filter(has_text="Sanne here").locator(".sm-avatar")
    expect(sanne).to_have_js_property("naturalWidth", 32, timeout=5000)
    assert sanne.evaluate("img => img.tagName") == "IMG"
    expect(sanne).to_have_attribute("src", demo_agent.avatar.url)
    initials = chat.locator(".sm-agent").filter(has_text="Jan here").locator(".sm-initials")
    expect(initials).to_have_text("JB")
    expect(initials).to_have_css("border-radius", "50%")
    expect(initials).to_have_css("width", "24px")


def test_every_text_reads_well_with_the_default_colours(page: Page, demo_account: Account, demo_agent: Agent):
    page.goto("/demo/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)
    visitor_history(page, demo_account, demo_agent)

    open_widget(page)

    chat = page.get_by_role("dialog")
    expect(chat.locator(".sm-message")).to_have_count(3, timeout=5000)
    texts = [
        ".sm-own .sm-time",
        ".sm-agent .sm-time",
        ".sm-own .sm-text",
        ".sm-agent .sm-text",
        ".sm-author span",
        ".sm-day",
        ".sm-welcome",
        ".sm-send",
    ]
    for selector in texts:
        colour, background = text_on_background(chat.locator(selector).first)
        assert contrast(colour, background) >= 4.5, (selector, colour, background)
    heading = text_on_background(chat.locator(".sm-heading"))
    assert contrast(*heading) >= 3, heading  # 19 px bold: large text
    screenshot(page, "widget-days-desktop")


def test_an_unreadable_account_colour_gets_a_readable_shade(page: Page, demo_account: Account, demo_agent: Agent):
    # White time stamps on white bubbles, pale green on the blue agent bubbles: 1:1 and about 3:1.
    Account.objects.filter(pk=demo_account.pk).update(user_time_color="ffffff", account_time_color="9be7a4")
    page.goto("/demo/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)
    visitor_history(page, demo_account, demo_agent)

    open_widget(page)

    chat = page.get_by_role("dialog")
    for selector in (".sm-own .sm-time", ".sm-agent .sm-time"):
        colour, background = text_on_background(chat.locator(selector).first)
        assert contrast(colour, background) >= 4.5, (selector, colour, background)
    own_time = text_on_background(chat.locator(".sm-own .sm-time").first)[0]
    assert own_time != (255, 255, 255)


def test_on_a_phone_the_open_chat_fills_the_screen(browser: Browser, live_server, demo_account: Account):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/demo/")

        open_widget(page)

        chat = page.get_by_role("dialog", name=demo_account.name)
        box = chat.bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, PHONE["width"], PHONE["height"])
        close = chat.get_by_role("button", name="Close chat")
        close_box = close.bounding_box()
        assert close_box["width"] >= 44 and close_box["height"] >= 44
        expect(chat.get_by_role("textbox", name="Type a message")).to_have_css("font-size", "16px")
        expect(page.get_by_role("button", name="Hide chat")).to_be_hidden()
        screenshot(page, "widget-phone")

        close.click()

        expect(chat).to_be_hidden()
        expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    finally:
        context.close()
