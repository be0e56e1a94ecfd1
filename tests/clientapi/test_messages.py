"""The messages family (client API §4, §5.4 to §5.10, §6): sending, the message object, paging and status."""

from __future__ import annotations

import pytest

from conversations.models import Message, Receipt
from conversations.services import conversation_assign
from tests.clientapi.helpers import (
    MESSAGE_KEYS,
    agent_reply,
    assert_error,
    customer_of,
    db_counts,
    png_bytes,
    register,
    upload_file,
)

pytestmark = pytest.mark.django_db


def receipt_statuses() -> dict[tuple[int, int], int]:
    return {(r.customer_id, r.message_id): r.status for r in Receipt.objects.all()}


def page_ids_of(body: dict) -> list[int]:
    return [message["id"] for message in body["data"]]


# --- POST messages -----------------------------------------------------------------------------------------


def test_post_text_message_stores_it_in_the_customer_conversation(web):
    response = web.post("messages", {"message": "  Hello  ", "referer": "https://shop.example/help"})

    assert response.status_code == 200
    message = Message.objects.get()
    assert response.json()["data"] == {"messageId": str(message.pk)}
    assert (message.text, message.referrer, message.author_customer) == (
        "Hello",
        "https://shop.example/help",
        customer_of(web),
    )
    assert customer_of(web).current_conversation == message.conversation


def test_message_of_5000_characters_is_accepted(web):
    response = web.post("messages", {"message": "x" * 5000})

    assert response.status_code == 200
    assert len(Message.objects.get().text) == 5000


@pytest.mark.parametrize(("body", "type_id"), [({"typeId": 4}, 4), ({"type": 4}, 4), ({"typeId": 2}, 1), ({}, 1)])
def test_type_id_or_type_4_sends_a_silent_message_and_anything_else_a_user_message(web, body, type_id):
    web.post("messages", {"message": "opened the order page", "uuid": "6f1", "send_status": 0, **body})

    assert web.get("messages").json()["data"][0]["typeId"] == type_id


@pytest.mark.parametrize(
    ("raw", "second_notification"),
    [
        pytest.param("{not json", None, id="invalid-json"),
        pytest.param('[{"message": "hi"}]', "body: expected a JSON object", id="array"),
        pytest.param('{"message": ""}', "message: This field may not be blank.", id="empty"),
        pytest.param('{"message": "   \\n "}', "message: This field may not be blank.", id="blank"),
        pytest.param("{}", "message: This field may not be blank.", id="no-message"),
        pytest.param('{"message": "' + "x" * 5001 + '"}', None, id="5001-characters"),
        pytest.param('{"message": "hi", "typeId": "one"}', "typeId: A valid integer is required.", id="bad-type-id"),
    ],
)
def test_bad_message_body_is_validation_error_and_writes_nothing(web, raw, second_notification):
    before = db_counts()

    response = web.post("messages", raw=raw)

    body = assert_error(response, 400, "validation_error", url="messages")
    if second_notification is not None:
        assert body["notifications"][1]["message"] == second_notification
    assert db_counts() == before


def test_text_and_media_together_are_refused(web, media_root):
    media_id = web.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    before = db_counts()

    response = web.post("messages", {"message": "look", "media": {"id": media_id}})

    assert_error(response, 400, "validation_error", url="messages")
    assert db_counts() == before


def test_multipart_image_with_a_message_field_is_refused(web, media_root):
    before = db_counts()

    response = web.upload("messages", image=upload_file(png_bytes()), message="look at this")

    assert_error(response, 400, "validation_error", url="messages")
    assert db_counts() == before
    assert list(media_root.rglob("*.png")) == []


@pytest.mark.parametrize(
    "media_id",
    ["da0cb973-6a33-402d-8dd6-68eb3ad65cef", "img/1/2025/3/14/nothing.png", "not an id"],
    ids=["unknown-uuid", "unknown-path", "garbage"],
)
def test_unknown_media_id_is_missing_media(web, media_id):
    before = db_counts()

    response = web.post("messages", {"media": {"id": media_id}})

    assert_error(response, 400, "missing_media", url="messages")
    assert db_counts() == before


def test_media_uploaded_by_another_customer_is_missing_media(web, stranger):
    media_id = stranger.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    before = db_counts()

    response = web.post("messages", {"media": {"id": media_id}})

    assert_error(response, 400, "missing_media")
    assert db_counts() == before


def test_media_already_used_by_a_message_is_missing_media(web):
    media_id = web.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    web.post("messages", {"media": {"id": media_id}})
    before = db_counts()

    response = web.post("messages", {"media": {"id": media_id}})

    assert_error(response, 400, "missing_media")
    assert db_counts() == before


# --- the message object --------------------------------------------------------------------------------------


