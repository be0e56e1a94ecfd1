"""Media in an S3-compatible bucket (#22): every surface uploads to it and serves from it, only to those allowed,
prune_media deletes from it, and a storage that is down or refuses answers a clear error with nothing half-written.

The bucket is moto's S3 server on 127.0.0.1 (tests/storage/conftest.py); what is stored is read back with boto3."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from storages.backends.s3 import S3Storage

from agents.management.commands.db_worker import sweep_round
from agents.models import Account, Agent
from agents.services import api_key_create
from conversations.attachments import attachment_store
from conversations.client_api.formatting import agent_object
from conversations.media import media_files_removed_on_failure, media_save
from conversations.models import Conversation, Media, Message, StoredFileDeletion
from devices.models import Customer
from messenger_project.errors import ServiceError
from messenger_project.media_storage import media_storage_config
from tests.factories import make_account, make_agent, make_conversation, post
from tests.integration.helpers import Api, App
from tests.storage.conftest import Bucket, free_port, use_s3

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


def png(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def reply_url(conversation: Conversation) -> str:
    return reverse("desk:conversation-reply", args=[conversation.pk])


def rows() -> dict[str, int]:
    return {"media": Media.objects.count(), "messages": Message.objects.count()}


@pytest.fixture
def conversation(account: Account, customer: Customer) -> Conversation:
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello?")  # the desk lists a conversation once it has a message
    return conversation


@pytest.fixture
def other_tenant() -> dict:
    """Another company: its agent, its key and one of its customers' apps."""
    account = make_account(name="Elsewhere")
    agent = make_agent(account=account)
    desk = Client()
    desk.force_login(agent.user)
    _, key = api_key_create(account=account, name="theirs")
    return {
        "desk": desk,
        "api": Api(client=Client(), account=account, key=key),
        "app": App(client=Client(), account=account, device_id="s3-elsewhere").register(),
    }


def client_upload(app: App, content: bytes) -> Media:
    response = app.client.post(
        "/clientApi/v1.9/media", {"media": upload("holiday.png", content)}, headers=app.headers()
    )
    assert response.status_code == 200, response.content
    return Media.objects.get(uuid=response.json()["data"]["media"])


def client_download(app: App, media: Media):
    return app.client.get(f"/clientApi/v1.9/media/{media.uuid}", headers=app.headers())


def chat_with_attachment(api: Api, conversation: Conversation, customer: Customer, content: bytes):
    return api.post(
        f"/api/v2/conversations/{conversation.public_id}/chats",
        {
            "customer": {"id": str(customer.uuid)},
            "text": "See the photo",
            "attachments": [
                {"fileName": "photo.png", "mimeType": "image/png", "data": base64.b64encode(content).decode()}
            ],
        },
    )


# --- configuration ------------------------------------------------------------------------------------------


def test_the_environment_chooses_the_local_disk_or_a_private_bucket():
    import environ

    assert media_storage_config(environ.Env()) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    env = environ.Env()
    env.ENVIRON = {
        "AWS_STORAGE_BUCKET_NAME": "messenger-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.net",
        "AWS_S3_REGION_NAME": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    config = media_storage_config(env)
    options = config["OPTIONS"]
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert {k: options[k] for k in ("bucket_name", "endpoint_url", "region_name", "access_key", "secret_key")} == {
        "bucket_name": "messenger-media",
        "endpoint_url": "https://s3.example.net",
        "region_name": "eu-central-1",
        "access_key": "key",
        "secret_key": "secret",
    }
    # Private: no ACL (the bucket's own), signed URLs only, a stored file never replaced.
    assert (options["default_acl"], options["querystring_auth"], options["file_overwrite"]) == (None, True, False)


def test_default_storage_and_the_media_field_follow_the_setting(s3_media: Bucket):
    field_storage = Media._meta.get_field("file").storage
    assert isinstance(default_storage, S3Storage)
    assert isinstance(field_storage, S3Storage)
    assert field_storage.bucket_name == s3_media.name
    name = field_storage.save("uploads/probe.txt", io.BytesIO(b"probe"))
    assert s3_media.read(name) == b"probe"


# --- each surface uploads to the bucket and serves from it ----------------------------------------------------


def test_client_api_upload_is_stored_in_the_bucket_and_served_to_its_owner_only(
    s3_media: Bucket, app: App, account: Account, other_tenant: dict
):
    content = png()

    media = client_upload(app, content)

    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])
    assert s3_media.read(media.file.name) == content
    served = client_download(app, media)
    assert (served.status_code, served["Content-Type"], body(served)) == (200, "image/png", content)
    assert (served["X-Content-Type-Options"], served["Content-Security-Policy"]) == (
        "nosniff",
        "default-src 'none'; frame-ancestors 'none'; sandbox",
    )
    # Another customer of the same company, and another company's customer: not theirs.
    neighbour = App(client=Client(), account=account, device_id="s3-device-2").register()
    assert client_download(neighbour, media).status_code == 404
    assert client_download(other_tenant["app"], media).status_code == 404


