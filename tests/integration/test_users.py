"""[S1] conversation users: create, search, get, delete (spec §7.1, seed 001). Checklist rows 9 to 23."""

from __future__ import annotations

import uuid

import pytest

from conversations.models import Conversation, Media, Message
from devices.models import Customer, Device
from tests.integration.helpers import FILE_TXT, App, assert_error, db_counts, stored_files

pytestmark = pytest.mark.django_db

USER_FIELDS = {
    "id",
    "number",
    "firstName",
    "lastName",
    "context",
    "source",
    "fkId",
    "fkUserId",
    "email",
    "phoneNumber",
    "metadata",
    "kind",
    "registered",
    "createdAt",
    "updatedAt",
}


def test_row_09_create_with_names_and_email_is_201_with_the_user(api):
    response = api.post(
        "/api/external/users",
        {"firstName": "John", "lastName": "Doe", "email": "john@example.com", "customData": {"plan": "gold", "n": 1}},
    )

    assert response.status_code == 201, response.content
    user = response.json()
    assert set(user) == USER_FIELDS
    assert str(uuid.UUID(user["id"])) == user["id"]
    assert type(user["number"]) is int and user["number"] > 0
    assert (user["firstName"], user["lastName"], user["email"]) == ("John", "Doe", "john@example.com")
    assert (user["context"], user["fkId"], user["fkUserId"], user["phoneNumber"]) == (None, None, None, None)
    assert user["metadata"] == {"customData": {"plan": "gold", "n": 1}}
    assert (user["kind"], user["registered"]) == ("customer", True)
    assert response["Location"] == f"/api/external/users/{user['id']}"
    assert Customer.objects.get(uuid=user["id"]).account == api.account


def test_row_09_every_optional_field_of_the_seed_is_stored(api):
    body = {
        "firstName": "John",
        "lastName": "Doe",
        "email": "john@example.com",
        "phoneNumber": "+1234567890",
        "context": "Support",
        "source": "webchat",
        "fkId": "123456",
        "fkUserId": "u-77",
        "customData": {"plan": "gold"},
    }

    response = api.post("/api/external/users", body)

    assert response.status_code == 201, response.content
    user = response.json()
    assert {k: user[k] for k in ("context", "source", "fkId", "fkUserId", "phoneNumber")} == {
        "context": "Support",
        "source": "webchat",
        "fkId": "123456",
        "fkUserId": "u-77",
        "phoneNumber": "+1234567890",
    }


def test_row_10_create_with_only_a_phone_number_normalises_it(api):
    response = api.post(
        "/api/external/users", {"firstName": "John", "lastName": "Doe", "phoneNumber": "+1 (234) 567-890"}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["phoneNumber"], response.json()["email"]) == ("+1234567890", None)


def test_row_11_create_with_neither_email_nor_phone_is_refused(api):
    before = db_counts()

    response = api.post("/api/external/users", {"firstName": "John", "lastName": "Doe"})

    error = assert_error(response, 400, "validation_failed")
    assert error["fields"]
    assert {(f["path"], f["code"]) for f in error["fields"]} <= {("email", "required"), ("phoneNumber", "required")}
    assert db_counts() == before


def test_row_12_missing_first_name_and_a_typo_are_reported_together(api):
    before = db_counts()

    response = api.post("/api/external/users", {"lastName": "Doe", "phoneNumber": "+1234567890", "emial": "j@x.io"})

    assert_error(response, 400, "validation_failed", fields=[("firstName", "required"), ("emial", "unknown_field")])
    assert db_counts() == before


def test_row_13_invalid_email_is_refused_unless_validation_is_skipped(api):
    body = {"firstName": "Bob", "lastName": "Doe", "email": "bob@"}

    refused = api.post("/api/external/users", body)
    count_after_refusal = Customer.objects.count()
    skipped = api.post("/api/external/users", {**body, "skipEmailValidation": True})

    assert_error(refused, 400, "validation_failed", fields=[("email", "invalid_email")])
    assert count_after_refusal == 0
    assert skipped.status_code == 201, skipped.content
    assert skipped.json()["email"] == "bob@"


def test_row_14_email_differing_only_in_case_is_user_exists(api, create_user):
    existing = create_user(email="john@example.com")
    before = db_counts()

    response = api.post("/api/external/users", {"firstName": "J", "lastName": "D", "email": "JOHN@Example.com"})

    assert_error(response, 409, "user_exists", details={"field": "email", "userId": existing["id"]})
    assert db_counts() == before


def test_row_15_duplicate_fk_id_is_user_exists(api, create_user):
    existing = create_user(email="john@example.com", fkId="123456")
    before = db_counts()

    response = api.post("/api/external/users", {"firstName": "J", "lastName": "D", "email": "j@x.io", "fkId": "123456"})

    assert_error(response, 409, "user_exists", details={"field": "fkId", "userId": existing["id"]})
    assert db_counts() == before