def test_own_message_object_on_v1_9(web):
    message_id = web.send("Hello")

    message = web.get("messages").json()["data"][0]

    assert set(message) == MESSAGE_KEYS | {"status"}
    assert {k: message[k] for k in ("id", "message", "typeId", "agent", "status", "image", "media", "title")} == {
        "id": message_id,
        "message": "Hello",
        "typeId": 1,
        "agent": None,
        "status": 4,
        "image": None,
        "media": None,
        "title": None,
    }
    assert (message["buttons"], message["carousel"], message["quickReplies"], message["custom"]) == ([], [], [], [])
    assert isinstance(message["time"], int) and message["time"] > 0


def test_v1_8_message_object_has_no_status(web):
    web.send("Hello")

    message = web.with_(version="1.8").get("messages").json()["data"][0]

    assert set(message) == MESSAGE_KEYS


def test_agent_message_object(web, agent):
    web.send("Hello")
    reply = agent_reply(web, agent, "Hi, Sanne here", quick_replies=["Yes", "No"], title="Your order")

    message = web.get("messages").json()["data"][0]

    assert message["id"] == reply.pk
    assert (message["typeId"], message["message"], message["title"]) == (2, "Hi, Sanne here", "Your order")
    assert message["agent"] == {"id": agent.pk, "name": "Sanne", "avatar": None, "isTyping": None}
    assert (message["quickReplies"], message["carousel"]) == (["Yes", "No"], [])


def test_media_message_object_uses_the_path_form_id(web, account):
    media_id = web.upload("media", media=upload_file(png_bytes(), name="IMG_1.jpg")).json()["data"]["media"]
    web.post("messages", {"media": {"id": media_id, "description": "holiday.png"}})

    media = web.get("messages").json()["data"][0]["media"]

    year, month, day, filename = (media["year"], media["month"], media["day"], media["filename"])
    assert media == {
        "id": f"img/{account.pk}/{year}/{month}/{day}/{filename}",
        "mimeType": "image/png",
        "year": year,
        "month": month,
        "day": day,
        "filename": filename,
        "description": "holiday.png",
    }
    assert not month.startswith("0") and not day.startswith("0")
    assert filename.endswith(".png") and media_id.replace("-", "") in filename


def test_media_object_before_v1_8_has_no_filename(web):
    media_id = web.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    web.post("messages", {"media": {"id": media_id}})

    message = web.with_(version="1.7").get("messages").json()["data"][0]

    assert set(message["media"]) == {"id", "mimeType", "year", "month", "day", "description"}
    assert message["image"] == message["media"]["id"]


def test_page_satisfies_what_ios_requires_of_every_message(client, account, agent):
    """Spec §11 item 10: a page with an agent, a system and a buttons message decodes on iOS."""
    web = register(client, "web-device-0001", body={"type": 3})
    web.send("Hello")
    agent_reply(web, agent)
    agent_reply(web, None, "Sanne joined the conversation")
    agent_reply(
        web,
        agent,
        "Pick one",
        buttons=[
            {"title": "Call us", "payload": "+31201234567", "type": "phoneNumber"},
            {"title": "Dance", "payload": "now", "type": "dance"},
            {"payload": "https://example.com/t/1", "type": "webUrl"},
        ],
        carousel=[{"title": "Card", "message": "One", "buttons": [{"payload": "Yes", "type": "reply"}]}],
    )

    messages = web.get("messages").json()["data"]

    assert [m["typeId"] for m in messages] == [2, 3, 2, 1]
    assert messages[1]["agent"] is None
    for message in messages:
        assert isinstance(message["time"], int) and message["time"] > 0
        assert message["typeId"] in range(1, 6)
        assert message["status"] in range(2, 5)
        assert message["agent"] is None or isinstance(message["agent"]["id"], int)
        assert message["agent"] is None or isinstance(message["agent"]["name"], str)
        assert isinstance(message["carousel"], list)
        assert all(item.get("carousel") is None for item in message["carousel"])
    assert messages[0]["buttons"] == [
        {"title": "Call us", "payload": "tel:+31201234567", "type": "phoneNumber"},
        {"title": "https://example.com/t/1", "payload": "https://example.com/t/1", "type": "webUrl"},
    ]
    assert messages[0]["carousel"] == [
        {
            "title": "Card",
            "message": "One",
            "media": None,
            "buttons": [{"title": "Yes", "payload": "Yes", "type": "reply"}],
        }
    ]


def test_phone_number_button_is_bare_for_android(client, account, agent):
    android = register(client, "android-device-01", body={"type": 1})
    android.send("Hello")
    agent_reply(
        android, agent, "Call", buttons=[{"title": "Call us", "payload": "+31201234567", "type": "phoneNumber"}]
    )

    buttons = android.get("messages").json()["data"][0]["buttons"]

    assert buttons == [{"title": "Call us", "payload": "+31201234567", "type": "phoneNumber"}]


