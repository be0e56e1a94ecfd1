"""Satisfaction in the browser (#20): the agent closes, the widget asks with five stars, the visitor rates 4 with a
comment, and the desk shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from conversations.models import Conversation, SatisfactionRating
from conversations.services.desk import desk_reply, desk_status_change
from tests.browser.conftest import screenshot, sign_in
from tests.browser_widget.helpers import WITHIN_POLLS, conversation_of, open_widget, send_text
from tests.browser_widget.test_axe import blocking_violations

pytestmark = pytest.mark.browser


def _closed_chat(page: Page, account: Account, agent: Agent):
    Account.objects.filter(pk=account.pk).update(csat_enabled=True)
    page.goto("/demo/")
    open_widget(page)
    send_text(page, "My order is late")
    conversation = conversation_of(page, account)
    desk_reply(conversation=conversation, agent=agent, text="It arrives tomorrow.")
    chat = page.get_by_role("dialog", name=account.name)
    expect(chat.get_by_text("It arrives tomorrow.")).to_be_visible(timeout=WITHIN_POLLS)
    conversation.refresh_from_db()
    desk_status_change(conversation=conversation, agent=agent, action="close")
    return chat, conversation


def test_the_visitor_rates_in_the_widget_and_the_desk_shows_it(
    page: Page, browser: Browser, live_server, demo_account: Account, demo_agent: Agent
):
    chat, conversation = _closed_chat(page, demo_account, demo_agent)
    survey = chat.get_by_role("group", name="Rate this conversation")
    expect(survey).to_be_visible(timeout=WITHIN_POLLS)
    expect(chat.get_by_text("How would you rate our conversation?")).to_be_visible()
    expect(survey.get_by_role("button", name="Send rating")).to_be_disabled()
    expect(chat.get_by_role("status").filter(has_text="This conversation has been closed.")).to_be_visible()
    screenshot(page, "widget-satisfaction-prompt")

    survey.get_by_role("button", name="4 out of 5").click()
    survey.get_by_role("textbox", name="Comment (optional)").fill("Quick and friendly.")
    survey.get_by_role("button", name="Send rating").click()

    expect(survey.get_by_text("Thanks for your rating!")).to_be_visible(timeout=5000)
    expect(survey.get_by_role("img", name="4 out of 5")).to_be_visible()
    screenshot(page, "widget-satisfaction-thanks")
    rating = SatisfactionRating.objects.get(conversation=conversation)
    assert (rating.rating, rating.comment, rating.agent_id) == (4, "Quick and friendly.", None)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    # After a reload the widget remembers the answer.
    page.reload()
    open_widget(page)
    expect(page.get_by_text("Thanks for your rating!")).to_be_visible(timeout=WITHIN_POLLS)

    desk = browser.new_page(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    sign_in(desk, demo_agent, live_server.url)
    desk.goto(f"/desk/conversations/{conversation.pk}/")
    panel = desk.get_by_role("region", name="Satisfaction")
    expect(panel.get_by_role("img", name="4 out of 5")).to_be_visible()
    expect(panel.get_by_text("Quick and friendly.")).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(desk, "desk-satisfaction-panel")
    desk.close()


def test_the_prompt_fits_a_phone(page: Page, demo_account: Account, demo_agent: Agent):
    page.set_viewport_size({"width": 390, "height": 844})
    chat, _ = _closed_chat(page, demo_account, demo_agent)

    survey = chat.get_by_role("group", name="Rate this conversation")
    expect(survey).to_be_visible(timeout=WITHIN_POLLS)
    survey.get_by_role("button", name="5 out of 5").click()

    box = survey.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "widget-satisfaction-prompt-390")


def test_the_prompt_has_no_serious_accessibility_violation(page: Page, demo_account: Account, demo_agent: Agent):
    chat, _ = _closed_chat(page, demo_account, demo_agent)
    survey = chat.get_by_role("group", name="Rate this conversation")
    expect(survey).to_be_visible(timeout=WITHIN_POLLS)
    survey.get_by_role("button", name="3 out of 5").click()

    assert blocking_violations(page) == []
