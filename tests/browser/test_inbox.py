"""The inbox, live: a customer's message shows up without a reload, the agent answers it, the app gets the answer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agents.models import Account
from tests.browser.conftest import screenshot
from tests.browser.helpers import customer_of
from tests.factories import make_conversation, make_customer, post

WITHIN_2_S = 2000


def test_a_customers_message_reaches_the_inbox_live_and_the_reply_reaches_the_app(desk: Page, new_app):
    desk.goto("/desk/")
    expect(desk.get_by_text("No conversation here.")).to_be_visible()
    app = new_app()

    question_id = app.send("Hello, my parcel has not arrived.")

    customer = customer_of(app)
    row = desk.get_by_role("row").filter(has_text=customer.display_name)
    expect(row).to_be_visible(timeout=WITHIN_2_S)
    assert customer.display_name == f"Anonymous {str(customer.uuid)[:8]}"
    cells = row.get_by_role("cell")
    expect(cells.nth(1)).to_have_text("Hello, my parcel has not arrived.")
    expect(cells.nth(3)).to_have_text("Unassigned")
    expect(row.get_by_label("1 unread")).to_have_text("1")
    screenshot(desk, "inbox-live")

    row.get_by_role("link", name=customer.display_name).click()

    expect(desk.get_by_role("heading", level=1)).to_have_text(customer.display_name)
    expect(desk.locator(f'li[data-id="{question_id}"] .text')).to_have_text("Hello, my parcel has not arrived.")

    reply_box = desk.get_by_label("Reply", exact=True)
    reply_box.fill("Your parcel ships today.")
    reply_box.press("Enter")

    reply = desk.locator("li.agent")
    expect(reply.locator(".text")).to_have_text("Your parcel ships today.")
    expect(reply.locator(".meta strong")).to_have_text("Sanne de Vries")
    expect(reply.locator(".delivery")).to_have_text("sent")
    expect(reply_box).to_have_value("")
    reply_id = int(reply.get_attribute("data-id"))
    screenshot(desk, "conversation-live")

    timeline = app.messages()["data"]

    assert sorted((m["id"], m["message"], m["agent"]["name"] if m["agent"] else None) for m in timeline) == [
        (question_id, "Hello, my parcel has not arrived.", None),
        (reply_id, "Your parcel ships today.", "Sanne de Vries"),
    ]
    expect(reply.locator(".delivery")).to_have_text("received", timeout=WITHIN_2_S)

    app.mark_seen(reply_id)

    expect(reply.locator(".delivery")).to_have_text("seen", timeout=WITHIN_2_S)


def test_shift_enter_adds_a_line_and_the_app_receives_a_plain_newline(desk: Page, new_app):
    app = new_app()
    app.send("Where is my parcel?")
    desk.goto("/desk/")
    desk.get_by_role("link", name=customer_of(app).display_name).click()
    reply_box = desk.get_by_label("Reply", exact=True)

    reply_box.fill("Your parcel ships today.")
    reply_box.press("Shift+Enter")
    reply_box.press_sequentially("Tracking follows by email.")
    expect(reply_box).to_have_value("Your parcel ships today.\nTracking follows by email.")
    reply_box.press("Enter")

    expect(desk.locator("li.agent .text")).to_have_text(
        "Your parcel ships today.\nTracking follows by email.", use_inner_text=True
    )
    texts = [message["message"] for message in app.messages()["data"] if message["agent"]]
    assert texts == ["Your parcel ships today.\nTracking follows by email."]


def test_the_view_counts_follow_new_conversations_live(desk: Page, new_app):
    desk.goto("/desk/")
    views = desk.get_by_role("navigation", name="Views")
    expect(views.get_by_role("link")).to_have_text(["Unassigned 0", "Mine 0", "All 0"])

    new_app().send("Is anybody there?")

    expect(desk.get_by_role("row").filter(has_text="Is anybody there?")).to_be_visible(timeout=WITHIN_2_S)
    expect(views.get_by_role("link")).to_have_text(["Unassigned 1", "Mine 0", "All 1"], timeout=WITHIN_2_S)


def test_the_unread_badge_clears_once_the_agent_opened_the_conversation(desk: Page, new_app):
    app = new_app()
    app.send("First question")
    app.send("Second question")
    name = customer_of(app).display_name
    desk.goto("/desk/")
    row = desk.get_by_role("row").filter(has_text=name)
    expect(row.get_by_label("2 unread")).to_have_text("2")

    row.get_by_role("link", name=name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(name)

    # The list stays beside the conversation (three panes) and drops the badge without a reload.
    expect(row).to_have_class(re.compile(r"\bselected\b"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("Second question")
    expect(row.locator(".badge")).to_have_count(0)

    app.send("Third question")

    # The open conversation reads what comes in: the list shows the message, with no badge.
    expect(desk.locator("#timeline").get_by_text("Third question")).to_be_visible(timeout=WITHIN_2_S)
    expect(row.get_by_role("cell").nth(1)).to_have_text("Third question", timeout=WITHIN_2_S)
    expect(row.locator(".badge")).to_have_count(0)


def test_the_inbox_lists_the_longest_waiting_first_and_finds_customers_and_messages(desk: Page, account: Account):
    waiting_longest = make_customer(account=account, name="Ada Lovelace", email="ada@example.com")
    waiting_less = make_customer(account=account, name="Grace Hopper")
    post(make_conversation(account=account, customers=[waiting_longest]), waiting_longest, "Where is my refund?")
    post(make_conversation(account=account, customers=[waiting_less]), waiting_less, "Can I change my address?")

    desk.goto("/desk/")

    expect(desk.locator("#inbox-rows tr").get_by_role("link")).to_have_text(["Ada Lovelace", "Grace Hopper"])

    desk.get_by_role("searchbox", name="Search customers and messages").fill("ada@example")
    desk.get_by_role("searchbox", name="Search customers and messages").press("Enter")

    results = desk.get_by_role("region", name="Search results")
    expect(results.get_by_role("listitem")).to_have_text(
        [re.compile(r"Ada Lovelace\s+ada@example\.com"), "No message."]
    )
    expect(results.locator("mark")).to_have_text(["ada@example"])

    desk.get_by_role("searchbox", name="Search customers and messages").fill("refund")
    desk.get_by_role("searchbox", name="Search customers and messages").press("Enter")

    expect(results.get_by_role("listitem")).to_have_text(
        ["No customer.", re.compile(r"Ada Lovelace.*Where is my refund\?", re.S)]
    )
    expect(results.locator(".excerpt mark")).to_have_text(["refund"])


def test_a_signed_out_inbox_goes_to_the_login_page_instead_of_showing_it_in_its_table(desk: Page, new_app):
    new_app().send("Hello?")
    desk.goto("/desk/")
    rows = desk.locator("#inbox-rows")
    expect(rows.get_by_role("row")).to_have_count(1)

    desk.context.clear_cookies()  # the session ended (signed out in another tab, or expired)

    expect(desk).to_have_url(re.compile(r"/admin/login/"), timeout=5000)
    expect(desk.get_by_label("Password")).to_be_visible()
    expect(desk.locator("#inbox-rows")).to_have_count(0)


def test_on_a_phone_each_inbox_row_is_a_card_with_nothing_cut_off(desk: Page, account: Account):
    customer = make_customer(account=account, name="Margaret Hamilton")
    post(make_conversation(account=account, customers=[customer]), customer, "Can I change my delivery address?")
    desk.set_viewport_size({"width": 390, "height": 844})

    desk.goto("/desk/")

    row = desk.locator("#inbox-rows tr.row").first
    expect(row.get_by_role("link", name="Margaret Hamilton")).to_be_visible()
    expect(row).to_contain_text("Can I change my delivery address?")
    expect(row.locator("td[data-label=Assignee]")).to_have_text("Unassigned")
    for cell in row.locator("td").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
    scroll = desk.get_by_role("region", name="Conversations")
    assert scroll.evaluate("box => box.scrollWidth <= box.clientWidth")
    screenshot(desk, "inbox-phone")