# --- GET messages: top level and paging --------------------------------------------------------------------


def test_empty_timeline_is_a_success_with_every_top_level_key(web):
    body = web.get("messages").json()

    assert body["data"] == []
    assert body["status"] == "SUCCESS"
    assert body["agent"] is None
    assert body["paging"] == {"before": "", "after": ""}
    assert body["stickyMessage"] == "Closed on Sundays."
    assert body["welcomeMessage"] == "Welcome! We usually answer within a minute."


def test_welcome_message_falls_back_to_info_text_and_texts_are_null_when_unset(web, account):
    account.welcome_message = ""
    account.sticky_message = ""
    account.info_text = "We answer within a day."
    account.save()

    body = web.get("messages").json()

    assert (body["welcomeMessage"], body["stickyMessage"]) == ("We answer within a day.", None)


def test_top_level_agent_is_the_assignee(web, agent):
    web.send("Hello")
    conversation_assign(conversation=customer_of(web).current_conversation, assignee=agent)

    body = web.get("messages").json()

    assert body["agent"] == {"id": agent.pk, "name": "Sanne", "avatar": None, "isTyping": None}


def test_pages_hold_50_messages_newest_first_with_string_paging(web, agent):
    first = web.send("message 0")
    ids = [first] + [agent_reply(web, agent, f"message {n}").pk for n in range(1, 55)]

    latest = web.get("messages").json()
    older = web.get(latest["paging"]["before"].lstrip("/")).json()

    assert page_ids_of(latest) == ids[:4:-1]
    assert latest["paging"] == {"before": f"/messages/before:{ids[5]}", "after": f"/messages/after:{ids[-1]}"}
    assert page_ids_of(older) == ids[4::-1]
    assert older["paging"] == {"before": "", "after": f"/messages/after:{ids[4]}"}


def test_after_gives_the_lowest_50_above_the_cursor_newest_first(web, agent):
    first = web.send("message 0")
    ids = [first] + [agent_reply(web, agent, f"message {n}").pk for n in range(1, 60)]

    body = web.get(f"messages/after:{ids[2]}").json()

    assert page_ids_of(body) == ids[52:2:-1]
    assert body["paging"] == {"before": f"/messages/before:{ids[3]}", "after": f"/messages/after:{ids[52]}"}


def test_after_with_nothing_new_keeps_the_cursor(web):
    last = web.send("Hello")

    body = web.get(f"messages/after:{last}").json()

    assert body["data"] == []
    assert body["paging"] == {"before": "", "after": f"/messages/after:{last}"}
    assert body["metadata"]["values"]["url"] == f"messages/after:{last}"


@pytest.mark.parametrize(
    "path",
    ["messages/before:abc", "messages/after:-1", "messages/before:0", "messages/after:1.5", "messages/after:²"],
)
def test_bad_cursor_is_validation_error_and_changes_nothing(web, agent, path):
    web.send("Hello")
    agent_reply(web, agent)
    before, statuses = db_counts(), receipt_statuses()

    response = web.get(path)

    assert_error(response, 400, "validation_error", url=path)
    assert (db_counts(), receipt_statuses()) == (before, statuses)


BEYOND_BIGINT = "99999999999999999999"


def test_before_a_cursor_beyond_any_message_id_is_the_latest_page_not_a_crash(web):
    hello = web.send("Hello")

    response = web.get(f"messages/before:{BEYOND_BIGINT}")

    assert response.status_code == 200, response.content
    assert page_ids_of(response.json()) == [hello]


def test_after_a_cursor_beyond_any_message_id_is_an_empty_page_not_a_crash(web):
    web.send("Hello")

    response = web.get(f"messages/after:{BEYOND_BIGINT}")

    assert response.status_code == 200, response.content
    assert response.json()["data"] == []
    assert response.json()["paging"] == {"before": "", "after": f"/messages/after:{BEYOND_BIGINT}"}


# --- GET messages/{id} ---------------------------------------------------------------------------------------


def test_get_one_message(web, agent):
    web.send("Hello")
    reply = agent_reply(web, agent)

    response = web.get(f"messages/{reply.pk}")

    assert response.status_code == 200
    assert response.json()["data"]["id"] == reply.pk
    assert response.json()["data"]["typeId"] == 2
    assert Receipt.objects.get(message=reply).status == Receipt.Status.RECEIVED


def test_message_of_another_customer_is_not_found_and_not_leaked(web, stranger):
    secret = Message.objects.get()
    statuses = receipt_statuses()

    response = web.get(f"messages/{secret.pk}")

    assert_error(response, 404, "message_not_found", url=f"messages/{secret.pk}")
    assert b"991" not in response.content
    assert receipt_statuses() == statuses


