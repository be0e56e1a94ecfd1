"""Help Scout's threads on /api/v2 (#21): the list (one entry per message, in Help Scout's HAL page), replies,
private notes and the text update. A Help Scout "thread" is one of our messages; our sessions are at /sessions."""

from __future__ import annotations

import pytest

from agents.models import AuditEntry
from agents.services import agent_create
from conversations.models import Conversation, Message
from devices.models import Customer, Device
from tests.integration.helpers import FILE_TXT, App, add_closed_threads, assert_error, db_counts, stored_files

pytestmark = pytest.mark.django_db

THREAD_LIST_QUERIES = 5


@pytest.fixture
def app(client, account) -> App:
    """An anonymous app user who has written once: staff answer in their current conversation."""
    installed = App(client=client, account=account, device_id="web-device-0001").register()
    installed.send("Do you sell pens?")
    return installed


def conversation_of(app: App) -> Conversation:
    return Device.objects.get(device_id=app.device_id).customer.current_conversation


def threads_of(api, public_id: str, **params) -> dict:
    response = api.get(f"/api/v2/conversations/{public_id}/threads", params or None)
    assert response.status_code == 200, response.content
    return response.json()


# --- the list ---------------------------------------------------------------------------------------------------


def test_threads_list_is_help_scouts_shape(api, make_conversation, say, agent, bot_api, chat):
    make_conversation("c1")
    alice = Customer.objects.get(fk_id="alice")
    Customer.objects.filter(pk=alice.pk).update(first_name="Alice", last_name="Smith")
    [said] = say("c1", "alice", "I <3 pens\nsecond line")
    chat("c1", {"id": alice.number}, text="A chat line", attachments=[FILE_TXT])
    reply = bot_api.post("/api/v2/conversations/c1/reply", {"text": "We <b>do</b>"})
    note = api.post("/api/v2/conversations/c1/notes", {"text": "VIP customer", "user": agent.pk})

    body = threads_of(api, "c1")

    threads = body["_embedded"]["threads"]
    assert [t["type"] for t in threads] == ["note", "reply", "chat", "customer"]  # newest first, as Help Scout
    assert [t["id"] for t in threads][:2] == [int(note["Resource-ID"]), int(reply["Resource-ID"])]
    customer = threads[3]
    assert customer["id"] == said
    assert customer["body"] == "I &lt;3 pens<br>second line"
    assert customer["createdBy"] == {
        "id": alice.number,
        "type": "customer",
        "first": "Alice",
        "last": "Smith",
        "email": "alice@example.com",
    }
    assert customer["sessionId"] == Message.objects.get(pk=said).thread_id
    assert (customer["status"], customer["state"], customer["source"]) == (
        "nochange",
        "published",
        {"type": "api", "via": "customer"},
    )
    assert threads[1]["body"] == "We &lt;b&gt;do&lt;/b&gt;"
    assert threads[1]["createdBy"]["type"] == "user"
    assert threads[0]["createdBy"] == {"id": agent.pk, "type": "user", "first": "Sanne", "last": "", "email": None}
    [attachment] = threads[2]["_embedded"]["attachments"]
    assert (attachment["filename"], attachment["mimeType"], attachment["size"]) == ("file.txt", "plain/text", 4)
    assert (attachment["width"], attachment["height"]) == (None, None)
    assert attachment["_links"]["data"]["href"] == (
        f"http://testserver/api/v2/conversations/c1/attachments/{attachment['id']}/data"
    )
    assert attachment["_links"]["web"]["href"] == f"http://testserver/api/v2/attachments/{attachment['id']}"
    assert body["page"] == {"size": 50, "totalElements": 4, "totalPages": 1, "number": 1}
    assert body["_links"]["self"]["href"] == "http://testserver/api/v2/conversations/c1/threads?page=1"
    assert "next" not in body["_links"] and "previous" not in body["_links"]


