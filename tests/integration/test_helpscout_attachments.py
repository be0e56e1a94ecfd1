"""Help Scout's attachments on /api/v2 (#21): upload to a thread (one of our messages) and `GET
…/attachments/{id}/data` as `{"data": base64}`, beside today's raw download."""

from __future__ import annotations

import base64

import pytest

from conversations.models import Media
from tests.integration.helpers import FILE_TXT, MIB, assert_error, b64, db_counts, stored_files

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def reply_id(bot_api, make_conversation, say) -> int:
    make_conversation("c1")
    say("c1")
    response = bot_api.post("/api/v2/conversations/c1/reply", {"text": "Here is the invoice"})
    assert response.status_code == 201, response.content
    return int(response["Resource-ID"])


def upload(api, thread_id, body=None, public_id="c1"):
    body = body if body is not None else {"fileName": "invoice.pdf", "mimeType": "application/pdf", "data": b64(PDF)}
    return api.post(f"/api/v2/conversations/{public_id}/threads/{thread_id}/attachments", body)


def test_upload_then_data_gives_the_bytes_back_as_base64(bot_api, reply_id):
    response = upload(bot_api, reply_id)

    assert response.status_code == 201, response.content
    media = Media.objects.get(uuid=response["Resource-ID"])
    assert (media.message_id, media.original_name, media.mime_type, media.size) == (
        reply_id,
        "invoice.pdf",
        "application/pdf",
        len(PDF),
    )
    assert response["Location"] == f"http://testserver/api/v2/conversations/c1/attachments/{media.uuid}/data"
    data = bot_api.get(f"/api/v2/conversations/c1/attachments/{media.uuid}/data")
    assert data.status_code == 200, data.content
    assert data.json() == {"data": base64.b64encode(PDF).decode()}
    raw = bot_api.get(f"/api/v2/attachments/{media.uuid}")
    assert b"".join(raw.streaming_content) == PDF
    [thread] = [
        t for t in bot_api.get("/api/v2/conversations/c1/threads").json()["_embedded"]["threads"] if t["id"] == reply_id
    ]
    assert [a["id"] for a in thread["_embedded"]["attachments"]] == [str(media.uuid)]


def test_data_of_a_chat_attachment(api, make_conversation, chat, create_user):
    make_conversation("c2")
    user = create_user(email="pens@example.com")
    assert chat("c2", {"id": user["number"]}, attachments=[FILE_TXT]).status_code == 201
    media = Media.objects.get()

    response = api.get(f"/api/v2/conversations/c2/attachments/{media.uuid}/data")

    assert response.json() == {"data": "ZmlsZQ=="}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"fileName": "a.txt", "mimeType": "text/plain", "data": "%%%"}, [("data", "invalid_base64")]),
        ({"fileName": "a.txt", "mimeType": "text plain", "data": "ZmlsZQ=="}, [("mimeType", "wrong_type")]),
        ({"fileName": "../a.txt", "mimeType": "text/plain", "data": "ZmlsZQ=="}, [("fileName", "wrong_type")]),
        ({"fileName": "a.txt", "mimeType": "text/plain", "data": ""}, [("data", "too_short")]),
        ({"fileName": "a.txt", "mimeType": "text/plain"}, [("data", "required")]),
        ({"fileName": "a.txt", "mimeType": "text/plain", "data": "ZmlsZQ==", "x": 1}, [("x", "unknown_field")]),
    ],
    ids=["base64", "mime-type", "file-name", "empty", "missing", "unknown"],
)
def test_bad_uploads_store_nothing(bot_api, reply_id, media_root, body, fields):
    before, files = db_counts(), stored_files(media_root)

    response = upload(bot_api, reply_id, body)

    assert_error(response, 400, "validation_failed", fields=fields)
    assert (db_counts(), stored_files(media_root)) == (before, files)


def test_a_file_over_10_mib_is_refused(bot_api, reply_id, media_root):
    before = db_counts()

    response = upload(
        bot_api,
        reply_id,
        {"fileName": "big.bin", "mimeType": "application/octet-stream", "data": b64(b"x" * (10 * MIB + 1))},
    )

    assert_error(response, 400, "validation_failed", fields=[("data", "attachment_too_large")])
    assert (db_counts(), stored_files(media_root)) == (before, [])


def test_a_sixth_attachment_is_refused(bot_api, reply_id, media_root):
    for _ in range(5):
        assert upload(bot_api, reply_id).status_code == 201
    files = stored_files(media_root)

    response = upload(bot_api, reply_id)

    assert_error(response, 409, "too_many_attachments")
    assert (Media.objects.count(), stored_files(media_root)) == (5, files)


def test_a_customers_message_takes_no_upload(bot_api, make_conversation, say, media_root):
    make_conversation("c1")
    [said] = say("c1")

    response = upload(bot_api, said)

    assert_error(response, 422, "thread_not_editable")
    assert (Media.objects.count(), stored_files(media_root)) == (0, [])


def test_another_accounts_attachment_and_thread_are_not_found(bot_api, other_api, reply_id, make_conversation):
    media_id = upload(bot_api, reply_id)["Resource-ID"]
    make_conversation("c3")

    assert_error(other_api.get(f"/api/v2/conversations/c1/attachments/{media_id}/data"), 404, "not_found")
    assert_error(upload(other_api, reply_id), 404, "not_found")
    # The right account, but a conversation the attachment is not in; an id that is no UUID.
    assert_error(bot_api.get(f"/api/v2/conversations/c3/attachments/{media_id}/data"), 404, "not_found")
    assert_error(bot_api.get("/api/v2/conversations/c1/attachments/123/data"), 404, "not_found")
    assert Media.objects.count() == 1


def test_data_of_a_merged_conversation_is_a_301(bot_api, reply_id, make_conversation, merge):
    media_id = upload(bot_api, reply_id)["Resource-ID"]
    make_conversation("survivor")
    merge("c1", "survivor")

    response = bot_api.get(f"/api/v2/conversations/c1/attachments/{media_id}/data")

    assert response.status_code == 301
    assert response["Location"] == f"/api/v2/conversations/survivor/attachments/{media_id}/data"
    assert bot_api.get(response["Location"]).json() == {"data": base64.b64encode(PDF).decode()}
