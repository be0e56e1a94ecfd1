"""[S2] TalkJS-style upserts and message batches (spec §7.2, seed 002). Checklist rows 24 to 44."""

from __future__ import annotations

import pytest

from conversations.client_api.formatting import message_object
from conversations.models import Conversation, Message, Receipt, Thread
from conversations.timeline import timeline_page
from devices.models import Customer
from devices.services import customer_create
from tests.integration.helpers import (
    ALICE,
    FILE_TXT,
    SEBASTIAN,
    add_closed_threads,
    assert_error,
    db_counts,
    field_codes,
    stored_files,
)

pytestmark = pytest.mark.django_db


def user_message(text: str = "Hello Alice!", sender: str = "8029", **fields) -> dict:
    return {"text": text, "sender": sender, "type": "UserMessage", **fields}


@pytest.fixture
def order(make_user, make_conversation) -> Conversation:
    """Seed 002's conversation `order_391_fc` between customers 12081 (Alice) and 8029."""
    make_user("12081", **ALICE)
    make_user("8029", **SEBASTIAN)
    return make_conversation(
        "order_391_fc",
        participants=["12081", "8029"],
        subject="What a lovely day!",
        custom={"category": "order_inquiry"},
    )


# --- users ---------------------------------------------------------------------------------------------------


def test_row_24_put_new_user_creates_it_under_its_fk_id(api):
    response = api.put(api.v1("users/12081"), ALICE)

    assert (response.status_code, response.json()) == (200, {})
    assert api.get("/api/external/users/search", {"fkId": "12081"}).status_code == 200
    shown = api.get(api.v1("users/12081")).json()
    assert {k: v for k, v in shown.items() if k != "createdAt"} == {
        "id": "12081",
        "name": "Alice",
        "email": ["alice@example.com"],
        "phone": None,  # TalkJS: null when the user has none (#21)
        "photoUrl": "https://example.com/userpictures/12081.png",
        "welcomeMessage": "Hey there! :-)",
        "role": "buyer",
        "locale": None,
        "custom": {},
        "kind": "customer",
    }
    assert type(shown["createdAt"]) is int


def test_row_24_new_user_is_a_registered_api_customer_with_split_names(api):
    api.put(api.v1("users/12081"), {"name": "Alice  van der Berg", "email": None})

    user = api.get("/api/external/users/search", {"fkId": "12081"}).json()

    assert (user["firstName"], user["lastName"], user["source"], user["registered"]) == (
        "Alice",
        "van der Berg",
        "api",
        True,
    )


def test_row_25_repeating_the_identical_put_changes_nothing(api):
    api.put(api.v1("users/12081"), ALICE)
    stored = Customer.objects.get(fk_id="12081")

    response = api.put(api.v1("users/12081"), ALICE)

    assert (response.status_code, response.json()) == (200, {})
    assert Customer.objects.count() == 1
    assert Customer.objects.get(fk_id="12081").updated_at == stored.updated_at


def test_row_26_put_with_only_a_welcome_message_keeps_the_other_fields(api):
    api.put(api.v1("users/12081"), {**ALICE, "phone": ["+31201234567"], "custom": {"tier": "gold"}})
    before = api.get(api.v1("users/12081")).json()

    response = api.put(api.v1("users/12081"), {"welcomeMessage": "x"})

    assert (response.status_code, response.json()) == (200, {})
    assert api.get(api.v1("users/12081")).json() == {**before, "welcomeMessage": "x"}


def test_row_27_new_user_without_name_is_required(api):
    body = {k: v for k, v in ALICE.items() if k != "name"}
    before = db_counts()

    response = api.put(api.v1("users/12081"), body)

    assert_error(response, 400, "validation_failed", fields=[("name", "required")])
    assert db_counts() == before


def test_row_27_a_name_alone_creates_a_user(api):
    """TalkJS allows a name alone (#21): the email key is no longer required when the user is created."""
    response = api.put(api.v1("users/12081"), {"name": "Alice"})

    assert (response.status_code, response.json()) == (200, {})
    shown = api.get(api.v1("users/12081")).json()
    assert (shown["id"], shown["name"], shown["email"], shown["phone"]) == ("12081", "Alice", None, None)