def test_three_pages_are_walked_through_next_href(api, make_conversation, say):
    make_conversation("c1")
    ids = say("c1", "alice", *[f"line {n}" for n in range(7)])

    seen, pages, href = [], [], "/api/v2/conversations/c1/threads?size=3"
    while href:
        body = api.get(href.removeprefix("http://testserver")).json()
        pages.append(body["page"])
        seen += [t["id"] for t in body["_embedded"]["threads"]]
        href = body["_links"].get("next", {}).get("href")

    assert seen == ids[::-1]
    assert [(p["number"], p["size"], p["totalElements"], p["totalPages"]) for p in pages] == [
        (1, 3, 7, 3),
        (2, 3, 7, 3),
        (3, 3, 7, 3),
    ]
    middle = api.get("/api/v2/conversations/c1/threads", {"size": 3, "page": 2}).json()["_links"]
    assert middle["previous"]["href"] == "http://testserver/api/v2/conversations/c1/threads?size=3&page=1"
    assert middle["last"]["href"] == "http://testserver/api/v2/conversations/c1/threads?size=3&page=3"


def test_a_page_past_the_end_is_empty_and_bad_paging_is_refused(api, make_conversation, say):
    make_conversation("c1")
    say("c1")

    past = threads_of(api, "c1", page=5)
    zero = api.get("/api/v2/conversations/c1/threads", {"page": 0})
    huge = api.get("/api/v2/conversations/c1/threads", {"size": 101})

    assert past["_embedded"]["threads"] == [] and past["page"]["number"] == 5
    assert_error(zero, 400, "validation_failed", fields=[("query.page", "out_of_range")])
    assert_error(huge, 400, "validation_failed", fields=[("query.size", "out_of_range")])


def test_threads_list_query_count_is_flat(api, make_conversation, say, bot_api, django_assert_max_num_queries):
    # The key, the conversation, the COUNT, the page (its authors joined) and its attachments: none per row.
    make_conversation("c1")
    say("c1")
    with django_assert_max_num_queries(THREAD_LIST_QUERIES):
        threads_of(api, "c1")
    for n in range(10):
        say("c1", "alice", f"more {n}")
        bot_api.post("/api/v2/conversations/c1/reply", {"text": f"answer {n}", "attachments": [FILE_TXT]})

    with django_assert_max_num_queries(THREAD_LIST_QUERIES):
        body = threads_of(api, "c1")

    assert body["page"]["totalElements"] == 21


def test_sessions_keep_todays_thread_list(api, make_conversation, say):
    make_conversation("c1")
    say("c1")

    sessions = api.get("/api/v2/conversations/c1/sessions").json()["_embedded"]["threads"]

    assert [(s["type"], s["status"], s["messageCount"]) for s in sessions] == [("session", "open", 1)]


def test_another_accounts_threads_are_not_found(api, other_api, make_conversation, say):
    make_conversation("c1")
    say("c1")

    assert_error(other_api.get("/api/v2/conversations/c1/threads"), 404, "not_found")
    assert_error(other_api.post("/api/v2/conversations/c1/notes", {"text": "x"}), 404, "not_found")


# --- reply --------------------------------------------------------------------------------------------------------


def test_reply_as_an_agent_is_201_with_resource_id_and_reaches_the_app(api, agent, app):
    public_id = conversation_of(app).public_id
    customer = Device.objects.get(device_id=app.device_id).customer

    response = api.post(
        f"/api/v2/conversations/{public_id}/reply",
        {"customer": {"id": customer.number}, "text": "Yes, blue and black.", "user": agent.pk, "draft": False},
    )

    assert response.status_code == 201, response.content
    assert response.content == b""
    message = Message.objects.get(pk=int(response["Resource-ID"]))
    assert (message.author_agent, message.text, message.is_private) == (agent, "Yes, blue and black.", False)
    assert response["Location"].startswith(f"http://testserver/api/v2/conversations/{public_id}/messages?")
    assert (
        api.get(response["Location"].removeprefix("http://testserver")).json()["_embedded"]["messages"][0]["id"]
        == message.pk
    )
    assert "Yes, blue and black." in str(app.messages())
    assert conversation_of(app).status == Conversation.Status.PENDING


