"""After an erasure (#22) the event streams show nothing of the erased customer: her open widget stream ends and
her device cannot reconnect; another participant resuming from an old id gets the markers, the desk's stream
carries no text at all."""

from __future__ import annotations

import pytest

from conversations.services.erasure import ERASED_TEXT, customer_erase
from tests.clientapi.helpers import customer_of, register
from tests.factories import make_conversation, post
from tests.streams.conftest import account, agent, other_account, stream_server  # noqa: F401
from tests.streams.sse import open_stream
from tests.streams.test_desk_stream import desk_stream

SECRET = "my card ends in 4242"


def widget_stream(server, app, **headers):
    return open_stream(server.url, "/stream/client", {**app.headers(), **headers})


def test_the_streams_show_markers_only(stream_server, client, account, agent):  # noqa: F811
    # given Ann and Bob in one conversation, Ann's message in both timelines, and Ann's stream open
    ann_app, bob_app = register(client, "ann-web-000001"), register(client, "bob-web-000001")
    ann, bob = customer_of(ann_app), customer_of(bob_app)
    conversation = make_conversation(account=account, customers=[ann, bob])
    before = post(conversation, agent, "Welcome both")
    secret = post(conversation, ann, SECRET)
    _, ann_stream = widget_stream(stream_server, ann_app)
    ann_stream.next_of("ready")

    # when Ann is erased
    customer_erase(customer=ann, actor=None)

    # then her stream ends and her device cannot come back
    with pytest.raises(EOFError):
        ann_stream.next(5)
    status, body = widget_stream(stream_server, ann_app)
    assert status == 400 and body["notifications"][0]["message"] == "device_not_registered"
    # Bob, resuming from before her message, gets it as a marker
    _, bob_stream = widget_stream(stream_server, bob_app, **{"Last-Event-ID": str(before.pk)})
    event = bob_stream.next_of("message")
    assert event.id == secret.pk
    assert event.data["message"] == ERASED_TEXT
    assert SECRET not in str(event.data)
    # the desk, resuming from before her message, hears of it without any text
    _, desk = desk_stream(stream_server, agent, **{"Last-Event-ID": str(before.pk)})
    assert desk.next_of("message").id == secret.pk
    assert SECRET not in str([e.data for e in desk.seen])
    bob_stream.close()
    desk.close()
