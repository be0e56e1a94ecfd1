"""The services behind Help Scout's thread writes (#21): a staff reply or note with a status change, all or
nothing; a staff message's text edited (audited); a file added to a staff message."""

from __future__ import annotations

import pytest

from agents.models import AuditEntry
from conversations.models import Conversation, Media, Message
from conversations.services import (
    AttachmentDraft,
    message_attachment_add,
    message_text_edit,
    staff_entry_post,
)
from messenger_project.errors import ServiceError
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db

FILE = AttachmentDraft("a.txt", "text/plain", b"hello")


@pytest.fixture
def setting():
    account = make_account()
    agent = make_agent(account=account)
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    said = post(conversation, customer, "Where are my pens?")
    return conversation, agent, said


def test_staff_entry_post_replies_then_closes(setting):
    conversation, agent, _ = setting

    message = staff_entry_post(conversation=conversation, author=agent, text="Sent today", status="closed")

    assert (message.is_private, message.author_agent) == (False, agent)
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.CLOSED


def test_staff_entry_post_note_keeps_the_status_and_reaches_nobody(setting):
    conversation, agent, _ = setting
    status = Conversation.objects.get(pk=conversation.pk).status

    note = staff_entry_post(
        conversation=conversation, author=agent, text=" Call back ", private=True, attachments=[FILE]
    )

    assert (note.is_private, note.text, note.receipts.count()) == (True, "Call back", 0)
    assert [m.original_name for m in note.attachments.all()] == ["a.txt"]
    assert Conversation.objects.get(pk=conversation.pk).status == status


def test_staff_entry_post_with_a_bad_status_writes_nothing(setting):
    conversation, agent, _ = setting
    before = (Message.objects.count(), Media.objects.count())

    with pytest.raises(ServiceError) as refused:
        staff_entry_post(conversation=conversation, author=agent, text="Hi", status="nonsense", attachments=[FILE])

    assert refused.value.code == "invalid_status"
    assert (Message.objects.count(), Media.objects.count()) == before


def test_message_text_edit_changes_a_staff_message_and_audits_it(setting):
    conversation, agent, _ = setting
    reply = post(conversation, agent, "Helo")

    message_text_edit(message=reply, text="Hello", by=agent)

    assert Message.objects.get(pk=reply.pk).text == "Hello"
    [entry] = AuditEntry.objects.filter(action="edit message text")
    assert (entry.actor, entry.account, entry.target) == (
        agent.user,
        conversation.account,
        f"message {reply.pk} in conversation {conversation.public_id}",
    )


def test_message_text_edit_refuses_a_customers_message(setting):
    _, agent, said = setting

    with pytest.raises(ServiceError) as refused:
        message_text_edit(message=said, text="Changed", by=agent)

    assert (refused.value.code, refused.value.status_code) == ("thread_not_editable", 422)
    assert Message.objects.get(pk=said.pk).text == "Where are my pens?"
    assert not AuditEntry.objects.exists()


def test_message_attachment_add_stops_at_five(setting):
    conversation, agent, _ = setting
    reply = post(conversation, agent, "Files")
    for _ in range(5):
        message_attachment_add(message=reply, attachment=FILE, by=agent)

    with pytest.raises(ServiceError) as refused:
        message_attachment_add(message=reply, attachment=FILE, by=agent)

    assert refused.value.code == "too_many_attachments"
    assert list(reply.attachments.values_list("position", flat=True)) == [0, 1, 2, 3, 4]