def test_reply_with_status_closed_closes_the_conversation(bot_api, app):
    public_id = conversation_of(app).public_id

    response = bot_api.post(f"/api/v2/conversations/{public_id}/reply", {"text": "Bye!", "status": "closed"})

    assert response.status_code == 201, response.content
    assert conversation_of(app).status == Conversation.Status.CLOSED


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"text": "   "}, [("text", "blank")]),
        ({"text": "Hi", "draft": True}, [("draft", "unsupported")]),
        ({"text": "Hi", "status": "spam"}, [("status", "invalid_enum")]),
        ({"text": "Hi", "user": 999999}, [("user", "not_staff")]),
        ({"text": "Hi", "customer": {"id": 987654}}, [("customer.id", "unknown_customer")]),
        ({"text": "Hi", "cc": ["a@example.com"]}, [("cc", "unknown_field")]),
        (
            {"text": "Hi", "attachments": [{"fileName": "a", "mimeType": "text/plain", "data": "%%%"}]},
            [("attachments[0].data", "invalid_base64")],
        ),
    ],
    ids=["blank", "draft", "status", "user", "customer", "unknown", "base64"],
)
def test_bad_replies_are_refused_and_write_nothing(api, agent, app, body, fields):
    public_id = conversation_of(app).public_id
    before = db_counts()

    response = api.post(f"/api/v2/conversations/{public_id}/reply", {"user": agent.pk, **body})

    assert_error(response, 400, "validation_failed", fields=fields)
    assert db_counts() == before


def test_reply_without_user_and_without_a_bot_is_sender_required(api, app):
    response = api.post(f"/api/v2/conversations/{conversation_of(app).public_id}/reply", {"text": "Hi"})

    assert_error(response, 400, "validation_failed", fields=[("user", "sender_required")])


def test_reply_naming_a_customer_who_is_not_a_participant_is_refused(api, agent, app, make_user):
    stranger = make_user("stranger")

    response = api.post(
        f"/api/v2/conversations/{conversation_of(app).public_id}/reply",
        {"text": "Hi", "user": agent.pk, "customer": {"email": stranger.email}},
    )

    assert_error(response, 400, "validation_failed", fields=[("customer.email", "not_a_participant")])


def test_an_agent_of_another_account_cannot_reply(api, app, other_account):
    outsider = agent_create(username="outsider", display_name="Outsider", accounts={other_account: "agent"})

    response = api.post(
        f"/api/v2/conversations/{conversation_of(app).public_id}/reply", {"text": "Hi", "user": outsider.pk}
    )

    assert_error(response, 400, "validation_failed", fields=[("user", "not_staff")])


# --- notes --------------------------------------------------------------------------------------------------------


def test_a_note_never_reaches_the_customer(api, agent, app):
    conversation = conversation_of(app)
    before_status = conversation.status
    app_before = app.messages()

    response = api.post(
        f"/api/v2/conversations/{conversation.public_id}/notes",
        {"text": "Internal: refund approved", "user": agent.pk, "attachments": [FILE_TXT]},
    )

    assert response.status_code == 201, response.content
    note = Message.objects.get(pk=int(response["Resource-ID"]))
    assert (note.is_private, note.author_agent, note.attachments.count()) == (True, agent, 1)
    assert note.receipts.count() == 0
    assert app.messages()["data"] == app_before["data"]
    assert "refund approved" not in str(app.messages())
    v1 = api.get(api.v1(f"conversations/{conversation.public_id}/messages")).json()["data"]
    assert note.pk not in [m["id"] for m in v1]
    assert conversation_of(app).status == before_status
    [listed] = [t for t in threads_of(api, conversation.public_id)["_embedded"]["threads"] if t["id"] == note.pk]
    assert listed["type"] == "note"


