"""Erasure of a customer (#22): afterwards nothing of them can be read through the client API, the integration API,
the desk or the outbox, while the conversation keeps its shape and the agents' messages; one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models.signals import post_delete
from django.test import Client

from agents.models import AuditEntry, Delivery, IdempotencyRecord
from conversations.models import Conversation, Media, Message, SatisfactionRating, Thread
from conversations.services.erasure import ERASED_TEXT, customer_erase
from devices.models import Customer, Device
from tests.clientapi.helpers import assert_error as assert_client_error
from tests.clientapi.helpers import register, token_for
from tests.integration.helpers import assert_error
from tests.privacy.conftest import EMAIL, PHOTO, SECRET_TEXT, staff

pytestmark = pytest.mark.django_db

# Everything the story told about Ann: none of it may be readable after the erasure.
HERS = [
    SECRET_TEXT,
    "Elm Street",
    EMAIL,
    "Ann Lee",
    "gold-7781",
    "Prefers phone calls",
    "+31612345678",
    "ann-42",
    "ann-android-0001",
    "f3x-android",
    "passport.png",
]


def assert_none_of_hers(text: str, where: str) -> None:
    found = [value for value in HERS if value in text]
    assert not found, f"{where} still shows {found}"


def stored(story) -> list[Path]:
    return [Path(media.file.path) for media in Media.objects.filter(uploaded_by_customer=story.customer)]


@pytest.fixture
def erased(story, django_capture_on_commit_callbacks):
    """Ann's history, then Ann erased by the API (after-commit work run)."""
    files = stored(story)
    assert files and all(path.exists() for path in files)
    story.files = files
    story.counts = (Conversation.objects.count(), Thread.objects.count(), Message.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=story.customer, actor=None, by="test")
    return story


def test_the_profile_devices_and_identifiers_are_gone(erased):
    customer = Customer.objects.get(pk=erased.customer.pk)

    assert (customer.name, customer.first_name, customer.last_name, customer.email, customer.phone) == (
        "[erased]",
        "",
        "",
        "",
        "",
    )
    assert (customer.fk_id, customer.registered, customer.custom_data, customer.profile, customer.note) == (
        None,
        False,
        {},
        {},
        "",
    )
    assert not Device.objects.filter(customer=customer).exists()


def test_the_conversation_keeps_its_shape_and_the_agents_messages(erased):
    assert (Conversation.objects.count(), Thread.objects.count(), Message.objects.count()) == erased.counts
    own = Message.objects.get(pk=erased.own_text.pk)
    photo = Message.objects.get(pk=erased.own_photo.pk)
    assert (own.text, own.created_at, own.thread_id) == (
        ERASED_TEXT,
        erased.own_text.created_at,
        erased.own_text.thread_id,
    )
    assert (photo.text, photo.attachments.count()) == (ERASED_TEXT, 0)
    answer = Message.objects.get(pk=erased.answer.pk)
    assert (answer.text, answer.buttons) == (erased.answer.text, erased.answer.buttons)
    assert Message.objects.get(pk=erased.note.pk).text == erased.note.text
    assert SatisfactionRating.objects.get(customer=erased.customer).comment == ""
    assert SatisfactionRating.objects.get(customer=erased.customer).rating == 4


def test_the_media_files_are_deleted(erased):
    assert not Media.objects.filter(uploaded_by_customer=erased.customer).exists()
    assert not any(path.exists() for path in erased.files)


def test_the_client_api_refuses_the_old_device_and_a_new_registration_sees_nothing(client, erased):
    old = erased.app

    assert_client_error(old.get("messages"), 400, "device_not_registered")
    again = register(client, "ann-android-0001", token_for("ann-42"))
    timeline = again.get("messages")
    assert timeline.status_code == 200
    assert erased.own_text.pk not in [m["id"] for m in timeline.json()["data"]]
    assert_none_of_hers(timeline.content.decode(), "the client API")
    assert Customer.objects.get(fk_id="ann-42").pk != erased.customer.pk  # a new, empty customer


