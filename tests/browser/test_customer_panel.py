"""The customer panel of a conversation page, in Chromium: the page chatted from, then an edit without JavaScript's
help (a plain POST): a bad email comes back next to its field, a good one is saved and shown."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agents.models import Account, AuditEntry
from tests.browser.conftest import screenshot
from tests.browser.helpers import conversation_url
from tests.factories import make_conversation, make_customer, post


def test_an_agent_edits_the_customer_from_the_panel(desk: Page, account: Account):
    ada = make_customer(account=account, name="Ada Lovelace", email="ada@example.com")
    chat = make_conversation(account=account, customers=[ada])
    post(chat, ada, "Where is my order?", referrer="https://shop.example.com/orders/42")
    desk.goto(conversation_url(chat))
    panel = desk.get_by_role("complementary", name="Customer")

    expect(panel.get_by_role("link", name="https://shop.example.com/orders/42")).to_be_visible()
    panel.get_by_text("Edit").click()
    panel.get_by_label("Email").fill("not-an-email")
    panel.get_by_label("Note").fill("Prefers email")
    panel.get_by_role("button", name="Save").click()

    error = desk.get_by_role("alert").filter(has_text="This email is not a valid email address.")
    expect(error).to_be_visible()
    expect(desk.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    screenshot(desk, "customer-panel-refused")
    ada.refresh_from_db()
    assert (ada.email, ada.note) == ("ada@example.com", "")

    desk.get_by_label("Email").fill("ada@lovelace.org")
    desk.get_by_role("button", name="Save").click()

    expect(desk).to_have_url(re.compile(re.escape(conversation_url(chat)) + "$"))
    panel = desk.get_by_role("complementary", name="Customer")
    expect(panel.get_by_text("ada@lovelace.org")).to_be_visible()
    expect(panel.locator("p.note")).to_have_text("Prefers email")
    assert AuditEntry.objects.get().action == "edit customer: email, note"
    screenshot(desk, "customer-panel")