def test_row_28_custom_with_a_non_string_value_is_wrong_type(api):
    api.put(api.v1("users/12081"), {**ALICE, "custom": {"tier": "gold"}})
    before = api.get(api.v1("users/12081")).json()

    response = api.put(api.v1("users/12081"), {"custom": {"a": 1}, "role": "seller"})

    assert_error(response, 400, "validation_failed", fields=[("custom.a", "wrong_type")])
    assert api.get(api.v1("users/12081")).json() == before


@pytest.mark.parametrize("email", ["alice@example.com", "Alice@EXAMPLE.com"])
def test_row_29_email_owned_by_another_customer_is_email_taken(api, make_user, email):
    make_user("12081", **ALICE)
    make_user("8029", **SEBASTIAN)
    before = api.get(api.v1("users/8029")).json()
    counts = db_counts()

    response = api.put(api.v1("users/8029"), {"email": [email]})

    assert_error(response, 409, "email_taken")
    assert api.get(api.v1("users/8029")).json() == before
    assert db_counts() == counts


def test_row_29_new_user_with_a_taken_email_is_not_created(api, make_user):
    make_user("12081", **ALICE)
    before = db_counts()

    response = api.put(api.v1("users/new"), {"name": "Imposter", "email": ["alice@example.com"]})

    assert_error(response, 409, "email_taken")
    assert db_counts() == before


# --- conversations -------------------------------------------------------------------------------------------


def test_row_30_put_conversation_creates_a_closed_hidden_conversation(api, make_user):
    alice, sebastian = make_user("12081", **ALICE), make_user("8029", **SEBASTIAN)
    body = {"participants": ["12081", "8029"], "subject": "What a lovely day!", "custom": {"category": "order_inquiry"}}

    response = api.put(api.v1("conversations/order_391_fc"), body)

    assert (response.status_code, response.json()) == (200, {})
    shown = api.get("/api/v2/conversations/order_391_fc").json()
    assert (shown["status"], shown["threadCount"], shown["visible"], shown["openThreadId"]) == (
        "closed",
        0,
        False,
        None,
    )
    assert (shown["subject"], shown["custom"]) == ("What a lovely day!", {"category": "order_inquiry"})
    assert sorted(p["fkId"] for p in shown["participants"]) == ["12081", "8029"]
    assert api.get("/api/v2/conversations", {"visible": "true"}).json()["_embedded"]["conversations"] == []
    assert timeline_page(customer=alice).items == []
    assert timeline_page(customer=sebastian).items == []


def test_row_31_put_conversation_only_adds_participants(api, order):
    response = api.put(api.v1("conversations/order_391_fc"), {"participants": ["12081"]})

    assert (response.status_code, response.json()) == (200, {})
    participants = api.get(api.v1("conversations/order_391_fc")).json()["participants"]
    assert participants == {
        "12081": {"access": "ReadWrite", "notify": True},
        "8029": {"access": "ReadWrite", "notify": True},
    }


def test_row_32_unknown_participant_is_refused_and_nothing_is_created(api, make_user):
    make_user("12081", **ALICE)
    before = db_counts()

    response = api.put(api.v1("conversations/order_391_fc"), {"participants": ["12081", "nobody"]})

    assert_error(response, 400, "validation_failed", fields=[("participants[1]", "unknown_user")])
    assert db_counts() == before


@pytest.mark.parametrize("conversation_id", ["c" * 129, "order%20391"], ids=["129-characters", "space"])
def test_row_33_invalid_conversation_id_in_the_path_is_invalid_id(api, make_user, conversation_id):
    make_user("12081", **ALICE)
    before = db_counts()

    response = api.put(api.v1(f"conversations/{conversation_id}"), {"participants": ["12081"]})

    assert_error(response, 400, "validation_failed", fields=[("path.conversationId", "invalid_id")])
    assert db_counts() == before


def test_row_33_a_128_character_id_is_accepted(api, make_user):
    make_user("12081", **ALICE)

    response = api.put(api.v1(f"conversations/{'c' * 128}"), {"participants": ["12081"]})

    assert response.status_code == 200, response.content


# --- messages ------------------------------------------------------------------------------------------------


