"""[S3] create chat thread: `POST /api/v2/conversations/{id}/chats` (spec §7.3, seed 003). Rows 45 to 59."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import IdempotencyRecord
from conversations.models import Conversation, Message, Thread
from devices.models import Customer
from tests.integration.helpers import (
    FILE_TXT,
    MIB,
    add_closed_threads,
    assert_error,
    b64,
    db_counts,
    renumber,
    stored_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation_123(make_conversation) -> Conversation:
    """Seed 003's conversation `123`: new, so closed and without threads."""
    return make_conversation("123", participants=["alice"])


@pytest.fixture
def customer_456(create_user) -> Customer:
    """Seed 003's customer, whose Help Scout "Customer ID" (our `number`) is 456."""
    user = create_user(email="pens@example.com", firstName="Penny")
    return renumber(Customer.objects.get(uuid=user["id"]), 456)


def threads_of(api, public_id: str) -> list[dict]:
    return api.get(f"/api/v2/conversations/{public_id}/sessions").json()["_embedded"]["threads"]


def test_row_45_seed_request_creates_an_open_chat_thread(api, conversation_123, customer_456, chat):
    response = chat("123", {"id": 456}, attachments=[FILE_TXT])

    assert response.status_code == 201, response.content
    assert response.content == b""
    headers = ("X-Request-Id", "X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute")
    assert all(response.has_header(name) for name in headers)
    [thread] = threads_of(api, "123")
    assert response["Resource-ID"] == str(thread["id"])
    assert (thread["type"], thread["status"], thread["imported"], thread["source"]) == (
        "chat",
        "open",
        False,
        "chat_api",
    )
    assert api.get("/api/v2/conversations/123").json()["status"] == "active"
    [message] = api.get("/api/v2/conversations/123/messages").json()["_embedded"]["messages"]
    assert (message["text"], message["threadId"], message["sender"]) == (
        "Buy more pens",
        thread["id"],
        {"userId": str(customer_456.uuid), "kind": "customer"},
    )
    [attachment] = message["attachments"]
    assert (attachment["fileName"], attachment["mimeType"], attachment["size"]) == ("file.txt", "plain/text", 4)
    download = api.get(attachment["url"])
    assert (download.status_code, b"".join(download.streaming_content)) == (200, b"file")


def test_row_45_customer_id_may_be_a_digit_string_or_the_uuid(api, conversation_123, customer_456, chat):
    by_string = chat("123", {"id": "456"})
    by_uuid = chat("123", {"id": str(customer_456.uuid)})

    assert (by_string.status_code, by_uuid.status_code) == (201, 201)
    assert {m.author_customer_id for m in Message.objects.all()} == {customer_456.pk}


def test_row_46_customer_id_wins_and_the_email_is_not_even_validated(api, conversation_123, customer_456, chat):
    customers = Customer.objects.count()

    response = chat("123", {"id": customer_456.number, "email": "bad"})

    assert response.status_code == 201, response.content
    assert Customer.objects.count() == customers
    assert Message.objects.get().author_customer == customer_456
    assert Customer.objects.get(pk=customer_456.pk).email == "pens@example.com"


def test_row_47_unknown_email_creates_a_customer_with_the_optional_fields(api, conversation_123, chat):
    customer = {"email": "Carol@Example.com", "firstName": "Carol", "organization": "Pens Inc", "gender": "female"}

    response = chat("123", customer)

    assert response.status_code == 201, response.content
    user = api.get("/api/external/users/search", {"email": "carol@example.com"}).json()
    assert (user["firstName"], user["lastName"], user["registered"], user["source"]) == ("Carol", "", True, "chat")
    stored = Customer.objects.get(uuid=user["id"])
    assert (stored.profile["organization"], stored.profile["gender"]) == ("Pens Inc", "female")
    participants = api.get("/api/v2/conversations/123").json()["participants"]
    assert user["id"] in [p["userId"] for p in participants]


