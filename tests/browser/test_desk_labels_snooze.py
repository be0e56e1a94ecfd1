"""Labels and snooze at the desk, in Chromium: chips on the conversation and the rows, the label filter, the bulk
label; a snoozed conversation leaves the open list, is listed under Snoozed, and comes back when its time comes or
when the customer writes."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from agents.models import Account
from conversations.models import Conversation
from conversations.services import conversations_wake_due
from tests.browser.conftest import screenshot
from tests.browser.helpers import conversation_url, customer_of
from tests.factories import make_conversation, make_customer, post

WITHIN_2_S = 2000
LIST_REFRESH = 10000  # the list refreshes over the desk's stream, or its poll when there is none


def chat(account: Account, name: str, text: str) -> Conversation:
    customer = make_customer(account=account, name=name)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, text)
    return conversation


def label_names(conversation: Conversation) -> list[str]:
    return sorted(conversation.labels.values_list("name", flat=True))


def label_filter(desk: Page):
    return desk.locator("form.filters").get_by_label("Label")


def status_filter(desk: Page):
    return desk.locator("form.filters").get_by_label("Status")


def listed(desk: Page):
    return desk.locator("#inbox-rows").get_by_role("link")


def test_a_label_added_in_the_desk_filters_the_list_and_is_removed_again(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "Where is my refund?")
    chat(account, "Grace Hopper", "Can I change my address?")
    desk.goto("/desk/")
    expect(label_filter(desk)).to_have_count(0)  # no label in the account yet
    desk.get_by_role("link", name="Ada Lovelace").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")

    labels = desk.get_by_role("group", name="Labels")
    labels.get_by_label("Add a label").fill("vip")
    labels.get_by_role("button", name="Add", exact=True).click()

    expect(labels.get_by_role("button", name="Remove label vip")).to_be_visible()
    expect(labels.locator(".label-chip .label-name")).to_have_text(["vip"])
    assert label_names(ada) == ["vip"]
    # The row shows its chip too.
    ada_row = desk.locator(f'#inbox-rows tr[data-conversation="{ada.pk}"]')
    expect(ada_row.get_by_role("list", name="Labels").get_by_role("listitem")).to_have_text(["vip"])
    screenshot(desk, "desk-labels")

    desk.goto("/desk/")
    expect(listed(desk)).to_have_text(["Ada Lovelace", "Grace Hopper"])
    label_filter(desk).select_option(label="vip")
    expect(listed(desk)).to_have_text(["Ada Lovelace"])

    listed(desk).first.click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    desk.get_by_role("group", name="Labels").get_by_role("button", name="Remove label vip").click()
    expect(desk.get_by_role("group", name="Labels").get_by_role("button", name="Remove label vip")).to_have_count(0)
    assert label_names(ada) == []
    desk.goto("/desk/")
    label_filter(desk).select_option(label="vip")
    expect(desk.get_by_text("No conversation here.")).to_be_visible()


def test_bulk_label_adds_the_label_to_the_ticked_conversations_only(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "One")
    grace = chat(account, "Grace Hopper", "Two")
    alan = chat(account, "Alan Turing", "Three")
    desk.goto("/desk/")

    desk.get_by_role("checkbox", name="Select Ada Lovelace").check()
    desk.get_by_role("checkbox", name="Select Alan Turing").check()
    label_box = desk.get_by_label("Label to add")
    expect(label_box).to_be_hidden()
    desk.get_by_role("combobox", name="Action for the selected conversations").select_option("label")
    expect(label_box).to_be_visible()
    label_box.fill("billing")
    screenshot(desk, "desk-labels-bulk")
    desk.get_by_role("button", name="Apply").click()

    expect(desk.get_by_text("2 conversations changed.")).to_be_visible()
    assert (label_names(ada), label_names(grace), label_names(alan)) == (["billing"], [], ["billing"])
    for conversation in (ada, alan):
        row = desk.locator(f'#inbox-rows tr[data-conversation="{conversation.pk}"]')
        expect(row.get_by_role("list", name="Labels").get_by_role("listitem")).to_have_text(["billing"])
    expect(desk.locator(f'#inbox-rows tr[data-conversation="{grace.pk}"] [role=list]')).to_have_count(0)
    # All three stay open: labelling changes nothing else.
    assert set(Conversation.objects.filter(account=account).values_list("status", flat=True)) == {"active"}


def test_snoozed_for_an_hour_it_leaves_the_open_list_and_wakes_back_into_it(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "Where is my refund?")
    chat(account, "Grace Hopper", "Can I change my address?")
    desk.goto("/desk/")
    desk.get_by_role("link", name="Ada Lovelace").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(desk.get_by_role("button", name="Wake up")).to_have_count(0)

    desk.locator("details.snooze summary").click()
    menu = desk.locator("details.snooze")
    for choice in ("For 4 hours", "Until tomorrow, 9:00", "Until Monday, 9:00", "Until the customer writes"):
        expect(menu.get_by_role("button", name=choice)).to_be_visible()
    expect(menu.get_by_label("Until", exact=True)).to_be_visible()
    screenshot(desk, "desk-snooze-menu")
    menu.get_by_role("button", name="For an hour").click()

    expect(desk.locator("#conversation-status")).to_have_text("snoozed")
    expect(desk.locator(".conversation-head")).to_contain_text("until ")
    expect(desk.get_by_role("button", name="Wake up")).to_be_visible()
    ada.refresh_from_db()
    assert ada.status == "snoozed"
    assert timedelta(minutes=55) < ada.snoozed_until - timezone.now() <= timedelta(hours=1)
    # The default list (Open) leaves it out; Snoozed lists it.
    expect(listed(desk)).to_have_text(["Grace Hopper"])
    screenshot(desk, "desk-snooze")
    desk.goto("/desk/")
    expect(listed(desk)).to_have_text(["Grace Hopper"])
    status_filter(desk).select_option(label="Snoozed")
    expect(listed(desk)).to_have_text(["Ada Lovelace"])
    status_filter(desk).select_option(label="Open")
    expect(listed(desk)).to_have_text(["Grace Hopper"])

    assert conversations_wake_due(now=timezone.now() + timedelta(minutes=30)) == 0  # not yet
    assert conversations_wake_due(now=timezone.now() + timedelta(hours=2)) == 1

    expect(listed(desk)).to_have_text(["Ada Lovelace", "Grace Hopper"], timeout=LIST_REFRESH)
    ada.refresh_from_db()
    assert (ada.status, ada.snoozed_until) == ("active", None)  # the customer still waits


def test_wake_up_ends_the_snooze_at_once(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "Where is my refund?")
    desk.goto(conversation_url(ada))
    desk.locator("details.snooze summary").click()
    desk.locator("details.snooze").get_by_role("button", name="Until tomorrow, 9:00").click()
    expect(desk.locator("#conversation-status")).to_have_text("snoozed")

    desk.get_by_role("button", name="Wake up").click()

    expect(desk.locator("#conversation-status")).to_have_text("active")
    expect(desk.get_by_role("button", name="Wake up")).to_have_count(0)
    ada.refresh_from_db()
    assert (ada.status, ada.snoozed_until) == ("active", None)


def test_snoozed_until_the_customer_writes_it_comes_back_when_they_write(desk: Page, new_app):
    app = new_app()
    app.send("Is my order on its way?")
    customer = customer_of(app)
    desk.goto("/desk/")
    desk.get_by_role("link", name=customer.display_name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(customer.display_name)
    reply_box = desk.get_by_label("Reply", exact=True)
    reply_box.fill("It is. Tell me if it has not arrived by Friday.")
    reply_box.press("Enter")
    expect(desk.locator("li.item.agent .text")).to_have_text("It is. Tell me if it has not arrived by Friday.")

    desk.locator("details.snooze summary").click()
    desk.locator("details.snooze").get_by_role("button", name="Until the customer writes").click()
    expect(desk.locator("#conversation-status")).to_have_text("snoozed")
    expect(desk.locator(".conversation-head")).to_contain_text("until the customer writes")
    conversation = customer.current_conversation
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("snoozed", None)
    assert conversations_wake_due(now=timezone.now() + timedelta(days=30)) == 0  # no time wakes it

    desk.goto("/desk/")
    expect(desk.get_by_text("No conversation here.")).to_be_visible()
    app.send("It has not arrived.")

    row = desk.locator(f'#inbox-rows tr[data-conversation="{conversation.pk}"]')
    expect(row).to_be_visible(timeout=LIST_REFRESH)
    expect(row.get_by_role("cell").nth(1)).to_have_text("It has not arrived.")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("active", None)
    status_filter(desk).select_option(label="Active")
    expect(listed(desk)).to_have_text([customer.display_name])


def test_a_snooze_until_a_chosen_time_wakes_at_that_time(desk: Page, account: Account):
    ada = chat(account, "Ada Lovelace", "Where is my refund?")
    # datetime-local is read in the server's time zone.
    wake_at = (timezone.localtime() + timedelta(days=2)).replace(hour=14, minute=30, second=0, microsecond=0)
    desk.goto(conversation_url(ada))
    desk.locator("details.snooze summary").click()
    menu = desk.locator("details.snooze")
    menu.get_by_label("Until", exact=True).fill(wake_at.strftime("%Y-%m-%dT%H:%M"))
    menu.get_by_role("button", name="Snooze", exact=True).click()

    expect(desk.locator("#conversation-status")).to_have_text("snoozed")
    # Shown in the browser's time zone and language (the test machine's: UTC), whichever order it writes the date in.
    shown = desk.locator(".snoozed-until")
    expect(shown.locator("time")).to_have_attribute("datetime", wake_at.isoformat())
    expect(shown).to_have_text(re.compile(rf"^until ({wake_at.day} {wake_at:%b}|{wake_at:%b} {wake_at.day}), 14:30$"))
    ada.refresh_from_db()
    assert ada.snoozed_until == wake_at
    assert conversations_wake_due(now=wake_at - timedelta(minutes=1)) == 0
    assert conversations_wake_due(now=wake_at) == 1
    ada.refresh_from_db()
    assert ada.status == "active"