def test_row_17_search_by_email_lists_live_conversations_only(api, make_user, make_conversation, merge):
    make_user("alice", email=["alice@example.com"])
    make_conversation("first", participants=["alice"])
    make_conversation("second", participants=["alice"])
    merge("first", "second")

    response = api.get("/api/external/users/search", {"email": "alice@example.com"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == USER_FIELDS | {"conversationIds"}
    assert (body["fkId"], body["email"]) == ("alice", "alice@example.com")
    assert body["conversationIds"] == ["second"]


def test_row_17_conversation_ids_are_newest_activity_first(api, make_user, make_conversation, say):
    make_user("alice")
    make_conversation("quiet", participants=["alice"])
    make_conversation("older", participants=["alice"])
    make_conversation("newer", participants=["alice"])
    say("older")
    say("newer")

    response = api.get("/api/external/users/search", {"fkId": "alice"})

    assert response.json()["conversationIds"] == ["newer", "older", "quiet"]


def test_row_18_search_by_phone_with_an_unencoded_plus_finds_the_user(api, create_user):
    user = create_user(phoneNumber="+1234567890")

    response = api.get("/api/external/users/search?phoneNumber=+1234567890")

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["conversationIds"]) == (user["id"], [])


def test_row_19_search_without_parameters_is_400_not_an_id(api, create_user):
    create_user(email="john@example.com")

    response = api.get("/api/external/users/search")

    assert_error(response, 400, "validation_failed")
    assert [f["code"] for f in response.json()["error"]["fields"]] == ["required"]


def test_row_20_search_without_a_match_is_404(api, create_user):
    create_user(email="john@example.com", fkId="123456")

    response = api.get("/api/external/users/search", {"fkId": "nope"})

    assert_error(response, 404, "not_found")


def test_row_21_parameters_naming_different_users_are_404(api, create_user):
    create_user(email="a@example.com", fkId="user-a")
    create_user(email="b@example.com", fkId="user-b")

    response = api.get("/api/external/users/search", {"email": "a@example.com", "fkId": "user-b"})

    assert_error(response, 404, "not_found")


def test_row_22_user_created_by_chats_from_an_email_has_empty_names(api, make_conversation, chat):
    make_conversation("123", participants=["alice"])
    chat("123", {"email": "new@example.com"})
    found = api.get("/api/external/users/search", {"email": "new@example.com"}).json()

    response = api.get(f"/api/external/users/{found['id']}")

    assert response.status_code == 200, response.content
    assert (response.json()["firstName"], response.json()["lastName"]) == ("", "")
    assert response.json()["registered"] is True


def test_row_23_delete_the_sole_customer_deletes_their_conversation(api, make_user, make_conversation, say):
    alice = make_user("alice")
    make_conversation("C", participants=["alice"])
    say("C", "alice", "Hello", "Anyone there?")
    path = f"/api/external/users/{alice.uuid}"

    deleted = api.delete(path)
    get_user = api.get(path)
    get_conversation = api.get("/api/v2/conversations/C")
    deleted_again = api.delete(path)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(get_user, 404, "not_found")
    assert_error(get_conversation, 404, "not_found")
    assert_error(deleted_again, 404, "not_found")
    assert Conversation.objects.filter(public_id="C").exists() is False
    assert Message.objects.count() == 0


def test_row_23_delete_keeps_messages_in_shared_conversations_without_sender(api, make_user, make_conversation, say):
    alice = make_user("alice")
    make_conversation("shared", participants=["alice", "bob"])
    [message_id] = say("shared", "alice", "Hello")

    response = api.delete(f"/api/external/users/{alice.uuid}")

    assert response.status_code == 204
    message = api.get("/api/v2/conversations/shared/messages").json()["_embedded"]["messages"][0]
    assert (message["id"], message["sender"], message["senderDeleted"]) == (message_id, None, True)
    assert [p["fkId"] for p in api.get("/api/v2/conversations/shared").json()["participants"]] == ["bob"]


def test_get_user_with_a_malformed_id_is_404(api):
    response = api.get("/api/external/users/not-a-uuid")

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("email=a@example.com&email=b@example.com", ("query.email", "duplicate")),
        ("mail=a@example.com", ("query.mail", "unknown_field")),
        ("email=not-an-email", ("query.email", "invalid_email")),
        ("phoneNumber=12", ("query.phoneNumber", "invalid_phone")),
    ],
    ids=["repeated", "unknown", "bad-email", "bad-phone"],
)
def test_row_19_bad_search_parameters_are_400(api, create_user, query, field):
    create_user(email="a@example.com")

    response = api.get(f"/api/external/users/search?{query}")

    assert_error(response, 400, "validation_failed", fields=[field])


def test_row_14_idempotency_key_replays_a_create_instead_of_user_exists(api):
    body = {"firstName": "John", "lastName": "Doe", "email": "john@example.com"}
    key = {"Idempotency-Key": "create-john"}

    first = api.post("/api/external/users", body, headers=key)
    second = api.post("/api/external/users", body, headers=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert (second["Location"], second["Idempotent-Replayed"]) == (first["Location"], "true")
    assert Customer.objects.count() == 1


def test_row_23_delete_revokes_the_users_devices(api, client, account):
    App(client=client, account=account, device_id="ios-device-00042", subject="customer-42").register()
    customer = Customer.objects.get(fk_id="customer-42")

    response = api.delete(f"/api/external/users/{customer.uuid}")

    assert response.status_code == 204
    assert Device.objects.filter(device_id="ios-device-00042").exists() is False
    assert Customer.objects.filter(pk=customer.pk).exists() is False


def test_row_23_delete_removes_the_files_of_deleted_conversations(
    api, make_user, make_conversation, chat, media_root, django_capture_on_commit_callbacks
):
    alice = make_user("alice")
    make_conversation("C", participants=["alice"])
    chat("C", {"id": str(alice.uuid)}, attachments=[FILE_TXT])
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):  # the files go after the commit
        response = api.delete(f"/api/external/users/{alice.uuid}")

    assert response.status_code == 204
    assert stored_files(media_root) == []
    assert Media.objects.count() == 0


def test_a_user_created_without_optional_fields_reads_them_back_as_null(api):
    response = api.post("/api/external/users", {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"})

    body = response.json()
    assert response.status_code == 201
    assert (body["source"], body["context"], body["fkId"], body["fkUserId"], body["phoneNumber"]) == (
        None,
        None,
        None,
        None,
        None,
    )
