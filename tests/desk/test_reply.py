"""Replying from the desk: through the posting service, images only, refusals that say why and store nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agents.models import Account, Agent
from conversations.models import Conversation, Media, Message, Receipt
from conversations.typing import agent_typing_get, agent_typing_set
from devices.models import Customer
from tests.desk.helpers import EXE_BYTES, PDF_BYTES, png_upload, stored_files, url
from tests.factories import make_conversation, post

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


@pytest.fixture
def chat(account: Account, customer: Customer) -> Conversation:
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello?")
    return conversation


def test_a_reply_is_posted_as_the_agent_and_reaches_the_customer(
    desk: Client, agent: Agent, chat: Conversation, customer: Customer
):
    agent_typing_set(conversation=chat, agent=agent, typing=True)

    response = desk.post(url("conversation-reply", chat), {"text": "  How can I help?  "}, headers=JSON)

    assert (response.status_code, response.json()) == (200, {"ok": True, "error": None})
    reply = Message.objects.latest("id")
    assert (reply.author_agent, reply.author_kind, reply.text, reply.origin) == (
        agent,
        "agent",
        "How can I help?",
        "desk",
    )
    assert list(Receipt.objects.filter(message=reply).values_list("customer", "type_id", "status")) == [
        (customer.pk, Receipt.TypeId.AGENT, Receipt.Status.AVAILABLE)
    ]
    chat.refresh_from_db()
    assert (chat.status, chat.waiting_since) == ("pending", None)
    assert agent_typing_get(conversation_id=chat.pk) is None


def test_a_reply_to_a_closed_conversation_reopens_it_as_pending_and_the_default_inbox_shows_it(
    desk: Client, agent: Agent, chat: Conversation
):
    desk.post(url("conversation-action", chat), {"action": "close"})
    assert [row.pk for row in desk.get(url("inbox")).context["rows"]] == []

    response = desk.post(url("conversation-reply", chat), {"text": "One more thing."}, headers=JSON)

    assert response.status_code == 200
    chat.refresh_from_db()
    assert (chat.status, chat.closed_at, chat.is_open) == ("pending", None, True)
    assert chat.threads.filter(status="open").count() == 1
    inbox = desk.get(url("inbox"))
    assert [row.pk for row in inbox.context["rows"]] == [chat.pk]
    assert inbox.context["counts"] == {"unassigned": 1, "mine": 0, "all": 1}


def test_an_image_reply_stores_the_image_on_the_message(desk: Client, chat: Conversation, media_root: Path):
    response = desk.post(url("conversation-reply", chat), {"text": "", "image": png_upload("label.png")}, headers=JSON)

    assert (response.status_code, response.json()) == (200, {"ok": True, "error": None})
    media = Media.objects.get()
    assert (media.message, media.mime_type, media.original_name, (media.width, media.height)) == (
        Message.objects.latest("id"),
        "image/png",
        "label.png",
        (64, 48),
    )
    assert stored_files(media_root) == [Path(media.file.path), Path(media.thumbnail.path)]
    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})
    assert (thumbnail.status_code, thumbnail["Content-Type"], thumbnail["X-Content-Type-Options"]) == (
        200,
        "image/png",
        "nosniff",
    )


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_reply_is_a_400_saying_what_is_missing(desk: Client, chat: Conversation, text: str):
    response = desk.post(url("conversation-reply", chat), {"text": text}, headers=JSON)

    assert (response.status_code, response.json()) == (
        400,
        {"ok": False, "error": "Write a message or attach an image."},
    )
    assert Message.objects.count() == 1


def test_an_empty_reply_without_javascript_comes_back_with_the_message_on_the_page(desk: Client, chat: Conversation):
    response = desk.post(url("conversation-reply", chat), {"text": ""}, follow=True)

    assert response.redirect_chain == [(url("conversation", chat), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Write a message or attach an image."]
    assert b'<li class="error"><span role="alert">Write a message or attach an image.</span></li>' in response.content
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("invoice.png", EXE_BYTES, "image/png"),  # an executable renamed
        ("invoice.pdf", PDF_BYTES, "application/pdf"),  # a file the client API would take, but not an image
        ("notes.txt", b"just some words", "text/plain"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(
    desk: Client, chat: Conversation, media_root: Path, name: str, content: bytes, content_type: str
):
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    response = desk.post(url("conversation-reply", chat), {"text": "See attached", "image": upload}, headers=JSON)

    assert (response.status_code, response.json()) == (400, {"ok": False, "error": "Only images can be attached."})
    assert Message.objects.count() == 1
    assert Media.objects.count() == 0
    assert stored_files(media_root) == []
