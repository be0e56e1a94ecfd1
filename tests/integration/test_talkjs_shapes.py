"""TalkJS's REST shapes on `/api/v1/{appId}` (#21): a user from a name alone, string ids, messages with `readBy`,
`attachment` and TalkJS's `origin`, the listings with `{"data": [...]}` and `limit` / `startingAfter`, private notes
left out, other tenants' rows 404, and bad input refused in the API's error body with nothing written."""

from __future__ import annotations

import pytest

from conversations.models import Message, Receipt
from conversations.services import note_add
from conversations.services.receipts import receipts_raise_status
from devices.models import Customer
from tests.integration.helpers import ALICE, FILE_TXT, SEBASTIAN, assert_error, db_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(make_user, make_conversation):
    make_user("12081", **ALICE)
    make_user("8029", **SEBASTIAN)
    return make_conversation("order_391_fc", participants=["12081", "8029"], subject="What a lovely day!")


def messages_of(api, public_id: str = "order_391_fc", **query) -> list[dict]:
    response = api.get(api.v1(f"conversations/{public_id}/messages"), query)
    assert response.status_code == 200, response.content
    return response.json()["data"]


# --- users -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "shown"),
    [
        ("alice@example.com", ["alice@example.com"]),
        (["alice@example.com", "alice.work@example.com"], ["alice@example.com", "alice.work@example.com"]),
        (None, None),
        ([], None),
    ],
    ids=["string", "list", "null", "empty-list"],
)
def test_email_is_optional_and_a_string_or_a_list(api, email, shown):
    response = api.put(api.v1("users/alice"), {"name": "Alice", "email": email})

    assert (response.status_code, response.json()) == (200, {})
    assert api.get(api.v1("users/alice")).json()["email"] == shown


def test_a_name_only_user_is_a_registered_customer_found_by_its_fk_id(api):
    api.put(api.v1("users/alice"), {"name": "Alice Liddell"})

    customer = Customer.objects.get(account=api.account, fk_id="alice")
    assert (customer.registered, customer.email, customer.first_name, customer.last_name) == (
        True,
        "",
        "Alice",
        "Liddell",
    )
    assert api.get("/api/external/users/search", {"fkId": "alice"}).json()["email"] is None


def test_user_record_has_talkjs_fields_with_string_id_and_millis(api):
    api.put(api.v1("users/12081"), ALICE)

    shown = api.get(api.v1("users/12081")).json()

    assert type(shown["id"]) is str and type(shown["createdAt"]) is int
    assert {"id", "name", "email", "phone", "photoUrl", "welcomeMessage", "role", "locale", "custom"} <= set(shown)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "Alice", "email": "not-an-email"}, "email", "invalid_email"),
        ({"name": "Alice", "email": 5}, "email", "wrong_type"),
        ({"name": ""}, "name", "blank"),
        ({"email": ["alice@example.com"]}, "name", "required"),
        ({"name": "Alice", "emails": []}, "emails", "unknown_field"),
    ],
    ids=["bad-email", "number", "blank-name", "no-name", "typo"],
)
def test_bad_user_input_is_400_and_writes_nothing(api, body, field, code):
    before = db_counts()

    response = api.put(api.v1("users/alice"), body)

    error = assert_error(response, 400, "validation_failed")
    assert (field, code) in [(f["path"], f["code"]) for f in error["fields"]]
    assert db_counts() == before


# --- messages --------------------------------------------------------------------------------------------------


def test_posted_ids_are_strings_and_name_the_listed_messages(api, order):
    response = api.post(
        api.v1("conversations/order_391_fc/messages"),
        [
            {"type": "UserMessage", "sender": "8029", "text": "Hello Alice!"},
            {"type": "SystemMessage", "text": "Order shipped"},
        ],
    )

    assert response.status_code == 200, response.content
    ids = [item["id"] for item in response.json()]
    assert all(type(i) is str and i.isdigit() for i in ids)
    assert [m["id"] for m in messages_of(api)] == ids[::-1]


def test_a_message_record_has_talkjs_fields(api, order, say):
    [first] = say("order_391_fc", "8029", "Hello Alice!")
    api.post(
        api.v1("conversations/order_391_fc/messages"),
        [
            {
                "type": "UserMessage",
                "sender": "12081",
                "text": "Hi!",
                "referencedMessageId": str(first),
                "custom": {"a": "b"},
            }
        ],
    )

    reply, hello = messages_of(api)

    assert set(reply) >= {
        "id",
        "conversationId",
        "type",
        "senderId",
        "readBy",
        "text",
        "attachment",
        "location",
        "origin",
        "createdAt",
        "custom",
        "referencedMessageId",
    }
    assert (reply["senderId"], reply["type"], reply["origin"], reply["custom"]) == (
        "12081",
        "UserMessage",
        "rest",
        {"a": "b"},
    )
    assert (reply["referencedMessageId"], reply["location"], reply["attachment"]) == (str(first), None, None)
    assert type(reply["createdAt"]) is int and reply["createdAt"] >= hello["createdAt"]


