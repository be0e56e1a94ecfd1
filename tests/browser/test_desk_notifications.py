"""Desk notifications in Chromium: the agent turns them on (the browser's permission asked once), a new
conversation then notifies while the desk is in the background, and the tab's title counts what is unread."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from agents.models import Account, Agent
from tests.browser.helpers import customer_of

WITHIN_2_S = 2000
# Records the notifications the page makes (the real ones, made by the real constructor) and puts the desk in the
# background: notifications are for an agent who is looking elsewhere.
BACKGROUND = """
window.__notes = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notes.push([title, options && options.body]); }
};
document.hasFocus = () => false;
"""


def test_turned_on_a_new_conversation_notifies_and_the_title_counts_it(
    desk: Page, desk_agent: Agent, new_app, live_server
):
    desk.context.grant_permissions(["notifications"], origin=live_server.url)
    desk.add_init_script(BACKGROUND)
    desk.goto("/desk/")
    desk.get_by_text("Notifications", exact=True).click()
    desk.get_by_label("Desktop notifications").check()
    desk.get_by_label("A sound").check()
    expect(desk.locator("body")).to_have_attribute("data-notify-sound", "on")
    desk_agent.refresh_from_db()
    assert (desk_agent.notify_browser, desk_agent.notify_sound) == (True, True)

    app = new_app()
    app.send("Is anyone there?")

    name = customer_of(app).display_name
    expect(desk).to_have_title(re.compile(r"^\(1\) "), timeout=WITHIN_2_S)
    expect(desk.locator("body")).to_have_attribute("data-alerted", "1", timeout=WITHIN_2_S)
    assert desk.evaluate("window.__notes") == [[f"New conversation: {name}", "Is anyone there?"]]


def test_refused_by_the_browser_the_setting_stays_off_and_says_where_to_allow_it(
    desk: Page, desk_agent: Agent, account: Account
):
    desk.context.clear_permissions()
    desk.add_init_script("Notification.requestPermission = async () => 'denied';")  # the person says no
    desk.goto("/desk/")
    desk.get_by_text("Notifications", exact=True).click()
    box = desk.get_by_label("Desktop notifications")
    box.click()

    expect(box).not_to_be_checked()
    expect(desk.get_by_role("alert")).to_contain_text("blocks notifications")
    desk_agent.refresh_from_db()
    assert desk_agent.notify_browser is False