def test_row_48_matched_email_ignores_the_optional_fields(api, conversation_123, customer_456, chat):
    response = chat("123", {"email": "PENS@example.com", "firstName": "F" * 50, "gender": "x"})

    assert response.status_code == 201, response.content
    assert Customer.objects.get(pk=customer_456.pk).first_name == "Penny"
    assert Message.objects.get().author_customer == customer_456


def test_row_49_new_customer_with_a_41_character_first_name_is_refused(api, conversation_123, chat):
    before = db_counts()

    response = chat("123", {"email": "new@example.com", "firstName": "A" * 41})

    error = assert_error(response, 400, "validation_failed", fields=[("customer.firstName", "too_long")])
    assert error["fields"][0]["rejectedValue"] == "A" * 41
    assert db_counts() == before


@pytest.mark.parametrize(
    ("customer", "field"),
    [({}, ("customer", "id_or_email_required")), ({"id": 99999}, ("customer.id", "unknown_customer"))],
    ids=["empty-customer", "unknown-id"],
)
def test_row_50_customer_needs_an_id_or_email_that_resolves(api, conversation_123, chat, customer, field):
    before = db_counts()

    response = chat("123", customer)

    assert_error(response, 400, "validation_failed", fields=[field])
    assert db_counts() == before


def test_row_51_created_at_without_imported_is_requires_imported(api, conversation_123, customer_456, chat):
    before = db_counts()

    response = chat("123", {"id": 456}, createdAt="2023-01-02T03:04:05Z")

    assert_error(response, 400, "validation_failed", fields=[("createdAt", "requires_imported")])
    assert db_counts() == before


def test_row_52_imported_chat_is_a_closed_thread_that_changes_nothing_else(api, conversation_123, customer_456, chat):
    response = chat("123", {"id": 456}, imported=True, createdAt="2023-01-02T03:04:05Z")

    assert response.status_code == 201, response.content
    [thread] = threads_of(api, "123")
    assert str(thread["id"]) == response["Resource-ID"]
    assert (thread["status"], thread["imported"], thread["closeReason"], thread["createdAt"]) == (
        "closed",
        True,
        "imported",
        "2023-01-02T03:04:05Z",
    )
    shown = api.get("/api/v2/conversations/123").json()
    assert (shown["status"], shown["openThreadId"], shown["lastActivityAt"], shown["threadCount"]) == (
        "closed",
        None,
        None,
        1,
    )
    [message] = api.get("/api/v2/conversations/123/messages").json()["_embedded"]["messages"]
    assert (message["imported"], message["createdAt"]) == (True, "2023-01-02T03:04:05Z")
    assert Customer.objects.get(pk=customer_456.pk).current_conversation_id is None


def test_row_52_imported_must_be_a_json_boolean(api, conversation_123, customer_456, chat):
    before = db_counts()

    response = chat("123", {"id": 456}, imported="true")

    assert_error(response, 400, "validation_failed", fields=[("imported", "wrong_type")])
    assert db_counts() == before


def test_row_53_chat_supersedes_the_open_thread(api, conversation_123, customer_456, chat):
    first = chat("123", {"id": 456})

    second = chat("123", {"id": 456}, text="And paper")

    assert second.status_code == 201, second.content
    old, new = threads_of(api, "123")
    assert (old["id"], old["status"], old["closeReason"]) == (int(first["Resource-ID"]), "closed", "superseded")
    assert (new["id"], new["status"], new["closeReason"]) == (int(second["Resource-ID"]), "open", None)
    assert api.get("/api/v2/conversations/123").json()["openThreadId"] == new["id"]


@pytest.mark.parametrize(
    ("extra", "path"),
    [({"photoType": "myspace"}, "customer.photoType"), ({"gender": "x"}, "customer.gender")],
    ids=["photoType", "gender"],
)
def test_row_54_bad_enum_for_a_new_customer_is_invalid_enum(api, conversation_123, chat, extra, path):
    before = db_counts()

    response = chat("123", {"email": "new@example.com", **extra})

    assert_error(response, 400, "validation_failed", fields=[(path, "invalid_enum")])
    assert db_counts() == before