def test_message_id_beyond_any_message_id_is_not_found_not_a_crash(web):
    web.send("Hello")

    response = web.get(f"messages/{BEYOND_BIGINT}")

    assert_error(response, 404, "message_not_found", url=f"messages/{BEYOND_BIGINT}")


# --- status and unseen count -------------------------------------------------------------------------------


def test_agent_message_is_available_then_received_once_a_get_returned_it(web, agent):
    web.send("Hello")
    reply = agent_reply(web, agent)
    assert Receipt.objects.get(message=reply).status == Receipt.Status.AVAILABLE

    first = web.get("messages").json()["data"][0]
    again = web.get("messages").json()["data"][0]

    assert (first["status"], again["status"]) == (3, 3)
    assert Receipt.objects.get(message=reply).status == Receipt.Status.RECEIVED


def test_put_status_4_marks_agent_messages_seen_and_skips_own_messages(web, agent):
    own = web.send("Hello")
    replies = [agent_reply(web, agent, "one").pk, agent_reply(web, agent, "two").pk]

    response = web.put("messages/status/4", {"messageIds": [own, *replies]})

    assert response.status_code == 200
    assert response.json()["data"] == {"messageIds": replies}
    assert [m["status"] for m in web.get("messages").json()["data"]] == [4, 4, 4]


def test_put_status_never_lowers(web, agent):
    web.send("Hello")
    reply = agent_reply(web, agent).pk
    web.put("messages/status/4", {"messageIds": [reply]})

    again = web.put("messages/status/4", {"messageIds": [reply]})
    lower = web.put("messages/status/2", {"messageIds": [reply]})

    assert (again.json()["data"], lower.json()["data"]) == ({"messageIds": []}, {"messageIds": []})
    assert Receipt.objects.get(message_id=reply).status == Receipt.Status.SEEN


def test_put_status_silently_skips_messages_of_another_customer(web, stranger, agent):
    agent_reply(stranger, agent, "for the stranger only")
    theirs = list(Message.objects.values_list("pk", flat=True))
    statuses = receipt_statuses()

    response = web.put("messages/status/4", {"messageIds": theirs})

    assert response.status_code == 200
    assert response.json()["data"] == {"messageIds": []}
    assert receipt_statuses() == statuses


def test_put_status_silently_skips_ids_beyond_any_message_id(web, agent):
    web.send("Hello")
    reply = agent_reply(web, agent).pk

    response = web.put("messages/status/4", {"messageIds": [reply, int(BEYOND_BIGINT)]})

    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"messageIds": [reply]}
    assert Receipt.objects.get(message_id=reply).status == Receipt.Status.SEEN


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        pytest.param("messages/status/7", '{"messageIds": [ID]}', id="status-7"),
        pytest.param("messages/status/seen", '{"messageIds": [ID]}', id="status-word"),
        pytest.param("messages/status/4", "{not json", id="invalid-json"),
        pytest.param("messages/status/4", "[ID]", id="array"),
        pytest.param("messages/status/4", '{"messageIds": []}', id="empty-list"),
        pytest.param("messages/status/4", '{"messageIds": ["x"]}', id="not-ints"),
        pytest.param("messages/status/4", '{"messageIds": 1}', id="not-a-list"),
        pytest.param("messages/status/4", "", id="no-body"),
    ],
)
def test_bad_status_request_is_validation_error_and_changes_nothing(web, agent, path, raw):
    web.send("Hello")
    reply = agent_reply(web, agent)
    statuses = receipt_statuses()

    response = web.put(path, raw=raw.replace("ID", str(reply.pk)))

    assert_error(response, 400, "validation_error", url=path)
    assert receipt_statuses() == statuses


def test_unseen_count_counts_agent_messages_not_yet_seen(web, agent):
    web.send("Hello")
    replies = [agent_reply(web, agent, "one").pk, agent_reply(web, agent, "two").pk]
    agent_reply(web, None, "Sanne left")
    agent_reply(web, agent, "note", silent=True)
    web.get("messages")

    before = web.get("messages/unseen/count").json()["data"]
    web.put("messages/status/4", {"messageIds": replies[:1]})
    after = web.get("messages/unseen/count").json()["data"]

    assert before == {"messageIds": replies, "count": 2}
    assert after == {"messageIds": replies[1:], "count": 1}


@pytest.mark.parametrize("version", ["1.6", "1.7", "1.8"])
def test_v1_9_only_endpoints_are_not_found_on_older_versions(web, agent, version):
    web.send("Hello")
    reply = agent_reply(web, agent).pk
    statuses = receipt_statuses()

    count = web.with_(version=version).get("messages/unseen/count")
    status = web.with_(version=version).put("messages/status/4", {"messageIds": [reply]})

    assert_error(count, 404, "not_found", url="messages/unseen/count")
    assert_error(status, 404, "not_found", url="messages/status/4")
    assert receipt_statuses() == statuses