def test_desk_reply_image_is_stored_in_the_bucket_and_served_to_the_companys_agents_only(
    s3_media: Bucket, desk: Client, conversation: Conversation, other_tenant: dict
):
    content = png()

    response = desk.post(reply_url(conversation), {"text": "", "image": upload("label.png", content)}, headers=JSON)

    assert (response.status_code, response.json()) == (200, {"ok": True, "error": None})
    media = Media.objects.get()
    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])
    served = desk.get(f"/desk/media/{media.uuid}")
    assert (served.status_code, body(served)) == (200, content)
    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})
    assert (thumbnail.status_code, thumbnail.content) == (200, s3_media.read(media.thumbnail.name))
    assert Image.open(io.BytesIO(thumbnail.content)).size == (320, 240)
    assert other_tenant["desk"].get(f"/desk/media/{media.uuid}").status_code == 404


def test_integration_api_attachment_is_stored_in_the_bucket_and_served_to_its_account_only(
    s3_media: Bucket, api: Api, conversation: Conversation, customer: Customer, other_tenant: dict
):
    content = png()

    response = chat_with_attachment(api, conversation, customer, content)

    assert response.status_code == 201, response.content
    media = Media.objects.get()
    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])
    served = api.get(f"/api/v2/attachments/{media.uuid}")
    assert (served.status_code, body(served)) == (200, content)
    data = api.get(f"/api/v2/conversations/{conversation.public_id}/attachments/{media.uuid}/data")
    assert (data.status_code, base64.b64decode(data.json()["data"])) == (200, content)
    assert other_tenant["api"].get(f"/api/v2/attachments/{media.uuid}").status_code == 404


def test_prune_media_deletes_unused_uploads_from_the_bucket(s3_media: Bucket, app: App):
    kept = client_upload(app, png((10, 10)))
    stale = client_upload(app, png((20, 20)))
    Media.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))

    call_command("prune_media", stdout=io.StringIO())

    assert list(Media.objects.values_list("pk", flat=True)) == [kept.pk]
    assert s3_media.keys() == sorted([kept.file.name, kept.thumbnail.name])


# --- thumbnails made once --------------------------------------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def storage_kind(request) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    return request.param


def test_the_stored_thumbnail_is_served_without_the_original(
    storage_kind: str, desk: Client, conversation: Conversation
):
    """Made at upload, served from storage: even with the original gone, the thumbnail is the stored one."""
    desk.post(reply_url(conversation), {"text": "", "image": upload("a.png", png())})
    media = Media.objects.get()
    stored = default_storage.open(media.thumbnail.name).read()
    default_storage.delete(media.file.name)  # nothing left to decode

    thumbnail = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    assert (thumbnail.status_code, thumbnail.content) == (200, stored)
    assert Image.open(io.BytesIO(stored)).size == (320, 240)
    assert desk.get(f"/desk/media/{media.uuid}").status_code == 404  # the original itself is gone


def test_older_media_get_their_thumbnail_made_on_first_use_and_stored(
    storage_kind: str, desk: Client, conversation: Conversation
):
    desk.post(reply_url(conversation), {"text": "", "image": upload("a.png", png())})
    media = Media.objects.get()
    default_storage.delete(media.thumbnail.name)
    Media.objects.filter(pk=media.pk).update(thumbnail="")  # as stored before #22

    first = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    media.refresh_from_db()
    assert media.thumbnail.name.endswith("_thumb.png")
    assert media.thumbnail.name.rsplit("/", 1)[0] == media.file.name.rsplit("/", 1)[0]  # beside the original
    assert (first.status_code, first.content) == (200, default_storage.open(media.thumbnail.name).read())
    default_storage.delete(media.file.name)
    second = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})
    assert (second.status_code, second.content) == (200, first.content)


# --- a storage that is down, or refuses ----------------------------------------------------------------------


def test_uploads_while_the_storage_is_down_are_refused_with_nothing_written(
    s3_down, app: App, desk: Client, api: Api, conversation: Conversation, customer: Customer
):
    before = rows()

    client_media = app.client.post("/clientApi/v1.9/media", {"media": upload("a.png", png())}, headers=app.headers())
    client_message = app.client.post(
        "/clientApi/v1.9/messages", {"image": upload("a.png", png())}, headers=app.headers()
    )
    desk_reply = desk.post(reply_url(conversation), {"text": "hi", "image": upload("a.png", png())}, headers=JSON)
    chat = chat_with_attachment(api, conversation, customer, png())

    for response in (client_media, client_message):  # the code the Android and iOS SDKs know, then ours
        assert response.status_code == 503, response.content
        assert [n["message"] for n in response.json()["notifications"]] == [
            "could_not_save_media",
            "storage_unavailable",
        ]
        assert response.json()["status"] == "ERROR"
    assert desk_reply.status_code == 503
    assert desk_reply.json() == {
        "ok": False,
        "error": "The file storage refused the file or could not be reached. Try again later.",
    }
    assert chat.status_code == 503
    assert chat.json()["error"]["code"] == "storage_unavailable"
    assert rows() == before