@pytest.mark.parametrize(
    ("data", "code"),
    [("%%%", "invalid_base64"), (b64(b"x" * (10 * MIB + 1)), "attachment_too_large")],
    ids=["not-base64", "10MiB-plus-1"],
)
def test_row_55_bad_attachment_data_is_refused(api, conversation_123, customer_456, chat, media_root, data, code):
    before = db_counts()

    response = chat("123", {"id": 456}, attachments=[{**FILE_TXT, "data": data}])

    assert_error(response, 400, "validation_failed", fields=[("attachments[0].data", code)])
    assert db_counts() == before
    assert stored_files(media_root) == []


def test_row_55_attachment_of_exactly_10_mib_is_accepted(api, conversation_123, customer_456, chat):
    response = chat("123", {"id": 456}, attachments=[{**FILE_TXT, "data": b64(b"x" * (10 * MIB))}])

    assert response.status_code == 201, response.content


def test_row_55_body_over_28_mib_is_413(api, conversation_123, customer_456, chat):
    before = db_counts()

    response = chat("123", {"id": 456}, attachments=[{**FILE_TXT, "data": "A" * (28 * MIB)}])

    assert_error(response, 413, "payload_too_large")
    assert db_counts() == before


def test_row_56_conversation_with_99_threads_is_locked(api, conversation_123, chat):
    add_closed_threads(conversation_123, 99)
    before = db_counts()

    response = chat("123", {"email": "new@example.com", "firstName": "New"})

    assert_error(response, 412, "thread_limit_reached")
    assert db_counts() == before
    assert Customer.objects.filter(email="new@example.com").exists() is False


def test_row_56_conversation_with_98_threads_takes_one_more(api, conversation_123, customer_456, chat):
    add_closed_threads(conversation_123, 98)

    response = chat("123", {"id": 456})

    assert response.status_code == 201, response.content


def test_row_57_conversation_idle_longer_than_lock_after_days_is_too_old(api, conversation_123, customer_456, chat):
    api.account.lock_after_days = 30
    api.account.save()
    Conversation.objects.filter(pk=conversation_123.pk).update(
        last_activity_at=timezone.now() - timedelta(days=31), created_at=timezone.now() - timedelta(days=60)
    )
    before = db_counts()

    response = chat("123", {"id": 456})

    assert_error(response, 412, "conversation_too_old")
    assert db_counts() == before


def test_row_58_chat_on_a_merged_conversation_is_conversation_merged(
    api, conversation_123, customer_456, make_conversation, merge, chat
):
    make_conversation("124", participants=["alice"])
    merge("123", "124")
    before = db_counts()

    response = chat("123", {"id": 456})

    assert_error(response, 404, "conversation_merged", details={"mergedInto": "124"})
    assert db_counts() == before