def test_read_by_lists_the_participants_who_have_seen_it_never_the_sender(api, order, say):
    [message_id] = say("order_391_fc", "8029", "Hello Alice!")
    alice = Customer.objects.get(fk_id="12081")

    unread = messages_of(api)[0]["readBy"]
    receipts_raise_status(customer=alice, message_ids=[message_id], status=Receipt.Status.RECEIVED)
    received = messages_of(api)[0]["readBy"]
    receipts_raise_status(customer=alice, message_ids=[message_id], status=Receipt.Status.SEEN)
    seen = messages_of(api)[0]

    assert (unread, received, seen["readBy"]) == ([], [], ["12081"])
    assert api.get(api.v1("conversations/order_391_fc")).json()["lastMessage"]["readBy"] == ["12081"]


def test_attachment_is_named_as_talkjs_names_it(api, order):
    api.post(
        api.v1("conversations/order_391_fc/messages"),
        [{"type": "UserMessage", "sender": "8029", "text": "The invoice", "attachments": [FILE_TXT]}],
    )

    [message] = messages_of(api)

    [stored] = message["attachments"]
    assert message["attachment"] == {
        "url": f"http://testserver/api/v2/attachments/{stored['id']}",
        "size": 4,
        "filename": "file.txt",
        "mimeType": "plain/text",
    }
    assert b"".join(api.get(message["attachment"]["url"]).streaming_content) == b"file"


def test_origin_is_talkjs_web_for_a_message_from_the_app(api, order, say):
    [message_id] = say("order_391_fc", "8029", "From the app")
    Message.objects.filter(pk=message_id).update(origin=Message.Origin.APP)  # as the client API stores it

    assert messages_of(api)[0]["origin"] == "web"


def test_private_notes_never_appear_in_the_listing_nor_as_last_message(api, order, say, agent):
    [said] = say("order_391_fc", "8029", "Where is it?")
    note_add(conversation=order, agent=agent, text="Lost by the carrier")

    listed = messages_of(api, limit="100")
    record = api.get(api.v1("conversations/order_391_fc")).json()

    assert [m["id"] for m in listed] == [str(said)]
    assert "Lost by the carrier" not in str(listed) + str(record)
    assert record["lastMessage"]["id"] == str(said)


def test_messages_page_with_limit_and_starting_after_a_string_id(api, order, say):
    ids = [str(i) for i in say("order_391_fc", "8029", *[f"m{n}" for n in range(5)])]

    pages, after = [], None
    while True:
        page = messages_of(api, limit="2", **({"startingAfter": after} if after else {}))
        if not page:
            break
        pages.append([m["id"] for m in page])
        after = page[-1]["id"]

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "101"}, "query.limit"),
        ({"limit": "-1"}, "query.limit"),
        ({"startingAfter": "msg_x"}, "query.startingAfter"),
    ],
)
def test_a_bad_message_page_query_is_400(api, order, query, field):
    response = api.get(api.v1("conversations/order_391_fc/messages"), query)

    assert_error(response, 400, "validation_failed", fields=[(field, "out_of_range")])


# The key, the conversation, the messages, their attachments, their readers: pinned, and flat as rows grow.
LISTING_QUERIES = 5


def test_the_message_listing_is_flat_in_messages_readers_and_attachments(
    api, order, say, django_assert_max_num_queries
):
    say("order_391_fc", "8029", "first")
    with django_assert_max_num_queries(LISTING_QUERIES) as small:
        messages_of(api, limit="100")
    few = len(small)  # counted now: the next request starts a fresh query log
    alice = Customer.objects.get(fk_id="12081")
    for n in range(8):
        api.post(
            api.v1("conversations/order_391_fc/messages"),
            [{"type": "UserMessage", "sender": "8029", "text": f"m{n}", "attachments": [FILE_TXT]}],
        )
    receipts_raise_status(
        customer=alice,
        message_ids=[int(m["id"]) for m in messages_of(api, limit="100")],
        status=Receipt.Status.SEEN,
    )

    with django_assert_max_num_queries(few):
        listed = messages_of(api, limit="100")

    assert len(listed) == 9 and all(m["readBy"] == ["12081"] for m in listed)