def test_row_34_customer_message_reaches_the_other_customer_as_incoming(api, order):
    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message()])

    assert response.status_code == 200, response.content
    [item] = response.json()
    assert set(item) == {"id"} and type(item["id"]) is str  # TalkJS's ids are strings (#21)
    item["id"] = int(item["id"])
    shown = api.get("/api/v2/conversations/order_391_fc").json()
    assert (shown["visible"], shown["status"], shown["threadCount"]) == (True, "active", 1)
    assert shown["openThreadId"] == Message.objects.get(pk=item["id"]).thread_id
    alice = Customer.objects.get(fk_id="12081")
    [receipt] = timeline_page(customer=alice).items
    assert (receipt.message_id, receipt.type_id) == (item["id"], Receipt.TypeId.AGENT)
    seen = message_object(receipt, version="1.9", device_type=None)
    assert (seen["message"], seen["agent"]["name"]) == ("Hello Alice!", "Sebastian")
    assert Message.objects.get(pk=receipt.message_id).author_customer.fk_id == "8029"


def test_row_35_messages_of_one_array_are_stored_in_order(api, order):
    texts = ["one", "two", "three"]

    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message(t) for t in texts])

    assert response.status_code == 200, response.content
    ids = [item["id"] for item in response.json()]
    assert ids == sorted(ids) and len(set(ids)) == 3
    stored = [Message.objects.get(pk=pk) for pk in ids]
    assert [m.text for m in stored] == texts
    assert stored[0].created_at < stored[1].created_at < stored[2].created_at


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ([user_message(f"m{n}") for n in range(11)], "too_many_items"),
        ([], "empty"),
        (user_message(), "expected_array"),
    ],
    ids=["11-items", "empty-array", "object"],
)
def test_row_36_batch_must_be_an_array_of_1_to_10(api, order, body, code):
    before = db_counts()

    response = api.post(api.v1("conversations/order_391_fc/messages"), body)

    assert_error(response, 400, "validation_failed")
    assert [f["code"] for f in response.json()["error"]["fields"]] == [code]
    assert db_counts() == before


def test_row_36_ten_messages_are_accepted(api, order):
    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message(f"m{n}") for n in range(10)])

    assert (response.status_code, len(response.json())) == (200, 10)


def test_row_37_non_participant_sender_rejects_the_whole_batch(api, order, make_user):
    make_user("stranger")
    before = db_counts()

    response = api.post(
        api.v1("conversations/order_391_fc/messages"), [user_message("first"), user_message("second", "stranger")]
    )

    assert_error(response, 400, "validation_failed", fields=[("[1].sender", "not_a_participant")])
    assert db_counts() == before


def test_row_37_unknown_sender_is_unknown_user(api, order):
    before = db_counts()

    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message(sender="ghost")])

    assert_error(response, 400, "validation_failed", fields=[("[0].sender", "unknown_user")])
    assert db_counts() == before


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"type": "SystemMessage", "sender": "8029", "text": "Order shipped"}, "sender_forbidden"),
        ({"type": "UserMessage", "text": "Hello"}, "required"),
    ],
    ids=["system-with-sender", "user-without-sender"],
)
def test_row_38_sender_rules_of_the_message_types(api, order, item, code):
    before = db_counts()

    response = api.post(api.v1("conversations/order_391_fc/messages"), [item])

    assert_error(response, 400, "validation_failed", fields=[("[0].sender", code)])
    assert db_counts() == before


def test_row_39_system_message_opens_no_thread_and_keeps_the_status(api, order):
    response = api.post(
        api.v1("conversations/order_391_fc/messages"), [{"type": "SystemMessage", "text": "Order shipped"}]
    )

    assert response.status_code == 200, response.content
    [item] = response.json()
    shown = api.get("/api/v2/conversations/order_391_fc").json()
    assert (shown["status"], shown["threadCount"], shown["openThreadId"]) == ("closed", 0, None)
    item["id"] = int(item["id"])
    message = api.get("/api/v2/conversations/order_391_fc/messages").json()["_embedded"]["messages"][0]
    assert (message["id"], message["type"], message["threadId"], message["sender"]) == (
        item["id"],
        "SystemMessage",
        None,
        None,
    )


def test_row_40_same_idempotency_key_and_content_returns_the_same_id(api, order):
    item = user_message(idempotencyKey="order-391-hello")

    first = api.post(api.v1("conversations/order_391_fc/messages"), [item])
    second = api.post(api.v1("conversations/order_391_fc/messages"), [item])

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert Message.objects.filter(conversation=order).count() == 1


