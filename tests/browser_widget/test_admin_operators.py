"""The admin for operators (#22), in Chromium: the live chat preview stays in view beside the colour fields while
a lower one is edited; a webhook is added, pinged, and its delivery is in the deliveries list; an audit entry shows
the old and the new value. Screenshots at 1280 and 390 px go to tmp_path (and /work/shots/opadmin when it exists,
for a person to look at)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from agents.models import Account, AuditEntry, Delivery, Webhook

pytestmark = pytest.mark.browser

LOOK_AT = Path("/work/shots/opadmin")
WITHIN_1_S = 1000


@pytest.fixture
def shoot(tmp_path):
    def take(page: Page, name: str, *, full_page: bool = False) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if LOOK_AT.is_dir():
            shutil.copy(path, LOOK_AT / path.name)
        return path

    return take


@pytest.fixture
def local_targets(settings):
    """Webhooks may go to this machine (the self-hosting setting): the ping is attempted at once (the live server
    runs the tasks), and goes to a closed local port, never out to the internet."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


HOOK_URL = "http://127.0.0.1:9/hooks/sm"  # the discard port: nothing listens, the attempt fails at once


def _in_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 300) <= viewport["height"]


def test_the_preview_stays_beside_a_lower_colour_field_and_follows_it(admin_page: Page, demo_account: Account, shoot):
    page = admin_page
    page.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    preview = page.get_by_role("complementary", name="Preview of the chat")
    compose = preview.locator(".sm-compose")
    expect(compose).to_have_css("background-color", "rgb(65, 85, 129)", timeout=WITHIN_1_S)  # 415581
    shoot(page, "account-colours-top-1280")

    lower = page.get_by_role("textbox", name="Input background color:", exact=True)
    lower.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)  # well below the section's start
    lower.fill("2e7d32")

    expect(compose).to_have_css("background-color", "rgb(46, 125, 50)", timeout=WITHIN_1_S)
    expect(page.get_by_label("Pick input background color")).to_have_value("#2e7d32")
    field_box, preview_box = lower.bounding_box(), preview.bounding_box()
    assert _in_viewport(page, lower) and _in_viewport(page, preview)
    assert preview_box["x"] > field_box["x"] + field_box["width"]  # beside the field, on its right
    assert page.evaluate("window.scrollY") > 400  # the page did scroll: the preview followed (sticky)
    shoot(page, "account-colours-lower-field-1280")

    # Picked with the colour input: the hex text (the saved value) and the preview follow.
    page.get_by_label("Pick input field background color").fill("#fff3e0")
    expect(page.get_by_role("textbox", name="Input field background color:", exact=True)).to_have_value("fff3e0")
    expect(preview.locator(".sm-compose textarea, .sm-compose input").first).to_have_css(
        "background-color", "rgb(255, 243, 224)", timeout=WITHIN_1_S
    )

    # The push keys further down: paste boxes and uploads, no raw JSON.
    push = page.locator("#push_settings-group")
    push.scroll_into_view_if_needed()
    expect(push.get_by_role("textbox", name="FCM service account key")).to_have_value("")
    expect(push.locator("#id_push_settings-0-fcm_service_account_file")).to_be_visible()
    shoot(page, "account-push-keys-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    lower.scroll_into_view_if_needed()
    assert _in_viewport(page, preview)  # stacked above the fields, still in view
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(page, "account-colours-lower-field-390")


def test_a_webhook_is_added_pinged_and_its_delivery_listed(
    admin_page: Page, demo_account: Account, shoot, local_targets
):
    page = admin_page
    page.goto("/admin/agents/webhook/add/")
    page.get_by_label("Account").select_option(str(demo_account.pk))
    page.get_by_role("textbox", name="URL").fill(HOOK_URL)
    page.get_by_role("checkbox", name="message.created").check()
    page.get_by_role("checkbox", name="ping", exact=True).check()
    shoot(page, "webhook-add-1280", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(page, "webhook-add-390", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.get_by_text("Copy it now: it is never shown again.")).to_be_visible(timeout=5000)
    webhook = Webhook.objects.get(account=demo_account)
    shoot(page, "webhook-saved-1280")

    page.get_by_role("button", name="Send a test ping").click()

    expect(page.get_by_text(f"A test ping to {HOOK_URL} is queued")).to_be_visible(timeout=5000)
    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.event_type == "ping"
    row = page.locator("#result_list tbody tr").filter(has_text="127.0.0.1:9/hooks/sm")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ping")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280 + 1  # the list fits
    shoot(page, "deliveries-after-ping-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "deliveries-after-ping-390")


def test_an_audit_entry_shows_the_old_and_the_new_value(admin_page: Page, demo_account: Account, shoot):
    page = admin_page
    page.goto(f"/admin/agents/account/{demo_account.pk}/change/")
    page.get_by_role("textbox", name="Nav background color:", exact=True).fill("c0392b")
    page.get_by_label("Welcome message").fill("Hi! How can we help?")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible(timeout=5000)

    page.goto("/admin/agents/auditentry/")
    row = page.locator("#result_list tbody tr").filter(has_text="change account")
    expect(row).to_contain_text("nav_background_color: 415581 → c0392b")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280 + 1
    shoot(page, "audit-list-1280")
    entry = AuditEntry.objects.get(action="change account")
    page.goto(f"/admin/agents/auditentry/{entry.pk}/change/")
    changes = page.locator("table.audit-changes")
    expect(changes.locator("tr").filter(has_text="nav_background_color")).to_contain_text("415581 → c0392b")
    expect(changes.locator("tr").filter(has_text="welcome_message")).to_contain_text("Hi! How can we help?")
    shoot(page, "audit-entry-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "audit-entry-390")


OPERATOR_LISTS = [
    "agents/delivery",
    "agents/account",
    "agents/agent",
    "agents/apikey",
    "agents/webhook",
    "agents/auditentry",
    "agents/user",
    "agents/team",
    "agents/oauthclient",
    "conversations/conversation",
    "conversations/message",
    "conversations/thread",
    "conversations/media",
    "conversations/cannedreply",
    "conversations/label",
    "conversations/satisfactionrating",
]


@pytest.fixture
def busy_account(demo_account: Account, demo_agent) -> Account:
    """Rows with long values in every list: a delivery to a long URL, audited changes, keys, a conversation."""
    from agents.delivery.webhooks import webhook_create, webhook_ping
    from agents.services import api_key_create, audit_record
    from tests.factories import make_conversation, make_registered_customer, post

    hook = webhook_create(
        account=demo_account,
        url="https://integrations.example-company-with-a-long-name.invalid/webhooks/secure-messenger/receive",
        events=["message.created", "conversation.created", "thread.closed", "ping"],
    )
    webhook_ping(webhook=hook)
    api_key_create(account=demo_account, name="The backend of the shop, production", bot=None)
    audit_record(
        actor=None,
        action="change account",
        account=demo_account,
        target=demo_account.name,
        changes={"welcome_message": ["Welcome to **Demo Shop**!", "Hello! Ask us anything about your order."]},
    )
    customer = make_registered_customer(account=demo_account)
    conversation = make_conversation(account=demo_account, customers=[customer], subject="Where is my order #391?")
    post(conversation, customer)
    return demo_account


@pytest.mark.parametrize("path", OPERATOR_LISTS)
def test_the_operators_lists_fit_1280_px(admin_page: Page, busy_account: Account, path: str, shoot):
    page = admin_page
    response = page.goto(f"/admin/{path}/")
    assert response.status == 200
    width = page.evaluate("document.documentElement.scrollWidth")
    # The admin scrolls a wide table inside its own box (.results): that must not scroll either.
    table = page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return r ? [r.scrollWidth, r.clientWidth] : [0, 0]; })()"
    )
    shoot(page, f"list-{path.replace('/', '-')}-1280")
    assert width <= 1280 + 1, f"/admin/{path}/ is {width} px wide"
    assert table[0] <= table[1] + 1, f"/admin/{path}/: the table is {table[0]} px in a {table[1]} px box"
    assert page.locator("#changelist-search").count() == 1, "no search box"