def test_an_upload_the_bucket_refuses_is_a_clear_error(settings, s3_endpoint: str, app: App):
    use_s3(settings, bucket="media-no-such-bucket", endpoint_url=s3_endpoint)

    response = app.client.post("/clientApi/v1.9/media", {"media": upload("a.png", png())}, headers=app.headers())

    assert (response.status_code, response.json()["notifications"][0]["message"]) == (503, "could_not_save_media")
    assert Media.objects.count() == 0


def test_a_row_that_fails_after_its_files_were_stored_takes_them_with_it(s3_media: Bucket, account: Account):
    taken = attachment_store(account=account, file_name="a.png", mime_type="image/png", content=png())
    twin = Media(uuid=taken.uuid, account=account, mime_type="image/png", checked_type="image/png", size=1)

    with pytest.raises(IntegrityError):  # the same uuid: the row fails after both files were written
        media_save(twin, ContentFile(png(), name="b.png"), extension="png")

    assert s3_media.keys() == sorted([taken.file.name, taken.thumbnail.name])


def test_a_write_that_fails_after_the_files_were_stored_leaves_none_behind(s3_media: Bucket, account: Account):
    """What a message post does (media_files_removed_on_failure around its transaction): its rows roll back, and
    the files it stored are deleted from the bucket."""
    with pytest.raises(ServiceError), media_files_removed_on_failure(), transaction.atomic():
        for name in ("a.png", "b.png"):
            attachment_store(account=account, file_name=name, mime_type="image/png", content=png())
        assert len(s3_media.keys()) == 4
        raise ServiceError("thread_not_editable")

    assert (rows(), s3_media.keys()) == ({"media": 0, "messages": 0}, [])


def test_downloads_while_the_storage_is_down_are_503_in_each_surfaces_format(
    settings,
    s3_media: Bucket,
    s3_endpoint: str,
    app: App,
    desk: Client,
    api: Api,
    conversation: Conversation,
    customer: Customer,
):
    assert chat_with_attachment(api, conversation, customer, png()).status_code == 201
    media = Media.objects.get()
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")

    client_api = client_download(app, media)
    integration = api.get(f"/api/v2/attachments/{media.uuid}")
    data = api.get(f"/api/v2/conversations/{conversation.public_id}/attachments/{media.uuid}/data")
    desk_file = desk.get(f"/desk/media/{media.uuid}")
    desk_thumb = desk.get(f"/desk/media/{media.uuid}", {"thumb": "1"})

    assert (client_api.status_code, client_api.json()["notifications"][0]["message"]) == (503, "storage_unavailable")
    assert (integration.status_code, integration.json()["error"]["code"]) == (503, "storage_unavailable")
    assert (data.status_code, data.json()["error"]["code"]) == (503, "storage_unavailable")
    assert (desk_file.status_code, desk_thumb.status_code) == (503, 503)
    assert desk_file["Retry-After"]


def test_prune_media_with_the_storage_down_queues_the_files_and_says_so(settings, s3_media: Bucket, app: App):
    stale = client_upload(app, png((20, 20)))
    Media.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=2))
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")
    errors = io.StringIO()

    call_command("prune_media", stdout=io.StringIO(), stderr=errors)

    assert not Media.objects.filter(pk=stale.pk).exists()
    assert "2 files of deleted media wait for the storage" in errors.getvalue()
    assert s3_media.keys() == sorted([stale.file.name, stale.thumbnail.name])
    # The storage answers again: the worker's sweep deletes them.
    use_s3(settings, bucket=s3_media.name, endpoint_url=s3_media.client.meta.endpoint_url)
    sweep_round()
    assert (s3_media.keys(), StoredFileDeletion.objects.count()) == ([], 0)


def test_the_admin_shows_stored_names_never_a_bucket_url(s3_media: Bucket, s3_endpoint: str, app: App):
    media = client_upload(app, png())
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))

    page = admin.get(reverse("admin:conversations_media_change", args=[media.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert media.file.name in html and media.thumbnail.name in html
    assert s3_endpoint not in html and "X-Amz-Signature" not in html
    assert admin.get(reverse("admin:conversations_media_add")).status_code == 403


def test_avatars_are_stored_in_the_bucket_linked_through_our_route_and_503_when_it_is_down(
    settings, s3_media: Bucket, agent: Agent
):
    agent.avatar.save("sanne.png", ContentFile(png((64, 64))))
    link = agent_object(agent)["avatar"]

    assert s3_media.keys() == [agent.avatar.name]
    assert link == f"/media/{agent.avatar.name}"  # never a bucket URL, which would expire
    served = Client().get(link)
    assert (served.status_code, served["Content-Type"], body(served)) == (200, "image/png", png((64, 64)))
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")
    assert Client().get(link).status_code == 503


def test_a_local_disk_that_cannot_be_written_is_the_same_clear_error(settings, tmp_path, app: App):
    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")
    settings.MEDIA_ROOT = str(blocked)  # every write under it fails with an OSError

    response = app.client.post("/clientApi/v1.9/media", {"media": upload("a.png", png())}, headers=app.headers())

    assert (response.status_code, response.json()["notifications"][0]["message"]) == (503, "could_not_save_media")
    assert Media.objects.count() == 0