def test_row_40_a_replayed_item_does_not_stop_the_others(api, order):
    [first] = api.post(api.v1("conversations/order_391_fc/messages"), [user_message(idempotencyKey="k1")]).json()

    response = api.post(
        api.v1("conversations/order_391_fc/messages"), [user_message(idempotencyKey="k1"), user_message("new")]
    )

    assert response.status_code == 200, response.content
    replayed, new = response.json()
    assert replayed == first and new["id"] > first["id"]
    assert Message.objects.filter(conversation=order).count() == 2


def test_row_41_same_idempotency_key_with_other_text_is_a_conflict(api, order):
    api.post(api.v1("conversations/order_391_fc/messages"), [user_message(idempotencyKey="order-391-hello")])
    before = db_counts()

    response = api.post(
        api.v1("conversations/order_391_fc/messages"),
        [user_message("unrelated"), user_message("Hello again!", idempotencyKey="order-391-hello")],
    )

    assert_error(response, 409, "idempotency_conflict")
    assert db_counts() == before


def test_row_41_same_key_twice_in_one_batch_is_duplicate(api, order):
    before = db_counts()

    response = api.post(
        api.v1("conversations/order_391_fc/messages"),
        [user_message("a", idempotencyKey="k"), user_message("b", idempotencyKey="k")],
    )

    assert_error(response, 400, "validation_failed", fields=[("[1].idempotencyKey", "duplicate")])
    assert db_counts() == before


def test_row_42_customer_message_into_a_closed_conversation_opens_a_thread(api, order, say):
    say("order_391_fc", "8029")
    api.patch("/api/v2/conversations/order_391_fc", {"status": "closed"})

    [message_id] = say("order_391_fc", "12081", "Are you there?")

    shown = api.get("/api/v2/conversations/order_391_fc").json()
    threads = api.get("/api/v2/conversations/order_391_fc/sessions").json()["_embedded"]["threads"]
    assert (shown["status"], shown["threadCount"]) == ("active", 2)
    assert [(t["status"], t["type"]) for t in threads] == [("closed", "session"), ("open", "session")]
    assert shown["openThreadId"] == threads[1]["id"] == Message.objects.get(pk=message_id).thread_id


def test_row_43_messages_to_an_unknown_conversation_are_not_found(api, order):
    before = db_counts()

    response = api.post(api.v1("conversations/nope/messages"), [user_message()])

    assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_row_43_messages_to_a_merged_conversation_are_conversation_merged(api, order, make_conversation, merge):
    make_conversation("survivor", participants=["12081", "8029"])
    merge("order_391_fc", "survivor")
    before = db_counts()

    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message()])

    assert_error(response, 404, "conversation_merged", details={"mergedInto": "survivor"})
    assert db_counts() == before


@pytest.mark.parametrize(("text", "code"), [("x" * 10_001, "too_long"), (" \n\t ", "blank")], ids=["long", "blank"])
def test_row_44_text_too_long_or_blank_is_refused(api, order, text, code):
    before = db_counts()

    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message(text)])

    assert_error(response, 400, "validation_failed", fields=[("[0].text", code)])
    assert db_counts() == before


def test_row_44_text_of_10000_characters_is_accepted(api, order):
    response = api.post(api.v1("conversations/order_391_fc/messages"), [user_message("x" * 10_000)])

    assert response.status_code == 200, response.content


def test_batch_refused_at_the_thread_limit_stores_none_of_its_items_nor_their_files(api, order, media_root):
    add_closed_threads(order, 99)
    before = db_counts()
    system_note = {"type": "SystemMessage", "text": "Order shipped", "attachments": [FILE_TXT]}

    response = api.post(api.v1("conversations/order_391_fc/messages"), [system_note, user_message()])

    assert_error(response, 412, "thread_limit_reached")
    assert db_counts() == before
    assert stored_files(media_root) == []
    assert Thread.objects.filter(conversation=order).count() == 99


# --- custom data, user ids and reads (§3.3, §3.7, §7.2) ------------------------------------------------------