def test_the_integration_api_shows_nothing_of_hers(api, erased):
    conversation = erased.conversation.public_id
    reads = [
        f"/api/v2/customers/{erased.customer.number}",
        f"/api/v2/customers?email={EMAIL}",
        "/api/v2/customers?query=Ann",
        "/api/v2/customers",
        f"/api/v2/conversations/{conversation}",
        f"/api/v2/conversations/{conversation}/threads",
        f"/api/v2/conversations/{conversation}/messages",
        "/api/v2/conversations?status=all",
        f"/api/v2/conversations?status=all&query={EMAIL}",
        f"/api/v1/{api.account.app_id}/conversations/{conversation}",
        f"/api/v1/{api.account.app_id}/conversations/{conversation}/messages",
        f"/api/v2/conversations/{conversation}/export",  # no such route: a 404 body, checked all the same
    ]
    for path in reads:
        response = api.get(path)
        assert response.status_code in (200, 404), (path, response.content)
        assert_none_of_hers(response.content.decode(), path)
    messages = api.get(f"/api/v2/conversations/{conversation}/messages").content.decode()
    assert ERASED_TEXT in messages and erased.answer.text in messages
    assert api.get(f"/api/v2/customers?email={EMAIL}").json()["page"]["totalElements"] == 0
    assert_error(api.get(f"/api/v1/{api.account.app_id}/users/ann-42"), 404, "not_found")


def test_the_desk_shows_nothing_of_hers(client, account, agent, erased):
    client.force_login(agent.user)
    for path in [f"/desk/conversations/{erased.conversation.pk}/", "/desk/?status=all"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_none_of_hers(response.content.decode(), path)
    page = client.get(f"/desk/conversations/{erased.conversation.pk}/").content.decode()
    assert ERASED_TEXT in page and "Thanks, we will send it there." in page
    for query in ("Ann", EMAIL, "Elm Street", "ann-42"):
        response = client.get("/desk/", {"q": query, "status": "all"})
        found = response.content.decode().replace(query, "")  # the search box and the heading repeat the query
        assert response.status_code == 200
        assert_none_of_hers(found, f"the desk's search for {query}")
        assert f"/desk/conversations/{erased.conversation.pk}/" not in found, query
    kept = client.get("/desk/", {"q": "send it there", "status": "all"}).content.decode()
    assert f"/desk/conversations/{erased.conversation.pk}/" in kept  # the search works: the agent's words are found


def test_the_admin_shows_nothing_of_hers(client, account, erased):
    client.force_login(staff("boss", account))
    for path in [
        f"/admin/devices/customer/{erased.customer.pk}/change/",
        "/admin/devices/device/",
        "/admin/agents/auditentry/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_none_of_hers(response.content.decode(), path)
    for query in (EMAIL, "Ann", "ann-42", "+31612345678"):
        assert client.get("/admin/devices/customer/", {"q": query}).context["cl"].result_count == 0, query


def test_the_outbox_holds_nothing_of_hers(erased):
    rows = list(Delivery.objects.values("target", "payload", "status", "kind"))
    assert rows
    for row in rows:
        assert_none_of_hers(f"{row['target']} {row['payload']}", f"a {row['kind']} delivery")
    assert not Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING], payload={"erased": True}
    ).exists()
    assert Delivery.objects.filter(payload={"erased": True}, status=Delivery.Status.CANCELLED).exists()
    assert_none_of_hers(str(list(IdempotencyRecord.objects.values("body"))), "idempotency records")
    others = Delivery.objects.filter(reference=f"message:{Message.objects.get(text__startswith='the other').pk}")
    assert others.exists() and all(d.payload != {"erased": True} for d in others)  # another customer's stay


def test_the_erasure_is_audited_without_the_erased_data(erased):
    entry = AuditEntry.objects.get(action="erase customer")

    assert entry.target == f"customer {erased.customer.uuid} (test)"
    assert entry.account_id == erased.customer.account_id
    assert_none_of_hers(str(list(AuditEntry.objects.values("action", "target"))), "the audit log")