def test_a_blank_note_writes_nothing(bot_api, app):
    before = db_counts()

    response = bot_api.post(f"/api/v2/conversations/{conversation_of(app).public_id}/notes", {"text": " "})

    assert_error(response, 400, "validation_failed", fields=[("text", "blank")])
    assert db_counts() == before


def test_notes_on_a_merged_conversation_are_conversation_merged(bot_api, make_conversation, merge):
    make_conversation("a")
    make_conversation("b")
    merge("a", "b")

    response = bot_api.post("/api/v2/conversations/a/notes", {"text": "x"})

    assert_error(response, 404, "conversation_merged")


# --- update a thread's text ---------------------------------------------------------------------------------------


def patch_text(api, public_id: str, thread_id: int, value="Corrected", **body):
    return api.patch(
        f"/api/v2/conversations/{public_id}/threads/{thread_id}",
        {"op": "replace", "path": "/text", "value": value, **body},
    )


def test_a_note_and_a_reply_text_can_be_replaced_and_audited(bot_api, bot, app):
    public_id = conversation_of(app).public_id
    note_id = int(bot_api.post(f"/api/v2/conversations/{public_id}/notes", {"text": "Typo hre"})["Resource-ID"])
    reply_id = int(bot_api.post(f"/api/v2/conversations/{public_id}/reply", {"text": "Helo"})["Resource-ID"])

    note = patch_text(bot_api, public_id, note_id, "Typo here")
    reply = patch_text(bot_api, public_id, reply_id, "Hello")

    assert (note.status_code, reply.status_code) == (204, 204)
    assert Message.objects.get(pk=note_id).text == "Typo here"
    assert Message.objects.get(pk=reply_id).text == "Hello"
    entries = AuditEntry.objects.filter(action="edit message text")
    assert sorted(e.target for e in entries) == [
        f"message {note_id} in conversation {public_id}",
        f"message {reply_id} in conversation {public_id}",
    ]
    assert {e.actor for e in entries} == {bot.user}


def test_a_customers_message_cannot_be_edited(bot_api, app):
    conversation = conversation_of(app)
    said = conversation.messages.get()

    response = patch_text(bot_api, conversation.public_id, said.pk)

    assert_error(response, 422, "thread_not_editable")
    assert Message.objects.get(pk=said.pk).text == "Do you sell pens?"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"op": "add"}, [("op", "invalid_enum")]),
        ({"path": "/status"}, [("path", "invalid_enum")]),
        ({"value": "  "}, [("value", "blank")]),
        ({"extra": 1}, [("extra", "unknown_field")]),
    ],
    ids=["op", "path", "blank", "unknown"],
)
def test_bad_patches_are_refused_and_change_nothing(bot_api, app, body, fields):
    public_id = conversation_of(app).public_id
    reply_id = int(bot_api.post(f"/api/v2/conversations/{public_id}/reply", {"text": "Helo"})["Resource-ID"])

    response = patch_text(bot_api, public_id, reply_id, **{"value": "Hello", **body})

    assert_error(response, 400, "validation_failed", fields=fields)
    assert Message.objects.get(pk=reply_id).text == "Helo"
    assert not AuditEntry.objects.filter(action="edit message text").exists()


def test_a_thread_of_another_conversation_or_account_is_not_found(bot_api, other_api, app, make_conversation, say):
    public_id = conversation_of(app).public_id
    make_conversation("elsewhere")
    [elsewhere] = say("elsewhere")
    reply_id = int(bot_api.post(f"/api/v2/conversations/{public_id}/reply", {"text": "Helo"})["Resource-ID"])

    assert_error(patch_text(bot_api, public_id, elsewhere), 404, "not_found")
    assert_error(patch_text(bot_api, public_id, "nope"), 404, "not_found")
    assert_error(patch_text(other_api, public_id, reply_id), 404, "not_found")
    assert Message.objects.get(pk=reply_id).text == "Helo"


# --- customer threads ---------------------------------------------------------------------------------------------