def test_custom_merges_per_key_and_null_deletes(api):
    api.put(api.v1("users/12081"), {**ALICE, "custom": {"tier": "gold", "team": "red"}})

    merged = api.put(api.v1("users/12081"), {"custom": {"tier": None, "lang": "nl"}})
    after_merge = api.get(api.v1("users/12081")).json()["custom"]
    cleared = api.put(api.v1("users/12081"), {"custom": None})

    assert (merged.status_code, cleared.status_code) == (200, 200)
    assert after_merge == {"team": "red", "lang": "nl"}
    assert api.get(api.v1("users/12081")).json()["custom"] == {}


def test_non_string_custom_data_from_s1_reads_back_json_encoded_in_s2(api, create_user):
    create_user(email="john@example.com", fkId="john", customData={"plan": "gold", "seats": 3, "tags": ["a"]})

    response = api.get(api.v1("users/john"))

    assert response.status_code == 200, response.content
    assert response.json()["custom"] == {"plan": "gold", "seats": "3", "tags": '["a"]'}


def test_user_without_fk_id_is_addressed_and_shown_by_its_uuid(api, create_user, make_user):
    john = create_user(email="john@example.com")
    make_user("12081", **ALICE)

    updated = api.put(api.v1(f"users/{john['id']}"), {"role": "buyer"})
    conversation = api.put(api.v1("conversations/c1"), {"participants": [john["id"], "12081"]})

    assert (updated.status_code, conversation.status_code) == (200, 200)
    assert Customer.objects.count() == 2
    assert Customer.objects.get(uuid=john["id"]).role == "buyer"
    assert set(api.get(api.v1("conversations/c1")).json()["participants"]) == {john["id"], "12081"}


def test_v1_messages_are_newest_first_and_page_with_starting_after(api, order, say):
    ids = say("order_391_fc", "8029", "one", "two", "three")

    first_page = api.get(api.v1("conversations/order_391_fc/messages"), {"limit": "2"}).json()["data"]
    next_page = api.get(
        api.v1("conversations/order_391_fc/messages"), {"limit": "2", "startingAfter": str(first_page[-1]["id"])}
    ).json()["data"]

    assert [m["id"] for m in first_page] == [str(ids[2]), str(ids[1])]  # TalkJS's ids are strings (#21)
    assert [m["id"] for m in next_page] == [str(ids[0])]
    assert {k: v for k, v in first_page[0].items() if k != "createdAt"} == {
        "id": str(ids[2]),
        "conversationId": "order_391_fc",
        "type": "UserMessage",
        "senderId": "8029",
        "readBy": [],
        "text": "three",
        "attachment": None,
        "attachments": [],
        "location": None,
        "origin": "rest",
        "editedAt": None,
        "custom": {},
        "referencedMessageId": None,
    }
    assert type(first_page[0]["createdAt"]) is int


def test_participants_over_100_are_refused(api, make_user):
    make_user("12081", **ALICE)
    for n in range(100):
        customer_create(account=api.account, registered=True, fk_id=f"p{n}")
    api.put(api.v1("conversations/big"), {"participants": [f"p{n}" for n in range(100)]})
    before = db_counts()

    response = api.put(api.v1("conversations/big"), {"participants": ["12081"]})

    assert_error(response, 400, "validation_failed")
    assert field_codes(response) == ["too_many_items"]
    assert db_counts() == before


def test_customer_message_to_a_spam_conversation_does_not_reopen_it(api, order, say):
    say("order_391_fc", "8029")
    api.patch("/api/v2/conversations/order_391_fc", {"status": "spam"})
    [thread] = Thread.objects.filter(conversation=order)

    [message_id] = say("order_391_fc", "12081", "Buy cheap pens!!!")

    shown = api.get("/api/v2/conversations/order_391_fc").json()
    assert (shown["status"], shown["openThreadId"], shown["threadCount"]) == ("spam", None, 1)
    assert Message.objects.get(pk=message_id).thread_id == thread.pk
    thread.refresh_from_db()
    assert thread.status == "closed"


def test_row_29_secondary_email_of_another_customer_is_email_taken(api, make_user):
    make_user("12081", **{**ALICE, "email": ["alice@example.com", "alice.work@example.com"]})
    make_user("8029", **SEBASTIAN)
    before = db_counts()

    response = api.put(api.v1("users/8029"), {"email": ["ALICE.work@example.com"]})

    assert_error(response, 409, "email_taken")
    assert db_counts() == before
    assert Customer.objects.get(fk_id="8029").email == "sebastian@example.com"
