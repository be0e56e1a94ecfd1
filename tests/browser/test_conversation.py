"""The conversation page: typing both ways, image replies, the reply form's refusals, actions and their timeline
lines, older pages, the connection dropping and coming back, and what another account's agent cannot open."""

from __future__ import annotations

import re
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import dateformat, timezone
from PIL import Image
from playwright.sync_api import Page, expect

from agents.models import Account, Agent
from conversations.models import Media, Message
from conversations.services import desk_reply
from tests.browser.conftest import screenshot
from tests.browser.helpers import EXE_BYTES, conversation_url, customer_of, png_bytes
from tests.factories import make_agent, make_conversation, make_customer, make_device, post

WITHIN_2_S = 2000


def _is_typing_post(response) -> bool:
    return response.url.endswith("/typing") and response.request.method == "POST"


def _is_poll(response) -> bool:
    return "/updates?after=" in response.url


def test_the_app_sees_the_agent_typing_until_the_reply_is_sent(desk: Page, new_app):
    app = new_app()
    app.send("Are you there?")
    desk.goto(conversation_url(customer_of(app).current_conversation))
    assert app.messages()["agent"] is None
    started = int(time.time())

    with desk.expect_response(_is_typing_post) as typing:
        desk.get_by_label("Reply", exact=True).fill("Let me check")

    assert typing.value.status == 204
    agent = app.messages()["agent"]
    assert agent["name"] == "Sanne de Vries"
    assert type(agent["isTyping"]) is int
    assert started <= agent["isTyping"] <= int(time.time())

    desk.get_by_role("button", name="Send reply").click()

    expect(desk.locator("li.agent .text")).to_have_text("Let me check")
    assert app.messages()["agent"] is None


def test_the_page_shows_the_customer_typing_live(desk: Page, new_app):
    app = new_app()
    app.send("One more thing")
    desk.goto(conversation_url(customer_of(app).current_conversation))
    indicator = desk.get_by_text("typing…")
    expect(indicator).to_be_hidden()

    app.typing("startTyping")

    expect(indicator).to_be_visible(timeout=WITHIN_2_S)

    app.typing("stopTyping")

    expect(indicator).to_be_hidden(timeout=WITHIN_2_S)


def test_an_image_reply_shows_a_thumbnail_linking_to_the_full_size_and_reaches_the_app(desk: Page, new_app):
    app = new_app()
    app.send("Can you show me the label?")
    desk.goto(conversation_url(customer_of(app).current_conversation))

    desk.get_by_label("Attach an image").set_input_files(
        files=[{"name": "label.png", "mimeType": "image/png", "buffer": png_bytes((640, 480))}]
    )
    desk.get_by_label("Reply", exact=True).fill("Here it is")
    desk.get_by_role("button", name="Send reply").click()

    thumbnail = desk.locator("li.agent").get_by_role("img", name="label.png")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    link = desk.locator("li.agent").get_by_role("link", name="label.png")
    expect(link).to_have_attribute("target", "_blank")
    full_size = desk.request.get(link.get_attribute("href"))
    assert (full_size.status, full_size.headers["content-type"]) == (200, "image/png")
    assert full_size.body() == Media.objects.get().file.read()
    reply = max(app.messages()["data"], key=lambda message: message["id"])
    assert (reply["message"], reply["agent"]["name"], reply["media"]["mimeType"]) == (
        "Here it is",
        "Sanne de Vries",
        "image/png",
    )
    with Image.open(Media.objects.get().file) as stored:
        assert stored.size == (640, 480)


def test_the_reply_form_says_why_it_refused_an_empty_reply_or_a_file_that_is_no_image(desk: Page, new_app):
    app = new_app()
    app.send("Hello")
    desk.goto(conversation_url(customer_of(app).current_conversation))
    error = desk.locator("#reply-error")

    desk.get_by_role("button", name="Send reply").click()

    expect(error).to_have_text("Write a message or attach an image.")
    expect(error).to_have_attribute("role", "alert")

    desk.get_by_label("Attach an image").set_input_files(
        files=[{"name": "invoice.png", "mimeType": "image/png", "buffer": EXE_BYTES}]
    )
    desk.get_by_role("button", name="Send reply").click()

    expect(error).to_have_text("Only images can be attached.")
    expect(desk.locator("li.agent")).to_have_count(0)
    assert Media.objects.count() == 0
    assert list(Message.objects.values_list("author_kind", flat=True)) == ["customer"]