def test_a_customer_thread_is_a_message_as_the_customer(api, make_conversation, make_user):
    make_conversation("c1")
    penny = make_user("penny")

    response = api.post(
        "/api/v2/conversations/c1/customer",
        {"customer": {"id": penny.number}, "text": "And paper clips", "attachments": [FILE_TXT]},
    )

    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=int(response["Resource-ID"]))
    assert (message.author_customer, message.text, message.attachments.count()) == (penny, "And paper clips", 1)
    conversation = Conversation.objects.get(public_id="c1")
    assert conversation.status == Conversation.Status.ACTIVE
    assert conversation.participants.filter(customer=penny).exists()
    [listed] = threads_of(api, "c1")["_embedded"]["threads"]
    assert (listed["type"], listed["createdBy"]["id"]) == ("customer", penny.number)


def test_a_customer_thread_by_email_and_bad_ones(api, make_conversation, make_user):
    make_conversation("c1")
    penny = make_user("penny")
    before = db_counts()

    unknown = api.post("/api/v2/conversations/c1/customer", {"customer": {"email": "nobody@example.com"}, "text": "x"})
    empty = api.post("/api/v2/conversations/c1/customer", {"customer": {}, "text": "x"})
    missing = api.post("/api/v2/conversations/c1/customer", {"text": "x"})

    assert_error(unknown, 400, "validation_failed", fields=[("customer.email", "unknown_customer")])
    assert_error(empty, 400, "validation_failed", fields=[("customer", "id_or_email_required")])
    assert_error(missing, 400, "validation_failed", fields=[("customer", "required")])
    assert db_counts() == before
    by_email = api.post("/api/v2/conversations/c1/customer", {"customer": {"email": penny.email}, "text": "Hi"})
    assert by_email.status_code == 201, by_email.content


def test_a_refused_reply_stores_neither_message_nor_file(api, agent, make_conversation, say, media_root):
    conversation = make_conversation("full")
    say("full")
    api.patch("/api/v2/conversations/full", {"status": "closed"})
    add_closed_threads(conversation, 98)  # 99 threads: a reply would open the 100th
    before = db_counts()

    response = api.post("/api/v2/conversations/full/reply", {"text": "Hi", "user": agent.pk, "attachments": [FILE_TXT]})

    assert_error(response, 412, "thread_limit_reached")
    assert (db_counts(), stored_files(media_root)) == (before, [])


def test_a_json_patch_array_or_a_merged_conversation_is_refused(bot_api, app, make_conversation, merge):
    conversation = conversation_of(app)
    reply_id = int(
        bot_api.post(f"/api/v2/conversations/{conversation.public_id}/reply", {"text": "Helo"})["Resource-ID"]
    )
    path = f"/api/v2/conversations/{conversation.public_id}/threads/{reply_id}"

    array = bot_api.patch(path, [{"op": "replace", "path": "/text", "value": "Hello"}])
    make_conversation("survivor")
    merge(conversation.public_id, "survivor")
    merged = patch_text(bot_api, conversation.public_id, reply_id)

    assert_error(array, 400, "validation_failed")
    assert_error(merged, 404, "conversation_merged")
    assert Message.objects.get(pk=reply_id).text == "Helo"


def test_a_system_line_and_a_deleted_customers_message_keep_their_types(api, make_conversation, say):
    make_conversation("c1", participants=["alice", "bob"])
    [said] = say("c1", "alice", "Hello")
    system = api.post(api.v1("conversations/c1/messages"), [{"type": "SystemMessage", "text": "Order shipped"}])
    assert system.status_code == 200, system.content
    alice = Customer.objects.get(fk_id="alice")
    assert api.delete(f"/api/external/users/{alice.uuid}").status_code == 204

    line, message = threads_of(api, "c1")["_embedded"]["threads"]

    assert (line["type"], line["createdBy"], line["source"]["via"]) == ("lineitem", None, "user")
    assert (message["id"], message["type"], message["createdBy"]) == (said, "customer", None)
    assert message["source"]["via"] == "customer"