def test_row_58_chat_on_an_unknown_conversation_is_not_found(api, customer_456, chat):
    before = db_counts()

    response = chat("nope", {"id": 456})

    assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_row_59_same_idempotency_key_replays_the_first_answer(api, conversation_123, customer_456):
    body = {"customer": {"id": 456}, "text": "Buy more pens"}
    key = {"Idempotency-Key": "chat-123-pens"}

    first = api.post("/api/v2/conversations/123/chats", body, headers=key)
    second = api.post("/api/v2/conversations/123/chats", body, headers=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first["Resource-ID"] == second["Resource-ID"]
    assert second["Idempotent-Replayed"] == "true"
    assert first.has_header("Idempotent-Replayed") is False
    assert Thread.objects.filter(conversation=conversation_123).count() == 1
    assert Message.objects.count() == 1


def test_row_59_same_idempotency_key_with_another_body_is_a_conflict(api, conversation_123, customer_456):
    key = {"Idempotency-Key": "chat-123-pens"}
    api.post("/api/v2/conversations/123/chats", {"customer": {"id": 456}, "text": "Buy more pens"}, headers=key)
    before = db_counts()

    response = api.post("/api/v2/conversations/123/chats", {"customer": {"id": 456}, "text": "Buy paper"}, headers=key)

    assert_error(response, 409, "idempotency_conflict")
    assert db_counts() == before


def test_row_59_a_refused_request_keeps_no_key_and_can_be_retried(api, conversation_123, customer_456):
    key = {"Idempotency-Key": "chat-123-pens"}
    api.account.lock_after_days = 30
    api.account.save()
    Conversation.objects.filter(pk=conversation_123.pk).update(created_at=timezone.now() - timedelta(days=60))
    body = {"customer": {"id": 456}, "text": "Buy more pens"}
    refused = api.post("/api/v2/conversations/123/chats", body, headers=key)
    api.account.lock_after_days = None
    api.account.save()

    retried = api.post("/api/v2/conversations/123/chats", body, headers=key)

    assert_error(refused, 412, "conversation_too_old")
    assert retried.status_code == 201, retried.content
    assert retried.has_header("Idempotent-Replayed") is False
    assert IdempotencyRecord.objects.count() == 1


def test_without_idempotency_key_a_retry_creates_a_second_thread(api, conversation_123, customer_456, chat):
    chat("123", {"id": 456})

    chat("123", {"id": 456})

    assert Thread.objects.filter(conversation=conversation_123).count() == 2


def test_chat_adds_the_customer_as_participant(api, conversation_123, customer_456, chat):
    chat("123", {"id": 456})

    participants = api.get("/api/v2/conversations/123").json()["participants"]
    assert sorted(p["fkId"] or p["userId"] for p in participants) == sorted(["alice", str(customer_456.uuid)])


@pytest.mark.parametrize(
    ("customer", "attachment", "path"),
    [
        ({"id": 456, "nickname": "P"}, FILE_TXT, "customer.nickname"),
        ({"id": 456}, {**FILE_TXT, "size": 4}, "attachments[0].size"),
    ],
    ids=["customer", "attachment"],
)
def test_unknown_key_inside_customer_or_attachment_is_unknown_field(
    api, conversation_123, customer_456, chat, customer, attachment, path
):
    before = db_counts()

    response = chat("123", customer, attachments=[attachment])

    assert_error(response, 400, "validation_failed", fields=[(path, "unknown_field")])
    assert db_counts() == before


def test_row_51_created_at_more_than_5_minutes_ahead_is_in_future(api, conversation_123, customer_456, chat):
    ahead = (timezone.now() + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = db_counts()

    response = chat("123", {"id": 456}, imported=True, createdAt=ahead)

    assert_error(response, 400, "validation_failed", fields=[("createdAt", "in_future")])
    assert db_counts() == before


@pytest.mark.parametrize("moment", ["2024-01-01T12:99:00Z", "2024-02-30T12:00:00Z", "yesterday"])
def test_row_51_created_at_that_names_no_time_is_invalid_datetime(api, conversation_123, customer_456, chat, moment):
    before = db_counts()

    response = chat("123", {"id": 456}, imported=True, createdAt=moment)

    assert_error(response, 400, "validation_failed", fields=[("createdAt", "invalid_datetime")])
    assert db_counts() == before


def test_row_55_more_than_5_attachments_are_refused(api, conversation_123, customer_456, chat):
    before = db_counts()

    response = chat("123", {"id": 456}, attachments=[FILE_TXT] * 6)

    assert_error(response, 400, "validation_failed", fields=[("attachments", "too_many_items")])
    assert db_counts() == before


def test_row_53_chat_on_a_spam_conversation_stays_spam_with_a_closed_thread(api, conversation_123, customer_456, chat):
    api.patch("/api/v2/conversations/123", {"status": "spam"})

    response = chat("123", {"id": 456})

    assert response.status_code == 201, response.content
    [thread] = threads_of(api, "123")
    assert (thread["id"], thread["status"]) == (int(response["Resource-ID"]), "closed")
    assert api.get("/api/v2/conversations/123").json()["status"] == "spam"


def test_row_47_new_customer_with_a_taken_phone_is_phone_taken(api, conversation_123, create_user, chat):
    create_user(phoneNumber="+31201234567")
    before = db_counts()

    response = chat("123", {"email": "new@example.com", "phone": "+31 20 123 4567"})

    assert_error(response, 409, "phone_taken")
    assert db_counts() == before
