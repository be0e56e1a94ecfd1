"""Private notes at the desk, in Chromium: the composer switches between a reply and a note; a note shows in the
desk's timeline, tagged, and never reaches the customer's app."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from conversations.models import Message
from conversations.services import note_add
from tests.browser.conftest import screenshot
from tests.browser.helpers import customer_of

WITHIN_2_S = 2000


def test_a_note_written_in_the_desk_shows_to_agents_and_never_reaches_the_customers_app(desk: Page, new_app):
    app = new_app()
    question_id = app.send("Can I pay by invoice?")
    customer = customer_of(app)
    desk.goto("/desk/")
    desk.get_by_role("link", name=customer.display_name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(customer.display_name)

    # The composer switches to a note: its label, its button and its look say so.
    expect(desk.get_by_label("Reply", exact=True)).to_be_visible()
    expect(desk.get_by_role("button", name="Send reply")).to_be_visible()
    desk.get_by_role("radio", name="Note for agents").check()
    note_box = desk.get_by_label("Private note", exact=True)
    expect(note_box).to_be_visible()
    expect(desk.get_by_role("button", name="Add note")).to_be_visible()
    expect(desk.get_by_role("button", name="Send reply")).to_have_count(0)

    note_box.fill("Check with finance first: invoices only above 500 EUR.")
    desk.get_by_role("button", name="Add note").click()

    note = desk.locator("li.item.note")
    expect(note.locator(".text")).to_have_text("Check with finance first: invoices only above 500 EUR.")
    expect(note).to_contain_text("Private note")
    expect(note.locator(".delivery")).to_have_count(0)  # no delivery to anybody
    screenshot(desk, "desk-notes")
    saved = Message.objects.get(pk=int(note.get_attribute("data-id")))
    assert saved.is_private and saved.author_agent.display_name == "Sanne de Vries"

    # Back to the customer: the box is a reply again, and the reply does reach the app.
    desk.get_by_role("radio", name="To the customer").check()
    reply_box = desk.get_by_label("Reply", exact=True)
    reply_box.fill("Yes, you can.")
    reply_box.press("Enter")
    reply = desk.locator("li.item.agent:not(.note)")
    expect(reply.locator(".text")).to_have_text("Yes, you can.")
    expect(desk.locator("li.item.note")).to_have_count(1)

    envelope = app.messages()
    assert sorted((m["id"], m["message"]) for m in envelope["data"]) == [
        (question_id, "Can I pay by invoice?"),
        (int(reply.get_attribute("data-id")), "Yes, you can."),
    ]
    assert "finance" not in str(envelope)


def test_a_note_added_by_a_service_shows_live_in_the_open_conversation_only(desk: Page, new_app, desk_agent):
    app = new_app()
    app.send("Where is my parcel?")
    customer = customer_of(app)
    desk.goto("/desk/")
    desk.get_by_role("link", name=customer.display_name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(customer.display_name)

    conversation = customer.current_conversation
    before = (conversation.status, conversation.waiting_since, conversation.last_activity_at)

    note_add(conversation=conversation, agent=desk_agent, text="Courier says Tuesday.")

    expect(desk.locator("li.item.note .text")).to_have_text("Courier says Tuesday.", timeout=WITHIN_2_S)
    expect(desk.locator("li.item.note")).to_contain_text("Private note")
    # A note answers nobody: the customer still waits, and the app never sees it.
    conversation.refresh_from_db()
    assert (conversation.status, conversation.waiting_since, conversation.last_activity_at) == before
    assert [m["message"] for m in app.messages()["data"]] == ["Where is my parcel?"]


def test_writing_a_note_tells_the_customer_nothing_while_a_reply_says_typing(desk: Page, new_app):
    app = new_app()
    app.send("Where is my refund?")
    desk.goto("/desk/")
    desk.get_by_role("link", name=customer_of(app).display_name).click()
    typing = []
    desk.on("request", lambda request: request.url.endswith("/typing") and typing.append(request.post_data))

    desk.get_by_label("Note for agents").check()
    desk.get_by_label("Private note", exact=True).press_sequentially("Finance approved it")
    desk.wait_for_timeout(500)  # a typing notice would have gone out at the first key
    assert typing == []

    desk.get_by_label("To the customer").check()
    desk.get_by_label("Reply", exact=True).press_sequentially("Good news")
    desk.wait_for_timeout(500)
    assert len(typing) == 1 and "start" in typing[0]