def test_a_failure_midway_leaves_everything_as_it_was(story, django_capture_on_commit_callbacks):
    files = stored(story)
    deliveries = list(Delivery.objects.order_by("pk").values_list("pk", "status", "target", "payload"))

    def refuse(sender, instance, **kwargs):
        raise RuntimeError("the device cannot go")

    post_delete.connect(refuse, sender=Device)
    try:
        with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
            customer_erase(customer=story.customer, actor=None)
    finally:
        post_delete.disconnect(refuse, sender=Device)

    customer = Customer.objects.get(pk=story.customer.pk)
    assert (customer.email, customer.fk_id, customer.name) == (EMAIL, "ann-42", "Ann Lee")
    assert Message.objects.get(pk=story.own_text.pk).text == SECRET_TEXT
    assert Device.objects.filter(customer=customer).count() == 1
    assert Media.objects.filter(uploaded_by_customer=customer).count() == 1
    assert all(path.exists() for path in files) and files[0].read_bytes() == PHOTO
    assert list(Delivery.objects.order_by("pk").values_list("pk", "status", "target", "payload")) == deliveries
    assert not AuditEntry.objects.filter(action="erase customer").exists()


def test_the_api_erases_answers_204_and_a_second_time_too(api, story):
    response = api.post(f"/api/v2/customers/{story.customer.number}/erase")

    assert (response.status_code, response.content) == (204, b"")
    assert Customer.objects.get(pk=story.customer.pk).email == ""
    assert AuditEntry.objects.get(action="erase customer").target.startswith(f"customer {story.customer.uuid} (API key")
    assert api.post(f"/api/v2/customers/{story.customer.uuid}/erase").status_code == 204


def test_the_api_refuses_unknown_and_other_tenants_customers(api, other_api, story):
    assert_error(api.post("/api/v2/customers/999999/erase"), 404, "not_found")
    assert_error(other_api.post(f"/api/v2/customers/{story.customer.number}/erase"), 404, "not_found")
    assert_error(api.get(f"/api/v2/customers/{story.customer.number}/erase"), 405, "method_not_allowed")
    assert Customer.objects.get(pk=story.customer.pk).email == EMAIL
    assert not AuditEntry.objects.filter(action="erase customer").exists()


def test_the_admin_asks_for_a_confirmation_then_erases(client, account, story):
    client.force_login(staff("boss", account))
    change = client.get(f"/admin/devices/customer/{story.customer.pk}/change/").content.decode()
    assert "Export data (ZIP)" in change and "Erase…" in change

    page = client.get(f"/admin/devices/customer/{story.customer.pk}/erase/")

    assert page.status_code == 200 and "Yes, erase this customer" in page.content.decode()
    assert Customer.objects.get(pk=story.customer.pk).email == EMAIL  # nothing yet
    response = client.post(f"/admin/devices/customer/{story.customer.pk}/erase/")
    assert response.status_code == 302
    assert Customer.objects.get(pk=story.customer.pk).email == ""
    assert AuditEntry.objects.get(action="erase customer").target == f"customer {story.customer.uuid} (admin)"


def test_the_admin_action_erases_the_selected_after_confirming(client, account, story):
    client.force_login(staff("boss", account))
    selected = {"action": "erase_selected", "_selected_action": [story.customer.pk, story.other.pk]}

    confirm = client.post("/admin/devices/customer/", selected)

    assert "Yes, erase 2 customers" in confirm.content.decode()
    assert Customer.objects.get(pk=story.customer.pk).email == EMAIL
    client.post("/admin/devices/customer/", {**selected, "confirm": "yes"})
    assert AuditEntry.objects.filter(action="erase customer").count() == 2
    assert not Device.objects.filter(customer__in=[story.customer, story.other]).exists()


def test_a_plain_member_sees_no_tools_and_cannot_erase(client: Client, account, story):
    client.force_login(staff("member", account, role="agent"))

    change = client.get(f"/admin/devices/customer/{story.customer.pk}/change/").content.decode()

    assert "Erase…" not in change
    assert client.post(f"/admin/devices/customer/{story.customer.pk}/erase/").status_code == 403
    assert Customer.objects.get(pk=story.customer.pk).email == EMAIL
