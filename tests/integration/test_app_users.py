"""App users seen through the integration API (spec §3.8): anonymous, then registered and merged. Row 69."""

from __future__ import annotations

import pytest

from devices.models import Customer
from tests.integration.helpers import App, assert_error, db_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous(client, account) -> App:
    """An app install without identity that has written one message."""
    app = App(client=client, account=account, device_id="web-device-0001").register()
    app.send("Where is my order?")
    return app


def test_row_69_anonymous_app_user_merges_into_the_registered_one(api, anonymous):
    [guest] = Customer.objects.all()
    old_conversation = guest.current_conversation.public_id

    anonymous.as_registered("customer-42").register()

    search = api.get("/api/external/users/search", {"fkId": "customer-42"})
    assert search.status_code == 200, search.content
    assert search.json()["conversationIds"] == [old_conversation]
    assert (search.json()["registered"], search.json()["source"]) == (True, "app")
    guest.refresh_from_db()
    assert (guest.registered, guest.merged_into.fk_id) == (False, "customer-42")
    assert Customer.objects.filter(merged_into__isnull=True).count() == 1


def test_row_69_the_anonymous_record_redirects_to_the_survivor(api, anonymous):
    [guest] = Customer.objects.all()
    anonymous.as_registered("customer-42").register()
    survivor = Customer.objects.get(fk_id="customer-42")

    response = api.get(f"/api/external/users/{guest.uuid}")

    assert response.status_code == 301
    assert response["Location"] == f"/api/external/users/{survivor.uuid}"
    assert response.json()["mergedInto"] == str(survivor.uuid)


def test_row_69_anonymous_app_user_is_an_unregistered_app_customer(api, anonymous):
    [guest] = Customer.objects.all()

    response = api.get(f"/api/external/users/{guest.uuid}")

    assert response.status_code == 200, response.content
    user = response.json()
    assert (user["registered"], user["source"], user["fkId"], user["email"]) == (False, "app", None, None)
    assert (user["firstName"], user["lastName"]) == ("", "")


def test_row_69_registered_app_user_is_found_under_its_subject_in_v1(api, client, account):
    App(client=client, account=account, device_id="ios-device-00042", subject="customer-42").register()

    response = api.get(api.v1("users/customer-42"))

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["kind"]) == ("customer-42", "customer")


def test_row_69_deleting_the_merged_anonymous_record_is_404(api, anonymous):
    [guest] = Customer.objects.all()
    anonymous.as_registered("customer-42").register()
    before = db_counts()

    response = api.delete(f"/api/external/users/{guest.uuid}")

    assert_error(response, 404, "not_found")
    assert db_counts() == before
    assert Customer.objects.filter(pk=guest.pk).exists() is True
