"""axe-core over the desk, signed in as an agent, on a desktop and a 390 px phone viewport: the inbox (with search
results), a conversation with a customer's and an agent's messages, an image and a file, and the reply form, and the
sign-in page the desk sends a stranger to (Django admin's). No violation may have the impact "serious" or
"critical"; the failure lists each one's id, targets and help."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, Page, expect

from agents.models import Account, Agent
from conversations.media import media_store
from conversations.models import Conversation
from conversations.services import desk_reply
from tests.browser.conftest import SCREENSHOTS, VIEWPORT
from tests.browser.helpers import conversation_url, png_bytes
from tests.factories import make_conversation, make_customer, make_device, post

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
VIEWPORTS = {"desktop": VIEWPORT, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")


def blocking_violations(page: Page) -> list[dict]:
    """axe-core's violations of the page as it is now whose impact is serious or critical."""
    results = Axe().run(page)
    return [violation for violation in results.response["violations"] if violation["impact"] in BLOCKING]


def report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} serious or critical accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')!r}")
    return "\n".join(lines)


def full_screenshot(page: Page, name: str) -> None:
    """The whole page under tests/browser/screenshots/ (git-ignored), for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def conversation(account: Account, desk_agent: Agent) -> Conversation:
    """Ada's conversation: her messages, an agent's replies (one with an image), a PDF she sent, a system line."""
    ada = make_customer(account=account, name="Ada Lovelace", email="ada@example.com", phone="+31 20 123 4567")
    make_device(customer=ada, device_type=3, sdk_version="2.0.0")
    conversation = make_conversation(account=account, customers=[ada])
    post(conversation, ada, "Hello! My parcel has not arrived yet.")
    post(conversation, desk_agent, "Sorry to hear that. Could you give me the order number?")
    invoice = media_store(
        account=account, customer=ada, upload=SimpleUploadedFile("invoice.pdf", PDF_BYTES, "application/pdf")
    )
    post(conversation, ada, "It is 1234, here is the invoice.", media=[invoice])
    label = SimpleUploadedFile("label.png", png_bytes((480, 240)), content_type="image/png")
    desk_reply(conversation=conversation, agent=desk_agent, text="Thanks! This is its label:", image=label)
    post(conversation, None, "Sanne de Vries assigned the conversation to themselves")
    post(conversation, ada, "Great, thank you!")
    grace = make_customer(account=account, name="Grace Hopper")
    post(make_conversation(account=account, customers=[grace]), grace, "Can I change my delivery address?")
    return conversation


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_inbox_has_no_serious_accessibility_violation(desk: Page, conversation: Conversation, viewport: str):
    desk.set_viewport_size(VIEWPORTS[viewport])
    desk.goto("/desk/")
    expect(desk.locator("#inbox-rows tr")).to_have_count(2)
    full_screenshot(desk, f"a11y-inbox-{viewport}")

    violations = blocking_violations(desk)

    assert violations == [], report(violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_inbox_with_search_results_has_no_serious_accessibility_violation(
    desk: Page, conversation: Conversation, viewport: str
):
    desk.set_viewport_size(VIEWPORTS[viewport])
    desk.goto("/desk/?q=parcel")
    expect(desk.get_by_role("region", name="Search results")).to_be_visible()

    violations = blocking_violations(desk)

    assert violations == [], report(violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_conversation_has_no_serious_accessibility_violation(desk: Page, conversation: Conversation, viewport: str):
    desk.set_viewport_size(VIEWPORTS[viewport])
    desk.goto(conversation_url(conversation))
    expect(desk.locator("li[data-id]")).to_have_count(6)
    expect(desk.get_by_role("img", name="label.png")).to_have_js_property("naturalWidth", 320)
    full_screenshot(desk, f"a11y-conversation-{viewport}")

    violations = blocking_violations(desk)

    assert violations == [], report(violations)


def test_a_conversation_with_the_reply_forms_error_shown_has_no_serious_accessibility_violation(
    desk: Page, conversation: Conversation
):
    desk.goto(conversation_url(conversation))
    desk.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_role("alert")).to_have_text("Write a message or attach an image.")

    violations = blocking_violations(desk)

    assert violations == [], report(violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_sign_in_page_the_desk_sends_a_stranger_to_has_no_serious_accessibility_violation(
    browser: Browser, live_server, viewport: str
):
    stranger = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport])
    page = stranger.new_page()
    page.goto("/desk/")
    expect(page.get_by_label("Username")).to_be_visible()
    full_screenshot(page, f"a11y-sign-in-{viewport}")

    violations = blocking_violations(page)

    stranger.close()
    assert violations == [], report(violations)


def test_a_conversation_with_a_flash_message_has_no_serious_accessibility_violation(
    desk: Page, conversation: Conversation
):
    desk.goto(conversation_url(conversation))
    with desk.expect_navigation():  # the form's own submit, past desk.js: the page without JavaScript's answer
        desk.locator("#reply-form").evaluate("form => HTMLFormElement.prototype.submit.call(form)")
    expect(desk.locator(".flash").get_by_role("alert")).to_have_text("Write a message or attach an image.")

    violations = blocking_violations(desk)

    assert violations == [], report(violations)


def test_the_desks_menus_notes_labels_and_canned_replies_have_no_serious_accessibility_violation(
    desk: Page, conversation: Conversation, account: Account, desk_agent: Agent
):
    from conversations.services import canned_reply_save, label_add, note_add

    canned_reply_save(account=account, shortcut="thanks", text="Thanks {{customer.first_name}}!")
    label_add(conversation=conversation, name="vip", actor_agent=desk_agent)
    note_add(conversation=conversation, agent=desk_agent, text="Refund approved by finance")
    desk.goto(conversation_url(conversation))
    expect(desk.locator("li.note")).to_have_count(1)
    desk.locator("summary", has_text="Snooze").click()
    desk.get_by_text("Notifications", exact=True).click()
    desk.get_by_label("Note for agents").check()
    reply = desk.get_by_label("Private note", exact=True)
    reply.fill("/th")
    expect(desk.locator("#canned-list").get_by_role("option")).to_have_count(1)
    full_screenshot(desk, "a11y-conversation-menus")
    assert blocking_violations(desk) == []

    desk.keyboard.press("Escape")
    desk.locator("body").click(position={"x": 5, "y": 300})
    desk.keyboard.press("?")
    expect(desk.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    violations = blocking_violations(desk)
    assert violations == [], report(violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_canned_replies_page_has_no_serious_accessibility_violation(
    desk: Page, account: Account, viewport: str
):
    from conversations.services import canned_reply_save

    canned_reply_save(account=account, shortcut="thanks", title="Thank you", text="Thanks {{customer.first_name}}!")
    desk.set_viewport_size(VIEWPORTS[viewport])
    desk.goto("/desk/canned/")
    expect(desk.get_by_role("heading", name="Canned replies")).to_be_visible()
    full_screenshot(desk, f"a11y-canned-{viewport}")

    violations = blocking_violations(desk)

    assert violations == [], report(violations)