# --- tenants and apps ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["users/12081", "conversations/order_391_fc", "conversations/order_391_fc/messages"],
)
def test_another_tenants_key_gets_404_and_never_their_data(api, other_api, order, say, path):
    say("order_391_fc", "8029", "Secret")

    response = other_api.get(other_api.v1(path))

    assert_error(response, 404, "not_found")
    assert "Secret" not in response.content.decode() and "Alice" not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["users/12081", "conversations/order_391_fc", "conversations/order_391_fc/messages"],
)
def test_another_app_id_in_the_path_is_refused(api, order, path):
    response = api.get(f"/api/v1/app_other/{path}")

    assert_error(response, 403, "app_mismatch")


def test_a_write_with_another_tenants_key_writes_nothing(api, other_api, order):
    before = db_counts()

    response = other_api.post(
        other_api.v1("conversations/order_391_fc/messages"),
        [{"type": "UserMessage", "sender": "8029", "text": "Hi"}],
    )

    assert_error(response, 404, "not_found")
    assert db_counts() == before


# --- conversation listings ---------------------------------------------------------------------------------------


@pytest.fixture
def three(make_user, make_conversation, say):
    """c0, c1, c2 created in that order; alice in all, bob in c1 only; c2 has a message."""
    make_user("alice")
    make_user("bob")
    make_conversation("c0", participants=["alice"])
    make_conversation("c1", participants=["alice", "bob"], subject="Pens")
    make_conversation("c2", participants=["alice"])
    say("c2", "alice", "Hi")
    return ["c2", "c1", "c0"]  # newest created first


def listed(api, path: str = "conversations", **query) -> list[dict]:
    response = api.get(api.v1(path), query)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"data"}
    return response.json()["data"]


def test_conversations_list_in_talkjs_shape_newest_created_first(api, three):
    data = listed(api)

    assert [c["id"] for c in data] == three
    c2, c1, _ = data
    assert c1["participants"] == {
        "alice": {"access": "ReadWrite", "notify": True},
        "bob": {"access": "ReadWrite", "notify": True},
    }
    assert (c1["subject"], c1["lastMessage"], type(c1["createdAt"])) == ("Pens", None, int)
    assert (c2["lastMessage"]["text"], c2["lastMessage"]["senderId"]) == ("Hi", "alice")
    assert data[1] == api.get(api.v1("conversations/c1")).json()


def test_conversations_page_with_limit_and_starting_after(api, three):
    first = listed(api, limit="2")
    second = listed(api, limit="2", startingAfter=first[-1]["id"])
    third = listed(api, limit="2", startingAfter=second[-1]["id"])

    assert [[c["id"] for c in page] for page in (first, second, third)] == [three[:2], three[2:], []]


def test_merged_conversations_are_not_listed(api, three, merge):
    merge("c0", "c1")

    assert [c["id"] for c in listed(api)] == ["c2", "c1"]


def test_a_users_conversations(api, three):
    assert [c["id"] for c in listed(api, "users/bob/conversations")] == ["c1"]
    assert [c["id"] for c in listed(api, "users/alice/conversations", limit="1", startingAfter="c2")] == ["c1"]
    assert_error(api.get(api.v1("users/nobody/conversations")), 404, "not_found")


def test_a_note_is_never_a_listed_last_message(api, three, agent):
    from conversations.models import Conversation

    note_add(conversation=Conversation.objects.get(public_id="c2"), agent=agent, text="Internal only")

    assert listed(api)[0]["lastMessage"]["text"] == "Hi"


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"limit": "0"}, "query.limit", "out_of_range"),
        ({"limit": "101"}, "query.limit", "out_of_range"),
        ({"startingAfter": "nope"}, "query.startingAfter", "unknown_conversation"),
    ],
)
@pytest.mark.parametrize("path", ["conversations", "users/alice/conversations"])
def test_a_bad_listing_query_is_400(api, three, path, query, field, code):
    response = api.get(api.v1(path), query)

    assert_error(response, 400, "validation_failed", fields=[(field, code)])


def test_another_tenants_conversations_are_never_listed(api, other_api, three):
    assert listed(other_api) == []
    assert_error(other_api.get(other_api.v1("users/alice/conversations")), 404, "not_found")
    response = other_api.get(other_api.v1("conversations"), {"startingAfter": "c1"})
    assert_error(response, 400, "validation_failed", fields=[("query.startingAfter", "unknown_conversation")])
    assert_error(api.get("/api/v1/app_other/conversations"), 403, "app_mismatch")


# The key, the page, participants, last message ids, the messages, their attachments, their readers.
CONVERSATION_LISTING_QUERIES = 7


def test_the_conversation_listing_is_flat(api, make_user, make_conversation, say, django_assert_max_num_queries):
    make_user("alice")
    make_conversation("c0", participants=["alice"])
    say("c0", "alice", "Hi")
    with django_assert_max_num_queries(CONVERSATION_LISTING_QUERIES):
        assert len(listed(api, limit="100")) == 1
    for n in range(1, 12):
        make_conversation(f"c{n}", participants=["alice", f"user{n}"])
        say(f"c{n}", f"user{n}", "Hello", "again")

    with django_assert_max_num_queries(CONVERSATION_LISTING_QUERIES):
        assert len(listed(api, limit="100")) == 12


