"""Routing at the desk, in Chromium (#20): the agent sets their availability in the top bar, and the queue drains
into their list as they free up (capacity 1: closing one conversation brings the next, longest-waiting first)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agents.models import Account, Agent, AutoAssignment
from conversations.models import Conversation
from tests.browser.conftest import screenshot
from tests.browser.helpers import conversation_url
from tests.factories import make_conversation, make_customer, post

WITHIN_2_S = 2000
LIST_REFRESH = 10000  # the list refreshes over the desk's stream, or its poll when there is none


def chat(account: Account, name: str, text: str) -> Conversation:
    customer = make_customer(account=account, name=name)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, text)  # commits: routing runs after it
    conversation.refresh_from_db()
    return conversation


def test_the_agent_sets_their_availability_and_it_stays(desk: Page, desk_agent: Agent):
    desk.goto("/desk/")
    choice = desk.get_by_label("Your availability")
    expect(choice).to_have_value("online")  # signed in: online
    expect(desk.locator("#availability-dot")).to_have_class(re.compile("presence-online"))
    choice.select_option("away")
    expect(desk.locator("#availability-dot")).to_have_class(re.compile("presence-away"), timeout=WITHIN_2_S)
    screenshot(desk, "desk-availability-away")
    desk.reload()
    expect(desk.get_by_label("Your availability")).to_have_value("away")
    desk_agent.refresh_from_db()
    assert desk_agent.availability == Agent.Availability.AWAY
    desk.set_viewport_size({"width": 390, "height": 844})
    expect(desk.get_by_label("Your availability")).to_be_visible()
    screenshot(desk, "desk-availability-phone")


def test_the_queue_drains_into_the_list_as_the_agent_frees_up(desk: Page, account: Account, desk_agent: Agent):
    account.auto_assignment = AutoAssignment.BALANCED
    account.assignment_capacity = 1
    account.save()
    desk.goto("/desk/?view=mine")  # signing in put Sanne online
    first = chat(account, "Ada Lovelace", "Where is my refund?")
    waiting = chat(account, "Grace Hopper", "Can I change my address?")
    assert first.assignee_id == desk_agent.pk
    assert waiting.assignee_id is None and waiting.queued_at is not None

    rows = desk.locator("#inbox-rows")
    expect(rows.get_by_role("link", name=re.compile("Ada Lovelace"))).to_be_visible(timeout=LIST_REFRESH)
    expect(rows.get_by_role("link", name=re.compile("Grace Hopper"))).to_have_count(0)
    desk.goto(conversation_url(waiting))
    expect(desk.locator("#conversation-queued")).to_be_visible()
    screenshot(desk, "desk-conversation-queued")

    desk.goto(f"{conversation_url(first)}?view=mine")
    desk.get_by_role("button", name="Close", exact=True).click()
    expect(desk.locator("#conversation-status")).to_have_text("closed", timeout=WITHIN_2_S)
    desk.goto("/desk/?view=mine")
    expect(rows.get_by_role("link", name=re.compile("Grace Hopper"))).to_be_visible(timeout=LIST_REFRESH)
    waiting.refresh_from_db()
    assert waiting.assignee_id == desk_agent.pk and waiting.queued_at is None
    screenshot(desk, "desk-queue-drained")
