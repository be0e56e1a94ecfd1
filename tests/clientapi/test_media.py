"""Uploads and downloads (client API §5.4c, §5.7, §5.8): types from the bytes, the size limit, access."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from conversations.models import Media, Message
from tests.clientapi.helpers import assert_error, db_counts, png_bytes, register, stored_files, upload_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(app, content: bytes = b"", name: str = "holiday.png") -> str:
    """POST media and return the upload id."""
    response = app.upload("media", media=upload_file(content or png_bytes(), name=name))
    assert response.status_code == 200, response.content
    return response.json()["data"]["media"]


def send_media(app, content: bytes = b"", name: str = "holiday.png") -> dict:
    """Upload, send as a message, and return the message's media object."""
    app.post("messages", {"media": {"id": upload(app, content, name)}})
    return app.get("messages").json()["data"][0]["media"]


def file_path(media: dict) -> str:
    return f"media/{media['year']}/{media['month']}/{media['day']}/{media['filename']}"


# --- POST media --------------------------------------------------------------------------------------------


def test_upload_returns_an_opaque_id_and_stores_the_file(web, media_root):
    content = png_bytes()

    media_id = upload(web, content)

    assert "/" not in media_id and str(uuid.UUID(media_id)) == media_id
    media = Media.objects.get()
    assert (str(media.uuid), media.mime_type, media.size, media.original_name) == (
        media_id,
        "image/png",
        len(content),
        "holiday.png",
    )
    assert media.message is None
    # The original, and beside it the desk's thumbnail, made once at upload (#22).
    assert stored_files(media_root) == [Path(media.file.path), Path(media.thumbnail.path)]
    assert Path(media.file.path).read_bytes() == content
    assert media.thumbnail.name == f"{media.file.name.rsplit('.', 1)[0]}_thumb.png"


def test_upload_before_v1_9_returns_the_path_form(web, account):
    response = web.with_(version="1.8").upload("media", media=upload_file(png_bytes()))

    media = Media.objects.get()
    year, month, day = media.created_at.year, media.created_at.month, media.created_at.day
    assert response.json()["data"] == {"media": f"img/{account.pk}/{year}/{month}/{day}/{media.uuid.hex}.png"}


def test_type_comes_from_the_bytes_not_the_name_or_declared_type(web):
    response = web.upload("media", media=upload_file(PDF, name="A1B2C3D4", content_type="image/png"))

    assert response.status_code == 200
    media = Media.objects.get()
    assert (media.mime_type, media.file.name.rsplit(".", 1)[1]) == ("application/pdf", "pdf")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(EXE, id="exe-renamed-png"),
        pytest.param(png_bytes()[:33] + b"\x00garbage" * 20, id="png-with-broken-body"),
        pytest.param(SVG, id="svg"),
        pytest.param(b"<html><body>hi</body></html>", id="html"),
    ],
)
def test_refused_type_is_invalid_media_type_and_stores_nothing(web, media_root, content):
    before = db_counts()

    response = web.upload("media", media=upload_file(content, name="holiday.png"))

    assert_error(response, 400, "invalid_media_type", url="media")
    assert db_counts() == before
    assert stored_files(media_root) == []


def test_upload_over_10_mib_is_media_too_large_and_stores_nothing(web, media_root):
    content = png_bytes() + b"\x00" * (11 * 1024 * 1024)
    before = db_counts()

    response = web.upload("media", media=upload_file(content))

    assert_error(response, 413, "media_too_large", url="media")
    assert db_counts() == before
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param({"image": upload_file(png_bytes())}, id="wrong-part-name"),
        pytest.param({"media": upload_file(b"")}, id="empty-file"),
        pytest.param({"description": "no file"}, id="no-file"),
    ],
)
def test_upload_without_the_media_part_is_missing_media(web, media_root, parts):
    before = db_counts()

    response = web.upload("media", **parts)

    assert_error(response, 400, "missing_media", url="media")
    assert db_counts() == before
    assert stored_files(media_root) == []


def test_upload_with_a_json_body_is_missing_media(web):
    before = db_counts()

    response = web.post("media", {"media": "holiday.png"})

    assert_error(response, 400, "missing_media", url="media")
    assert db_counts() == before


def test_legacy_multipart_image_on_post_messages_sends_a_media_message(web, media_root):
    content = png_bytes()

    response = web.upload("messages", image=upload_file(content, name="IMG_1.png"))

    assert response.status_code == 200
    message = Message.objects.get()
    assert response.json()["data"] == {"messageId": str(message.pk)}
    assert (message.text, message.media.mime_type, message.media.original_name) == ("", "image/png", "IMG_1.png")
    assert stored_files(media_root) == [Path(message.media.file.path), Path(message.media.thumbnail.path)]
    assert Path(message.media.file.path).read_bytes() == content


def test_legacy_multipart_image_of_a_refused_type_stores_nothing(web, media_root):
    before = db_counts()

    response = web.upload("messages", image=upload_file(EXE, name="photo.png"))

    assert_error(response, 400, "invalid_media_type", url="messages")
    assert db_counts() == before
    assert stored_files(media_root) == []


# --- GET media ---------------------------------------------------------------------------------------------


def test_download_by_path_serves_the_exact_bytes_and_type(web):
    content = png_bytes()
    media = send_media(web, content)

    response = web.get(file_path(media))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="holiday.png"'
    assert response["Cache-Control"].startswith("private, max-age=")


def test_download_by_path_accepts_zero_padded_numbers(web):
    media = send_media(web)

    response = web.get(f"media/{media['year']}/{int(media['month']):02d}/{int(media['day']):02d}/{media['filename']}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_download_by_upload_id_before_and_after_sending(web):
    content = png_bytes()
    media_id = upload(web, content)

    unused = web.get(f"media/{media_id}")
    web.post("messages", {"media": {"id": media_id}})
    used = web.get(f"media/{media_id}")

    assert [b"".join(r.streaming_content) for r in (unused, used)] == [content, content]
    assert [r["Content-Type"] for r in (unused, used)] == ["image/png", "image/png"]


def test_pdf_is_served_as_an_attachment(web):
    media = send_media(web, PDF, name="report.pdf")

    response = web.get(file_path(media))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'


def test_media_of_another_customers_message_is_not_found_and_not_leaked(web, stranger):
    media = send_media(stranger)
    message_id = Message.objects.get(attachments__isnull=False).pk
    media_id = str(Media.objects.get().uuid)

    responses = [web.get(file_path(media)), web.get(f"media/{media_id}"), web.get(f"messages/{message_id}")]

    for response, code in zip(responses, ["media_not_found", "media_not_found", "message_not_found"], strict=True):
        assert_error(response, 404, code)
        assert b"\x89PNG" not in response.content
    assert media["filename"].encode() not in responses[2].content


def test_unused_upload_is_visible_only_to_its_uploader(web, stranger):
    media_id = upload(stranger)

    response = web.get(f"media/{media_id}")

    assert_error(response, 404, "media_not_found", url=f"media/{media_id}")


def test_media_of_another_account_is_not_found(client, web, other_account):
    media = send_media(web)
    outsider = register(client, "web-device-0001", identification=other_account.identification)

    assert_error(outsider.get(file_path(media)), 404, "media_not_found")


@pytest.mark.parametrize(
    "path", ["media/not-a-uuid", "media/00000000-0000-4000-8000-000000000000", "media/2025/1/1/missing.png"]
)
def test_unknown_media_is_not_found(web, path):
    assert_error(web.get(path), 404, "media_not_found", url=path)
