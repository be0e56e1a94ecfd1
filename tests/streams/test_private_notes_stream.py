"""Private notes (#19) on the event streams: the desk's carries them (so the desk refreshes), the widget's never."""

from __future__ import annotations

from conversations.services import note_add
from tests.clientapi.helpers import agent_reply, customer_of, register
from tests.streams.sse import open_stream
from tests.streams.test_desk_stream import desk_stream


def test_the_widget_never_hears_of_a_note_but_the_desk_does(stream_server, client, account, agent):
    # given a customer with an open widget stream, and an agent with the desk's stream
    web = register(client, "web-device-0001")
    web.send("Hello?")
    conversation = customer_of(web).current_conversation
    _, widget = open_stream(stream_server.url, "/stream/client", web.headers())
    widget.next_of("ready")
    _, desk = desk_stream(stream_server, agent)
    desk.next_of("ready")

    # when an agent writes a note, then replies
    note = note_add(conversation=conversation, agent=agent, text="Refund approved")
    reply = agent_reply(web, agent, "Your refund is on its way.")

    # then the desk hears of both; the widget only of the reply
    assert desk.next_of("message").id == note.pk
    event = widget.next_of("message")
    assert event.id == reply.pk
    assert all(e.id != note.pk for e in widget.seen)
    assert "Refund approved" not in str([e.data for e in widget.seen])