def test_assign_close_reopen_and_spam_each_leave_a_timeline_line_with_who_and_when(
    desk: Page, account: Account, desk_agent: Agent
):
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "My invoice is wrong.")
    bot = make_agent(account=account, is_bot=True)
    desk.goto(conversation_url(conversation))
    status = desk.locator("#conversation-status")
    assignee = desk.locator("#conversation-assignee")
    expect(assignee).to_have_text("nobody")

    desk.get_by_role("button", name="Assign to me").click()
    expect(assignee).to_have_text("Sanne de Vries")
    desk.get_by_label("Assign to").select_option(label=f"{bot.display_name} (bot)")
    desk.get_by_role("button", name="Assign", exact=True).click()
    expect(assignee).to_have_text(bot.display_name)
    desk.get_by_role("button", name="Close").click()
    expect(status).to_have_text("closed")
    desk.get_by_role("button", name="Reopen").click()
    expect(status).to_have_text("active")
    desk.get_by_role("button", name="Mark as spam").click()
    expect(status).to_have_text("spam")

    lines = Message.objects.filter(conversation=conversation, author_kind="system").order_by("id")
    expect(desk.locator("li.system .text")).to_have_text(
        [f"{line.text} · {dateformat.format(timezone.localtime(line.created_at), 'j M, H:i')}" for line in lines]
    )
    assert [(line.text, line.custom) for line in lines] == [
        ("Sanne de Vries assigned the conversation to themselves", {"action": "assign", "agentId": desk_agent.pk}),
        (
            f"Sanne de Vries assigned the conversation to {bot.display_name}",
            {"action": "assign", "agentId": desk_agent.pk},
        ),
        ("Sanne de Vries closed the conversation", {"action": "close", "agentId": desk_agent.pk}),
        ("Sanne de Vries reopened the conversation", {"action": "reopen", "agentId": desk_agent.pk}),
        ("Sanne de Vries marked the conversation as spam", {"action": "spam", "agentId": desk_agent.pk}),
    ]
    expect(desk.get_by_role("button", name="Mark as spam")).to_have_count(0)
    expect(desk.get_by_role("button", name="Reopen")).to_be_visible()


def test_messages_sent_while_the_network_is_down_appear_exactly_once_after_it_comes_back(desk: Page, new_app):
    app = new_app()
    first = app.send("Order 1234 has not arrived")
    desk.goto(conversation_url(customer_of(app).current_conversation))
    expect(desk.locator(f'li[data-id="{first}"]')).to_have_count(1)
    banner = desk.get_by_role("status")

    desk.context.set_offline(True)
    expect(banner).to_have_text("Reconnecting…", timeout=WITHIN_2_S)
    sent = [app.send(f"Still waiting ({n})") for n in range(1, 4)]
    desk.context.set_offline(False)

    for message_id in sent:
        expect(desk.locator(f'li[data-id="{message_id}"]')).to_have_count(1, timeout=WITHIN_2_S)
    expect(banner).to_be_hidden(timeout=WITHIN_2_S)
    with desk.expect_response(_is_poll) as poll:
        pass
    assert poll.value.json()["html"] == ""
    ids = desk.locator("li[data-id]").evaluate_all("items => items.map(item => Number(item.dataset.id))")
    assert ids == [first, *sent]


def test_older_messages_load_on_demand(desk: Page, account: Account):
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = make_conversation(account=account, customers=[customer])
    ids = [post(conversation, customer, f"message number {n}").pk for n in range(1, 61)]
    desk.goto(conversation_url(conversation))
    items = desk.locator("li[data-id]")
    expect(items).to_have_count(50)
    expect(items.first.locator(".text")).to_have_text("message number 11")

    desk.get_by_role("button", name="Load older messages").click()

    expect(items).to_have_count(60)
    assert items.evaluate_all("items => items.map(item => Number(item.dataset.id))") == ids
    expect(desk.locator("#timeline > li").first).to_have_text(
        re.compile(r"^Thread opened\s+by Ada Lovelace\s+· \d{1,2} \w{3}, \d\d:\d\d\s*$")
    )
    expect(desk.get_by_role("button", name="Load older messages")).to_have_count(0)


def test_an_agent_of_one_account_cannot_open_a_conversation_of_another(desk: Page, other_account: Account):
    stranger = make_customer(account=other_account, name="Bob Stranger")
    conversation = make_conversation(account=other_account, customers=[stranger])
    post(conversation, stranger, "my secret order number is 991")

    response = desk.goto(conversation_url(conversation))

    assert response.status == 404
    expect(desk.get_by_text("my secret order number is 991")).to_have_count(0)
    updates = desk.request.get(f"{conversation_url(conversation)}updates?after=0")
    assert updates.status == 404


def test_screenshots_of_the_inbox_and_a_conversation(desk: Page, account: Account, desk_agent: Agent):
    ada = make_customer(account=account, name="Ada Lovelace", email="ada@example.com", phone="+31 20 123 4567")
    make_device(customer=ada, device_type=3, sdk_version="2.0.0")
    grace = make_customer(account=account, name="Grace Hopper")
    anonymous = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[ada])
    post(conversation, ada, "Hello! My parcel has not arrived yet.")
    post(conversation, desk_agent, "Sorry to hear that. Could you give me the order number?")
    post(conversation, ada, "It is 1234.")
    label = SimpleUploadedFile("label.png", png_bytes((480, 240)), content_type="image/png")
    desk_reply(conversation=conversation, agent=desk_agent, text="Thanks! This is its label:", image=label)
    post(conversation, ada, "Great, thank you!")
    post(make_conversation(account=account, customers=[grace]), grace, "Can I change my delivery address?")
    post(make_conversation(account=account, customers=[anonymous]), anonymous, "Do you ship to Belgium?")

    desk.goto("/desk/")
    expect(desk.locator("#inbox-rows tr")).to_have_count(3)
    inbox = screenshot(desk, "inbox")
    desk.goto(conversation_url(conversation))
    expect(desk.locator("li[data-id]")).to_have_count(5)
    expect(desk.get_by_role("img", name="label.png")).to_have_js_property("naturalWidth", 320)
    page = screenshot(desk, "conversation")

    for path in (inbox, page):
        with Image.open(path) as picture:
            assert picture.size == (1280, 800)
