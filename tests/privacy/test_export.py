"""Export of everything held about a customer (#22): one ZIP of `export.json` and the media, from the integration
API and the admin; tenant-bound, audited."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from agents.models import AuditEntry, Delivery
from conversations.customer_export import customer_export, customer_export_data
from conversations.services import participant_add
from tests.factories import make_conversation, make_customer, post
from tests.integration.helpers import assert_error
from tests.privacy.conftest import EMAIL, PHOTO, SECRET_TEXT, staff

pytestmark = pytest.mark.django_db


def unzip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("export.json")), files


def test_the_export_holds_the_profile_devices_messages_media_and_deliveries(api, story):
    response = api.get(f"/api/v2/customers/{story.customer.number}/export")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="customer-{story.customer.number}-export.zip"' in response["Content-Disposition"]
    document, media = unzip(b"".join(response.streaming_content))
    assert set(document) == {
        "format",
        "exportedAt",
        "account",
        "customer",
        "merges",
        "devices",
        "conversations",
        "uploads",
        "receipts",
        "satisfactionRatings",
        "deliveries",
    }
    profile = document["customer"]
    assert (profile["id"], profile["fkId"], profile["email"], profile["phone"]) == (
        str(story.customer.uuid),
        "ann-42",
        EMAIL,
        "+31612345678",
    )
    assert (profile["custom_data"], profile["note"]) == ({"loyalty": "gold-7781"}, "Prefers phone calls")
    [device] = document["devices"]
    assert (device["device_id"], device["push_token"]) == ("ann-android-0001", "f3x-android")
    [conversation] = document["conversations"]
    texts = [m["text"] for m in conversation["messages"]]
    assert SECRET_TEXT in texts and story.answer.text in texts
    assert story.note.text not in texts  # private notes are the company's
    assert not any(m["id"] == story.note.pk for m in conversation["messages"])
    [photo_message] = [m for m in conversation["messages"] if m["id"] == story.own_photo.pk]
    [attachment] = photo_message["attachments"]
    assert attachment["name"] == "passport.png" and attachment["file"].startswith("media/")
    assert media == {attachment["file"]: PHOTO}  # the bytes as uploaded, read through the storage
    [rating] = document["satisfactionRatings"]
    assert (rating["rating"], rating["comment"]) == (4, "Ann was happy at Elm Street")
    assert {r["message"] for r in document["receipts"]} >= {story.own_text.pk, story.answer.pk}
    kinds = {d["kind"] for d in document["deliveries"]}
    assert Delivery.Kind.WEBHOOK in kinds and Delivery.Kind.PUSH_FCM in kinds
    assert any(
        d["payload"].get("data", {}).get("message", {}).get("id") == story.own_text.pk for d in document["deliveries"]
    )


def test_other_customers_data_is_not_in_the_export(api, story):
    document, _ = unzip(b"".join(api.get(f"/api/v2/customers/{story.customer.uuid}/export").streaming_content))

    dumped = json.dumps(document)
    assert "the other customer's question" not in dumped
    assert "other-web-00001" not in dumped
    assert str(story.other.uuid) not in dumped
    assert "check her credit" not in dumped  # nor the private note, in a message or a webhook payload


def test_an_export_is_audited_with_the_key_and_without_the_data(api, story):
    api.get(f"/api/v2/customers/{story.customer.number}/export")

    entry = AuditEntry.objects.get(action="export customer")
    assert entry.account_id == api.account.pk
    assert entry.target.startswith(f"customer {story.customer.uuid} (API key ")
    assert "Ann" not in entry.target


def test_an_unknown_customer_is_a_404_in_the_apis_error_body(api, story):
    assert_error(api.get("/api/v2/customers/999999/export"), 404, "not_found")
    assert_error(api.get("/api/v2/customers/not-a-customer/export"), 404, "not_found")
    assert not AuditEntry.objects.filter(action="export customer").exists()


def test_another_tenants_key_gets_a_404(other_api, story):
    assert_error(other_api.get(f"/api/v2/customers/{story.customer.number}/export"), 404, "not_found")
    assert_error(other_api.get(f"/api/v2/customers/{story.customer.uuid}/export"), 404, "not_found")


def test_a_missing_file_is_listed_as_missing_not_a_failure(story):
    story.own_photo.attachments.get().file.delete(save=False)

    document, media = unzip(customer_export(customer=story.customer, actor=None).read())

    [photo] = [m for c in document["conversations"] for m in c["messages"] if m["id"] == story.own_photo.pk]
    assert photo["attachments"][0]["missing"] is True
    assert media == {}


def test_the_admin_exports_for_an_admin_of_the_account(client, account, story):
    boss = staff("boss", account)
    client.force_login(boss)

    response = client.get(f"/admin/devices/customer/{story.customer.pk}/export/")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    document, _ = unzip(b"".join(response.streaming_content))
    assert document["customer"]["email"] == EMAIL
    assert AuditEntry.objects.get(action="export customer").actor == boss


def test_a_staff_user_of_another_tenant_cannot_export(client, other_account, story):
    client.force_login(staff("stranger", other_account))

    response = client.get(f"/admin/devices/customer/{story.customer.pk}/export/")

    assert response.status_code == 404
    assert client.get(f"/admin/devices/customer/{story.customer.pk}/erase/").status_code == 404
    assert not AuditEntry.objects.filter(action="export customer").exists()


def test_a_shared_conversation_exports_what_the_customer_received_not_what_was_said_before(account, agent):
    bob, ann = make_customer(account=account, name="Bob"), make_customer(account=account, name="Ann")
    conversation = make_conversation(account=account, customers=[bob])
    before = post(conversation, bob, "said before Ann joined")
    participant_add(conversation=conversation, customer=ann)
    after = post(conversation, agent, "to both of you")

    document, _ = customer_export_data(customer=ann)

    [exported] = document["conversations"]
    assert [m["id"] for m in exported["messages"]] == [after.pk]
    assert before.text not in json.dumps(document)
