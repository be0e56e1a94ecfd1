"""axe-core over the demo page with the widget closed, open with a conversation, open on a phone, and showing the
pre-chat form: no "serious" or "critical" violation (axe looks into the widget's open shadow root)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from conversations.services.desk import desk_reply
from tests.browser_widget.helpers import WITHIN_POLLS, conversation_of, open_widget

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_the_widget_closed_and_open_has_no_serious_violation(page: Page, demo_account: Account, demo_agent: Agent):
    page.goto("/demo/")
    expect(page.get_by_role("button", name="Open chat")).to_be_visible(timeout=5000)

    assert blocking_violations(page) == []

    open_widget(page)
    page.get_by_label("Type a message").fill("Where is my parcel?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("dialog").locator(".sm-own")).to_be_visible(timeout=5000)
    desk_reply(conversation=conversation_of(page, demo_account), agent=demo_agent, text="It ships **today**.")
    expect(page.get_by_role("dialog").locator(".sm-agent")).to_be_visible(timeout=WITHIN_POLLS)

    assert blocking_violations(page) == []


def test_the_pre_chat_form_and_the_phone_layout_have_no_serious_violation(
    browser: Browser, live_server, demo_account: Account
):
    Account.objects.filter(pk=demo_account.pk).update(pre_chat_form=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/demo/")
        open_widget(page)
        expect(page.get_by_label("Email address")).to_be_visible()

        assert blocking_violations(page) == []
    finally:
        context.close()
