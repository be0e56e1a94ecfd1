"""Who is calling (client API §2.1 to §2.3): x-iris-identification, the device, and the Authorization token."""

from __future__ import annotations

import pytest

from devices.models import Customer, Device
from tests.clientapi.helpers import ACCOUNT_IDENTIFICATION, App, api, assert_error, db_counts, register, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"x-iris-identification": ""}, id="empty"),
        pytest.param({"x-iris-identification": f"{ACCOUNT_IDENTIFICATION}web-device-0001"}, id="no-colon"),
        pytest.param({"x-iris-identification": ":web-device-0001"}, id="no-account"),
        pytest.param({"x-iris-identification": "00000000000000000000:web-device-0001"}, id="unknown-account"),
    ],
)
@pytest.mark.parametrize("path", ["devices", "messages"])
def test_bad_identification_is_api_key_not_valid(client, web, headers, path):
    before = db_counts()

    response = client.post(api(path), data='{"message": "hi"}', content_type="text/plain", headers=headers)

    assert_error(response, 401, "api_key_not_valid", url=path)
    assert db_counts() == before


@pytest.mark.parametrize("device_id", ["short-id9", "x" * 256], ids=["9-characters", "256-characters"])
@pytest.mark.parametrize("path", ["devices", "messages"])
def test_device_id_out_of_bounds_is_invalid_device_identification(client, account, device_id, path):
    app = App(client, device_id)
    before = db_counts()

    response = app.post(path, {"message": "hi"})

    assert_error(response, 400, "invalid_device_identification")
    assert db_counts() == before


@pytest.mark.parametrize("device_id", ["exactly-10", "x" * 255], ids=["10-characters", "255-characters"])
def test_device_id_at_the_bounds_registers(client, account, device_id):
    response = App(client, device_id).register()

    assert response.status_code == 200
    assert list(Device.objects.values_list("device_id", flat=True)) == [device_id]


def test_header_splits_at_the_first_colon_and_keeps_colons_in_the_device_id(client, account):
    app = register(client, "urn:device:42:AbC")

    response = app.get("messages")

    assert response.status_code == 200
    assert list(Device.objects.values_list("device_id", flat=True)) == ["urn:device:42:AbC"]


def test_device_ids_are_case_sensitive(client, web):
    before = db_counts()

    response = web.with_(device_id="WEB-DEVICE-0001").get("messages")

    assert_error(response, 400, "device_not_registered")
    assert db_counts() == before


def test_x_parley_identification_is_an_alias(client, web):
    response = client.get(
        api("messages"), headers={"x-parley-identification": f"{ACCOUNT_IDENTIFICATION}:{web.device_id}"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["messages", "config", "messages/unseen/count", "messages/after:0"])
def test_request_before_post_devices_is_device_not_registered(client, account, path):
    app = App(client, "never-registered-1")
    before = db_counts()

    response = app.get(path)

    assert_error(response, 400, "device_not_registered", url=path)
    assert db_counts() == before


def test_device_of_another_account_is_not_registered_there(client, web, other_account):
    before = db_counts()

    response = web.with_(identification=other_account.identification).post("messages", {"message": "hi"})

    assert_error(response, 400, "device_not_registered")
    assert db_counts() == before


@pytest.mark.parametrize(
    ("token", "code"),
    [
        pytest.param(token_for("customer-42", valid_until=1_000_000_000), "authorization_expired", id="expired"),
        pytest.param(
            token_for("customer-42", shared_secret="another-shared-secret"),
            "authorization_not_valid",
            id="other-secret",
        ),
        pytest.param("%%%not-base64%%%", "authorization_not_valid", id="malformed-base64"),
    ],
)
@pytest.mark.parametrize("path", ["devices", "messages"])
def test_bad_token_is_refused_with_401_and_nothing_is_written(client, account, token, code, path):
    registered = register(client, "registered-dev-01", token_for("customer-42"))
    registered.send("hello")
    before = db_counts()

    response = registered.with_(token=token).post(path, {"message": "second"})

    assert_error(response, 401, code, url=path)
    assert db_counts() == before


def test_empty_or_blank_authorization_is_anonymous(client, account):
    app = register(client, "web-device-0001", token="")

    response = app.with_(token="   ").get("messages")

    assert response.status_code == 200
    assert list(Customer.objects.values_list("registered", flat=True)) == [False]


def test_bearer_prefix_is_accepted(client, account):
    token = token_for("customer-42")
    register(client, "registered-dev-01", f"Bearer {token}")

    response = App(client, "registered-dev-01", token=token).get("messages")

    assert response.status_code == 200
    assert list(Customer.objects.values_list("fk_id", "registered")) == [("customer-42", True)]


def test_token_of_another_customer_on_a_registered_device_is_device_not_registered(client, account):
    app = register(client, "registered-dev-01", token_for("customer-42"))
    before = db_counts()

    response = app.with_(token=token_for("customer-43")).post("messages", {"message": "hi"})

    assert_error(response, 400, "device_not_registered")
    assert db_counts() == before


def test_token_on_an_anonymous_device_is_device_not_registered_until_it_registers(client, web):
    before = db_counts()

    response = web.with_(token=token_for("customer-42")).post("messages", {"message": "hi"})

    assert_error(response, 400, "device_not_registered")
    assert db_counts() == before


def test_registered_device_without_authorization_requires_authorization(client, account):
    app = register(client, "registered-dev-01", token_for("customer-42"))
    before = db_counts()

    response = app.with_(token=None).post("messages", {"message": "hi"})

    body = assert_error(response, 400)
    assert body["notifications"] == [
        {"type": "error", "message": "device_requires_authorization"},
        {"type": "error", "message": "device_not_registered"},
    ]
    assert db_counts() == before
