"""The desk as a daily tool, in Chromium: three panes without a page load, the keyboard, bulk actions, a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agents.models import Account
from conversations.models import Conversation
from tests.browser.conftest import screenshot
from tests.factories import make_conversation, make_customer, post

PHONE = {"width": 390, "height": 844}


def chat(account: Account, name: str, text: str) -> Conversation:
    customer = make_customer(account=account, name=name)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, text)
    return conversation


def test_choosing_conversations_swaps_the_middle_pane_without_loading_the_page(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "Where is my refund?")
    chat(account, "Grace Hopper", "Can I change my address?")
    desk.goto("/desk/")
    expect(desk.get_by_text("Choose a conversation from the list.")).to_be_visible()
    desk.evaluate("window.sameDocument = true")  # gone if the page loads again

    desk.get_by_role("link", name="Ada Lovelace").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(desk).to_have_url(re.compile(rf"/desk/conversations/{ada.pk}/"))
    desk.get_by_role("link", name="Grace Hopper").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Grace Hopper")
    expect(desk.locator("#timeline")).to_contain_text("Can I change my address?")
    # The list stays, marks the open conversation, and the customer pane shows the chosen customer.
    expect(desk.locator("tr.selected")).to_contain_text("Grace Hopper")
    expect(desk.get_by_role("complementary", name="Customer")).to_contain_text("Grace Hopper")
    assert desk.evaluate("window.sameDocument") is True
    screenshot(desk, "desk-three-panes")

    # An action in the pane (assign to me) answers the pane, not a page; the list follows.
    desk.get_by_role("button", name="Assign to me").click()
    expect(desk.locator("#conversation-assignee")).to_have_text("Sanne de Vries")
    expect(desk.locator("tr.selected td[data-label=Assignee]")).to_have_text("Sanne de Vries")
    assert desk.evaluate("window.sameDocument") is True


def test_the_keyboard_moves_opens_replies_assigns_and_closes(desk: Page, account: Account):
    chat(account, "Ada Lovelace", "First in line")
    grace = chat(account, "Grace Hopper", "Second in line")
    desk.goto("/desk/")

    desk.keyboard.press("?")
    dialog = desk.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    screenshot(desk, "desk-shortcuts")
    desk.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    desk.keyboard.press("j")
    expect(desk.get_by_role("link", name="Ada Lovelace")).to_be_focused()
    desk.keyboard.press("j")
    expect(desk.get_by_role("link", name="Grace Hopper")).to_be_focused()
    desk.keyboard.press("k")
    desk.keyboard.press("j")
    desk.keyboard.press("Enter")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Grace Hopper")

    desk.keyboard.press("a")
    expect(desk.locator("#conversation-assignee")).to_have_text("Sanne de Vries")
    desk.keyboard.press("r")
    reply = desk.get_by_label("Reply", exact=True)
    expect(reply).to_be_focused()
    reply.press_sequentially("On its way")  # letters typed in the reply box are text, not shortcuts
    expect(reply).to_have_value("On its way")
    reply.press("Enter")
    expect(desk.locator("li.agent .text")).to_have_text("On its way")
    desk.keyboard.press("Escape")
    desk.keyboard.press("e")
    expect(desk.locator("#conversation-status")).to_have_text("closed")
    grace.refresh_from_db()
    assert (grace.status, grace.assignee.display_name) == ("closed", "Sanne de Vries")


def test_bulk_close_closes_the_ticked_conversations_only(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "One")
    grace = chat(account, "Grace Hopper", "Two")
    alan = chat(account, "Alan Turing", "Three")
    desk.goto("/desk/")
    bulk = desk.get_by_role("combobox", name="Action for the selected conversations")
    expect(bulk).to_be_hidden()

    desk.get_by_role("checkbox", name="Select Ada Lovelace").check()
    desk.get_by_role("checkbox", name="Select Alan Turing").check()
    expect(desk.locator("#bulk-count")).to_have_text("2 selected")
    bulk.select_option("close")
    screenshot(desk, "desk-bulk")
    desk.get_by_role("button", name="Apply").click()

    expect(desk.get_by_text("2 conversations changed.")).to_be_visible()
    expect(desk.locator("#inbox-rows").get_by_role("link")).to_have_text(["Grace Hopper"])
    statuses = dict(Conversation.objects.filter(pk__in=[ada.pk, grace.pk, alan.pk]).values_list("pk", "status"))
    assert statuses == {ada.pk: "closed", grace.pk: "active", alan.pk: "closed"}


def test_a_phone_shows_one_pane_at_a_time_with_the_composer_in_view(desk: Page, account: Account):
    chat(account, "Ada Lovelace", "Where is my refund?")
    desk.set_viewport_size(PHONE)
    desk.goto("/desk/")
    expect(desk.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(desk, "desk-phone-list")

    desk.get_by_role("link", name="Ada Lovelace").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(desk.locator("#list-pane")).to_be_hidden()
    reply = desk.get_by_label("Reply", exact=True)
    expect(reply).to_be_in_viewport()
    expect(desk.get_by_role("button", name="Send reply")).to_be_in_viewport(ratio=1)
    composer = desk.locator("#reply-form").bounding_box()
    assert PHONE["height"] - 40 < composer["y"] + composer["height"] <= PHONE["height"]  # at the foot, whole
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(desk, "desk-phone-conversation")

    desk.get_by_role("button", name="Customer", exact=True).click()
    expect(desk.get_by_role("complementary", name="Customer")).to_be_visible()
    expect(reply).to_be_hidden()
    screenshot(desk, "desk-phone-customer")
    desk.get_by_role("button", name="Conversation").click()
    expect(reply).to_be_visible()

    desk.get_by_role("link", name="Inbox").click()
    expect(desk.locator("#list-pane")).to_be_visible()
