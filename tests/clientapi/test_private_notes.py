"""Private notes (#19) never reach a customer's app: not in GET messages (any version), not by id, not in the
unseen count, and they answer nobody (the conversation's status and waiting time stay)."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Receipt
from conversations.services import note_add
from tests.clientapi.helpers import agent_reply, customer_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", ["1.9", "1.8", "1.6"])
def test_a_note_is_in_no_listing_of_the_customer(web, agent, version):
    # given a customer who wrote, an agent's reply and then a note
    web.send("Where is my parcel?")
    reply = agent_reply(web, agent, "Let me check.")
    conversation = customer_of(web).current_conversation
    note = note_add(conversation=conversation, agent=agent, text="Carrier lost it, refund tomorrow")

    # when the app reads its timeline (first page, after the reply, the message by id)
    app = web.with_(version=version)
    first = app.get("messages").json()["data"]
    after = app.get(f"messages/after:{reply.pk}").json()["data"]
    by_id = app.get(f"messages/{note.pk}")

    # then the note is nowhere
    assert [int(m["id"]) for m in first][:1] == [reply.pk]
    assert note.pk not in [int(m["id"]) for m in first]
    assert after == []
    assert by_id.status_code == 404
    assert "refund" not in str(first)
    assert not Receipt.objects.filter(message=note).exists()


def test_a_note_is_not_unseen_and_answers_nobody(web, agent):
    web.send("Hello?")
    conversation = customer_of(web).current_conversation
    waiting_since = conversation.waiting_since
    last_activity = conversation.last_activity_at

    note_add(conversation=conversation, agent=agent, text="VIP customer, be nice")

    assert web.get("messages/unseen/count").json()["data"] == {"messageIds": [], "count": 0}
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert conversation.status == Conversation.Status.ACTIVE
    assert conversation.waiting_since == waiting_since
    assert conversation.last_activity_at == last_activity
