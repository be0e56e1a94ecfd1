"""Data protection with media in an S3-compatible bucket (#22): the export reads the customer's files from the
bucket, an erasure and the retention policy delete them (original and thumbnail) from it, after the commit.

The bucket is moto's S3 server on 127.0.0.1 (tests/storage/conftest.py); what is stored is read back with boto3."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agents.management.commands.db_worker import sweep_round
from agents.models import Account, AuditEntry
from conversations.models import Conversation, Media, Message, StoredFileDeletion
from conversations.services.erasure import ERASED_TEXT, customer_erase
from conversations.services.retention import retention_apply
from tests.privacy.conftest import staff
from tests.storage.conftest import Bucket, free_port, use_s3
from tests.storage.test_s3_media import body, client_upload, png

pytestmark = pytest.mark.django_db


def photo_message(app, content: bytes) -> Media:
    """The customer sends a photo through the client API: uploaded, then named by a message."""
    media = client_upload(app, content)
    response = app.client.post(
        "/clientApi/v1.9/messages",
        data=json.dumps({"media": {"id": str(media.uuid)}}),
        content_type="application/json",
        headers=app.headers(),
    )
    assert response.status_code == 200, response.content
    media.refresh_from_db()
    assert media.message_id is not None
    return media


def test_the_export_carries_the_customers_photo_read_from_the_bucket(s3_media: Bucket, api, app, customer):
    content = png((64, 48))
    media = photo_message(app, content)

    response = api.get(f"/api/v2/customers/{customer.uuid}/export")

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    [stored] = [name for name in archive.namelist() if name.startswith("media/")]
    assert archive.read(stored) == content == s3_media.read(media.file.name)


def test_an_erasure_deletes_the_customers_files_from_the_bucket_after_the_commit(
    s3_media: Bucket, app, customer, django_capture_on_commit_callbacks
):
    media = photo_message(app, png())
    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])

    with django_capture_on_commit_callbacks(execute=False) as pending:
        customer_erase(customer=customer, actor=None)
    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])  # still there until the commit
    for callback in pending:
        callback()

    assert s3_media.keys() == []
    assert not Media.objects.exists()
    assert Message.objects.get(pk=media.message_id).text == ERASED_TEXT


def test_the_retention_policy_deletes_old_conversations_files_from_the_bucket(
    s3_media: Bucket, app, account: Account, django_capture_on_commit_callbacks
):
    media = photo_message(app, png())
    conversation = Conversation.objects.get(pk=Message.objects.get(pk=media.message_id).conversation_id)
    Conversation.objects.filter(pk=conversation.pk).update(
        status=Conversation.Status.CLOSED, closed_at=timezone.now() - timedelta(days=40)
    )
    Account.objects.filter(pk=account.pk).update(retention_days=30)

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply() == 1

    assert s3_media.keys() == []
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_an_erasure_with_the_storage_down_queues_the_files_and_the_sweep_deletes_them(
    settings, s3_media: Bucket, app, customer, django_capture_on_commit_callbacks
):
    media = photo_message(app, png())
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=customer, actor=None)  # no error: the erasure does not wait on the storage

    assert not Media.objects.exists()
    assert sorted(StoredFileDeletion.objects.values_list("name", flat=True)) == s3_media.keys()
    assert StoredFileDeletion.objects.filter(attempts=1).exists()
    use_s3(settings, bucket=s3_media.name, endpoint_url=s3_media.client.meta.endpoint_url)
    sweep_round()
    assert (s3_media.keys(), StoredFileDeletion.objects.count()) == ([], 0)
    assert Message.objects.get(pk=media.message_id).text == ERASED_TEXT


def test_an_export_with_the_storage_down_is_a_503_not_an_export_without_files(
    settings, s3_media: Bucket, api, app, customer
):
    photo_message(app, png())
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")

    response = api.get(f"/api/v2/customers/{customer.uuid}/export")

    assert (response.status_code, response.json()["error"]["code"]) == (503, "storage_unavailable")
    assert not AuditEntry.objects.filter(action="export customer").exists()


def test_a_conversation_deleted_through_the_api_takes_its_files_and_thumbnails_from_the_bucket(
    s3_media: Bucket, api, app, django_capture_on_commit_callbacks
):
    media = photo_message(app, png())
    conversation = Conversation.objects.get(pk=Message.objects.get(pk=media.message_id).conversation_id)
    assert s3_media.keys() == sorted([media.file.name, media.thumbnail.name])

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/v2/conversations/{conversation.public_id}")

    assert response.status_code == 204, response.content
    assert (s3_media.keys(), StoredFileDeletion.objects.count()) == ([], 0)


def test_the_admins_export_with_the_storage_down_says_so_and_sends_nothing(
    settings, s3_media: Bucket, app, customer, account: Account
):
    photo_message(app, png())
    use_s3(settings, bucket=s3_media.name, endpoint_url=f"http://127.0.0.1:{free_port()}")
    admin = Client()
    admin.force_login(staff("export-admin", account))

    response = admin.get(f"/admin/devices/customer/{customer.pk}/export/", follow=True)

    assert response.redirect_chain[-1][0] == f"/admin/devices/customer/{customer.pk}/change/"
    assert "The file storage could not be read: nothing was exported." in response.content.decode()
    assert not AuditEntry.objects.filter(action="export customer").exists()
