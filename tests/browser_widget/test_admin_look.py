"""The account's chat look in the admin: the live preview follows the colour fields before saving, a saved colour
reaches `GET config` and the widget on the demo page, and a bad colour is refused with a field error."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agents.models import Account
from tests.browser.conftest import screenshot
from tests.browser.helpers import CustomerApp
from tests.browser_widget.helpers import open_widget

pytestmark = pytest.mark.browser

DEFAULT_NAV = "rgb(65, 85, 129)"  # 415581, the model's default
WITHIN_1_S = 1000


def change_url(account: Account) -> str:
    return f"/admin/agents/account/{account.pk}/change/"


def test_a_colour_shows_in_the_preview_before_saving_then_in_config_and_the_widget(
    admin_page: Page, demo_account: Account, live_server
):
    page = admin_page
    page.goto(change_url(demo_account))
    preview = page.get_by_role("complementary", name="Preview of the chat")
    header = preview.locator(".sm-header")
    expect(header).to_have_css("background-color", DEFAULT_NAV, timeout=WITHIN_1_S)
    expect(header).to_have_css("color", "rgb(255, 255, 255)")

    # Typed into the text field: the preview and the picker beside it follow at once.
    page.get_by_role("textbox", name="Nav background color:", exact=True).fill("c0392b")
    expect(header).to_have_css("background-color", "rgb(192, 57, 43)", timeout=WITHIN_1_S)
    expect(page.get_by_label("Pick nav background color")).to_have_value("#c0392b")
    # Picked with the colour input: the text field (the saved value) and the preview follow.
    page.get_by_label("Pick nav text color").fill("#ffe08a")
    expect(page.get_by_role("textbox", name="Nav text color:", exact=True)).to_have_value("ffe08a")
    expect(header).to_have_css("color", "rgb(255, 224, 138)", timeout=WITHIN_1_S)
    demo_account.refresh_from_db()
    assert (demo_account.nav_background_color, demo_account.nav_text_color) == ("415581", "ffffff")
    screenshot(page, "widget-admin-preview")

    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("was changed successfully")).to_be_visible(timeout=5000)
    demo_account.refresh_from_db()
    assert (demo_account.nav_background_color, demo_account.nav_text_color) == ("c0392b", "ffe08a")
    app = CustomerApp(base_url=live_server.url, identification=demo_account.identification, device_id="config-check-1")
    config = app.register().call("GET", "config")["data"]
    assert (config["navBackgroundColor"], config["navTextColor"]) == ("c0392b", "ffe08a")

    page.goto("/demo/")
    open_widget(page)
    widget_header = page.get_by_role("dialog", name=demo_account.name).locator(".sm-header")
    expect(widget_header).to_have_css("background-color", "rgb(192, 57, 43)")
    expect(widget_header).to_have_css("color", "rgb(255, 224, 138)")
    launcher = page.get_by_role("button", name="Hide chat", expanded=True)
    expect(launcher).to_have_css("background-color", "rgb(192, 57, 43)")


def test_a_bad_colour_gets_a_field_error_and_changes_nothing(admin_page: Page, demo_account: Account):
    page = admin_page
    page.goto(change_url(demo_account))
    nav_background = page.get_by_role("textbox", name="Nav background color:", exact=True)
    header = page.get_by_role("complementary", name="Preview of the chat").locator(".sm-header")

    nav_background.fill("12345G")
    page.get_by_role("textbox", name="Nav text color:", exact=True).fill(
        "000000"
    )  # valid, but the form as a whole is refused
    expect(header).to_have_css("background-color", DEFAULT_NAV, timeout=WITHIN_1_S)  # the preview keeps a colour
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Please correct the error below.")).to_be_visible(timeout=5000)
    expect(page.get_by_text("Enter a colour as 6 hexadecimal digits without '#', for example 415581.")).to_be_visible()
    expect(nav_background).to_have_attribute("aria-invalid", "true")
    expect(nav_background).to_have_value("12345G")
    demo_account.refresh_from_db()
    assert (demo_account.nav_background_color, demo_account.nav_text_color) == ("415581", "ffffff")


def test_the_pre_chat_form_is_switched_on_in_the_admin(admin_page: Page, demo_account: Account):
    page = admin_page
    page.goto(change_url(demo_account))
    switch = page.get_by_role("checkbox", name="Pre-chat form")
    expect(switch).not_to_be_checked()

    switch.check()
    page.get_by_label("Chat language").select_option("nl")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("was changed successfully")).to_be_visible(timeout=5000)
    demo_account.refresh_from_db()
    assert (demo_account.pre_chat_form, demo_account.chat_language) == (True, "nl")
    page.goto("/demo/")  # an English page: the page's language wins over the account's
    open_widget(page)
    expect(page.get_by_role("dialog").get_by_role("textbox", name="Email address")).to_be_visible()
