"""The widget outside business hours (#20): the offline text and when we are back (in the visitor's own time zone),
an offer to leave an email address that reaches the customer, and the chat still writable; inside them, none of it.
Screenshots: widget-offline-desktop, widget-offline-phone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, OpeningHours
from tests.browser.conftest import screenshot
from tests.browser_widget.helpers import open_widget, send_text, visitor_of
from tests.browser_widget.test_axe import blocking_violations

pytestmark = pytest.mark.browser

OFFLINE = "We're closed now. We answer every day for an hour."
VISITOR_ZONE = "Europe/Amsterdam"
OFFER = "Leave your email address and we'll answer you by email."


def closed_for_two_hours(account: Account) -> dt.datetime:
    """Every day open for one hour, starting two hours from now (UTC): closed now. Returns the next opening."""
    opens_at = (timezone.now() + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    Account.objects.filter(pk=account.pk).update(
        business_hours_enabled=True, time_zone="UTC", offline_message=OFFLINE, sticky_message=""
    )
    closes = (opens_at + dt.timedelta(hours=1)).time()
    for weekday in range(7):
        OpeningHours.objects.create(account=account, weekday=weekday, opens=opens_at.time(), closes=closes)
    return opens_at


def back_at(opens_at: dt.datetime) -> str:
    """The widget's words for `opens_at` in the visitor's time zone (English, 12-hour clock)."""
    zone = zoneinfo.ZoneInfo(VISITOR_ZONE)
    local, today = opens_at.astimezone(zone), timezone.now().astimezone(zone).date()
    time = local.strftime("%I:%M %p")
    return f"We're back today at {time}." if local.date() == today else f"We're back {local:%A} at {time}."


def test_outside_hours_the_widget_shows_the_offline_notice_and_takes_an_email(
    browser: Browser, live_server, demo_account: Account
):
    opens_at = closed_for_two_hours(demo_account)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, timezone_id=VISITOR_ZONE, locale="en-US"
    )
    try:
        page = context.new_page()
        page.goto("/demo/")
        open_widget(page)
        chat = page.get_by_role("dialog", name=demo_account.name)

        notice = chat.locator(".sm-offline")
        expect(notice).to_be_visible()
        expect(notice.locator(".sm-offline-text")).to_have_text(OFFLINE)
        expect(notice.locator(".sm-back-at")).to_have_text(back_at(opens_at))
        expect(chat.get_by_label(OFFER)).to_be_visible()
        assert blocking_violations(page) == []
        screenshot(page, "widget-offline-desktop")

        send_text(page, "Are you there?")  # closed, the visitor can still write
        expect(chat.locator(".sm-sticky")).to_be_hidden()  # the offline text is shown once, in the notice

        chat.get_by_label(OFFER).fill("not an email")
        chat.get_by_role("button", name="Send email address").click()
        expect(chat.get_by_text("Please enter a valid email address.")).to_be_visible()
        chat.get_by_label(OFFER).fill("ann@example.com")
        chat.get_by_role("button", name="Send email address").click()

        expect(chat.get_by_text("Thank you. We'll answer you at ann@example.com.")).to_be_visible()
        assert visitor_of(page, demo_account).profile["email"] == "ann@example.com"
        page.reload()
        open_widget(page)
        expect(page.get_by_role("dialog").locator(".sm-offline")).to_be_visible()
        expect(page.get_by_role("dialog").get_by_label(OFFER)).to_have_count(0)  # given once, not asked again
    finally:
        context.close()


def test_outside_hours_on_a_phone(browser: Browser, live_server, demo_account: Account):
    closed_for_two_hours(demo_account)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, timezone_id=VISITOR_ZONE, locale="en-US"
    )
    try:
        page = context.new_page()
        page.goto("/demo/")
        open_widget(page)
        chat = page.get_by_role("dialog", name=demo_account.name)
        expect(chat.locator(".sm-back-at")).to_be_visible()
        expect(chat.get_by_label(OFFER)).to_be_visible()
        expect(chat.get_by_role("textbox", name="Type a message")).to_be_visible()
        for box in (
            chat.get_by_label(OFFER).bounding_box(),
            chat.get_by_role("button", name="Send email address").bounding_box(),
        ):
            assert box["height"] >= 44 and box["x"] + box["width"] <= 390
        screenshot(page, "widget-offline-phone")
    finally:
        context.close()


def test_inside_hours_there_is_no_notice_and_no_offer(page: Page, demo_account: Account):
    Account.objects.filter(pk=demo_account.pk).update(
        business_hours_enabled=True, offline_message=OFFLINE, sticky_message="Open every day."
    )
    for weekday in range(7):  # all day, every day
        OpeningHours.objects.create(account=demo_account, weekday=weekday, opens=dt.time(0), closes=dt.time(0))

    page.goto("/demo/")
    open_widget(page)
    chat = page.get_by_role("dialog", name=demo_account.name)

    expect(chat.locator(".sm-sticky")).to_have_text("Open every day.")
    expect(chat.locator(".sm-offline")).to_be_hidden()
    expect(chat.get_by_label(OFFER)).to_have_count(0)
    expect(chat.get_by_text(OFFLINE)).to_have_count(0)


def test_hours_set_in_the_admin_close_the_widget(admin_page: Page, demo_account: Account):
    """The Account page's Business hours section and opening-hours inline, as an operator uses them; the widget
    follows at once (the cached schedule is forgotten on save). Screenshots: admin-account-hours(-phone)."""
    page = admin_page
    page.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    page.get_by_label("Time zone").select_option("Europe/Amsterdam")
    page.get_by_role("checkbox", name="Use business hours").check()
    page.get_by_label("Offline message").fill(OFFLINE)
    page.get_by_role("button", name="Add another Opening hours").click()
    row = page.locator("#opening_hours-0")
    row.locator("select[name$=weekday]").select_option(str(timezone.now().weekday()))
    row.locator("input[name$=opens]").fill("00:00")
    row.locator("input[name$=closes]").fill("00:01")  # open one minute a day: closed now (but at midnight)
    for heading, name in (("Routing", "admin-account-routing"), ("Business hours", "admin-account-hours")):
        page.get_by_role("heading", name=heading, exact=True).evaluate("node => node.scrollIntoView()")
        screenshot(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("heading", name="Business hours", exact=True).evaluate("node => node.scrollIntoView()")
    screenshot(page, "admin-account-hours-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("was changed successfully")).to_be_visible(timeout=5000)
    assert OpeningHours.objects.filter(account=demo_account).count() == 1
    page.goto("/demo/")
    open_widget(page)
    expect(page.get_by_role("dialog").locator(".sm-offline-text")).to_have_text(OFFLINE)


def test_a_closing_time_before_the_opening_is_shown_on_the_admin_form(admin_page: Page, demo_account: Account):
    page = admin_page
    page.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    page.get_by_role("button", name="Add another Opening hours").click()
    row = page.locator("#opening_hours-0")
    row.locator("input[name$=opens]").fill("17:00")
    row.locator("input[name$=closes]").fill("09:00")

    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Closes after it opens (00:00 for midnight).")).to_be_visible(timeout=5000)
    assert not OpeningHours.objects.filter(account=demo_account).exists()