# --- participation -----------------------------------------------------------------------------------------------


def participants_of(api, public_id: str = "order_391_fc") -> dict:
    return api.get(api.v1(f"conversations/{public_id}")).json()["participants"]


def test_put_participant_adds_them_with_access_and_notify(api, order, make_user):
    make_user("carol")

    added = api.put(api.v1("conversations/order_391_fc/participants/carol"), {"access": "Read", "notify": False})
    repeated = api.put(api.v1("conversations/order_391_fc/participants/carol"), {"access": "Read", "notify": False})

    assert [(r.status_code, r.json()) for r in (added, repeated)] == [(200, {}), (200, {})]
    assert participants_of(api)["carol"] == {"access": "Read", "notify": False}
    assert len(participants_of(api)) == 3


def test_put_participant_without_a_body_sets_the_defaults(api, order):
    api.put(api.v1("conversations/order_391_fc/participants/8029"), {"access": "Read", "notify": False})

    response = api.put(api.v1("conversations/order_391_fc/participants/8029"))

    assert (response.status_code, response.json()) == (200, {})
    assert participants_of(api)["8029"] == {"access": "ReadWrite", "notify": True}


def test_a_joined_participant_receives_the_next_messages(api, order, make_user, say):
    make_user("carol")
    api.put(api.v1("conversations/order_391_fc/participants/carol"))

    [message_id] = say("order_391_fc", "carol", "Hi all")

    assert Receipt.objects.filter(message_id=message_id).count() == 3


def test_delete_participant_removes_them_and_is_idempotent(api, order, say):
    [before] = say("order_391_fc", "8029", "Before")

    first = api.delete(api.v1("conversations/order_391_fc/participants/12081"))
    second = api.delete(api.v1("conversations/order_391_fc/participants/12081"))
    [after] = say("order_391_fc", "8029", "After")

    assert [(r.status_code, r.json()) for r in (first, second)] == [(200, {}), (200, {})]
    assert list(participants_of(api)) == ["8029"]
    alice = Customer.objects.get(fk_id="12081")
    assert set(Receipt.objects.filter(customer=alice).values_list("message_id", flat=True)) == {before}
    assert after != before
    from conversations.models import Conversation

    assert Conversation.objects.get(public_id="order_391_fc").primary_customer.fk_id == "8029"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"access": "None"}, "access", "invalid_enum"),
        ({"notify": "MentionsOnly"}, "notify", "wrong_type"),
        ({"acess": "Read"}, "acess", "unknown_field"),
    ],
)
def test_bad_participation_input_is_400_and_writes_nothing(api, order, make_user, body, field, code):
    make_user("carol")
    before = db_counts()

    response = api.put(api.v1("conversations/order_391_fc/participants/carol"), body)

    error = assert_error(response, 400, "validation_failed")
    assert [(f["path"], f["code"]) for f in error["fields"]] == [(field, code)]
    assert db_counts() == before


@pytest.mark.parametrize("method", ["put", "delete"])
def test_participation_of_unknowns_and_other_tenants_is_404(api, other_api, order, method):
    before = db_counts()

    unknown_user = getattr(api, method)(api.v1("conversations/order_391_fc/participants/nobody"))
    unknown_conversation = getattr(api, method)(api.v1("conversations/nope/participants/8029"))
    other_tenant = getattr(other_api, method)(other_api.v1("conversations/order_391_fc/participants/8029"))

    for response in (unknown_user, unknown_conversation, other_tenant):
        assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_participation_of_a_merged_conversation_is_conversation_merged(api, order, make_conversation, merge):
    make_conversation("survivor", participants=["12081"])
    merge("order_391_fc", "survivor")
    before = db_counts()

    response = api.put(api.v1("conversations/order_391_fc/participants/8029"))

    assert_error(response, 404, "conversation_merged", details={"mergedInto": "survivor"})
    assert db_counts() == before


@pytest.mark.parametrize(
    ("extra", "field"), [({"attachmentToken": "tok_1"}, "attachmentToken"), ({"location": [51.4, -3.1]}, "location")]
)
def test_talkjs_upload_tokens_and_locations_are_refused_and_nothing_is_written(api, order, extra, field):
    before = db_counts()

    response = api.post(
        api.v1("conversations/order_391_fc/messages"),
        [{"type": "UserMessage", "sender": "8029", "text": "See file", **extra}],
    )

    assert_error(response, 400, "validation_failed", fields=[(f"[0].{field}", "unknown_field")])
    assert db_counts() == before
