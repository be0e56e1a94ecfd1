"""`POST devices` (client API §5.1, §8) and `GET config` (§5.2, §9)."""

from __future__ import annotations

import pytest

from devices.models import Customer, Device
from tests.clientapi.helpers import (
    ANDROID_BODY,
    ANDROID_JSON,
    IOS_JSON,
    App,
    assert_error,
    db_counts,
    register,
    token_for,
)

pytestmark = pytest.mark.django_db


def test_post_devices_answers_the_subscribed_notification(client, account):
    response = App(client, "web-device-0001").post(
        "devices", {"type": 3, "version": "2.0.0", "referer": "https://shop.example/help"}, Authorization=""
    )

    assert response.status_code == 200
    assert response.json() == {
        "data": {},
        "notifications": [{"type": "success", "message": "device_successfully_subscribed"}],
        "status": "SUCCESS",
        "metadata": {
            "values": {"url": "devices"},
            "method": "post",
            "duration": response.json()["metadata"]["duration"],
        },
    }


def test_post_devices_stores_what_the_web_sdk_tells(client, account):
    body = {
        "type": 3,
        "version": "2.0.0",
        "referer": "https://shop.example/help",
        "userAdditionalInformation": {"name": "Ann", "age": 41, "nested": {"x": 1}},
        "unknownKey": True,
    }

    register(client, "web-device-0001", body=body)

    device = Device.objects.select_related("customer").get()
    assert (device.device_type, device.sdk_version, device.referrer) == (3, "2.0.0", "https://shop.example/help")
    assert device.additional_information == {"name": "Ann", "age": "41"}
    assert (device.customer.registered, device.customer.name) == (False, "Ann")


def test_post_devices_stores_what_the_android_sdk_tells(client, account):
    register(client, "3f2a9c1e-android", body=ANDROID_BODY, json_type=ANDROID_JSON)

    device = Device.objects.get()
    assert (device.device_type, device.push_token, device.push_type) == (1, "f3x-android", 6)


def test_post_devices_is_idempotent(client, account):
    app = register(client, "ios-device-0001", body={"pushToken": "c9q", "pushType": 6, "type": 2}, json_type=IOS_JSON)

    response = app.register({"pushToken": "c9q", "pushType": 6, "pushEnabled": True, "type": 2})

    assert response.status_code == 200
    assert (Customer.objects.count(), Device.objects.count()) == (1, 1)
    assert Device.objects.get().push_enabled is True


def test_a_push_token_moves_to_the_device_that_registers_it_last(client, account):
    register(client, "android-device-01", body=ANDROID_BODY)

    register(client, "android-device-02", body=ANDROID_BODY)

    assert dict(Device.objects.values_list("device_id", "push_token")) == {
        "android-device-01": "",
        "android-device-02": "f3x-android",
    }


@pytest.mark.parametrize(
    ("raw", "second_notification"),
    [
        pytest.param("{not json", None, id="invalid-json"),
        pytest.param('[{"type": 3}]', "body: expected a JSON object", id="array"),
        pytest.param('"devices"', "body: expected a JSON object", id="string"),
        pytest.param('{"pushType": 9}', 'pushType: "9" is not a valid choice.', id="unknown-push-type"),
        pytest.param('{"type": 7}', 'type: "7" is not a valid choice.', id="unknown-device-type"),
        pytest.param(
            '{"userAdditionalInformation": "Ann"}', "userAdditionalInformation: Expected an object.", id="info"
        ),
    ],
)
def test_bad_registration_body_is_validation_error_and_writes_nothing(client, account, raw, second_notification):
    before = db_counts()

    response = App(client, "web-device-0001").post("devices", raw=raw)

    body = assert_error(response, 400, "validation_error", url="devices")
    if second_notification is not None:
        assert body["notifications"][1]["message"] == second_notification
    assert db_counts() == before


def test_account_requiring_authorization_refuses_anonymous_devices(client, account):
    account.authorization_required = True
    account.save()
    before = db_counts()

    response = App(client, "web-device-0001").register()

    assert_error(response, 401, "authorization_not_valid", url="devices")
    assert db_counts() == before


def test_account_requiring_authorization_accepts_registered_devices(client, account):
    account.authorization_required = True
    account.save()

    app = register(client, "registered-dev-01", token_for("customer-42"))

    assert app.get("messages").status_code == 200
    assert list(Customer.objects.values_list("fk_id", "registered")) == [("customer-42", True)]


def test_registered_device_registering_anonymously_is_refused_and_loses_its_push_token(client, account):
    app = register(client, "android-device-01", token_for("customer-42"), body=ANDROID_BODY)
    before = db_counts()

    response = app.with_(token=None).register(ANDROID_BODY)

    body = assert_error(response, 400, "device_requires_authorization", "device_not_registered", url="devices")
    assert len(body["notifications"]) == 2
    assert db_counts() == before
    assert Device.objects.values_list("push_token", "push_type").get() == ("", None)


def test_registered_device_rebound_to_another_customer_keeps_histories_apart(client, account):
    first = register(client, "shared-tablet-01", token_for("customer-42"))
    first.send("from customer 42")

    second = register(client, "shared-tablet-01", token_for("customer-43"))

    assert second.get("messages").json()["data"] == []
    assert_error(first.get("messages"), 400, "device_not_registered")


def test_get_config_serves_the_seed_types(web, account):
    account.authorization_required = True
    account.info_text = "We answer within a day."
    account.save()

    data = web.with_(token=None).get("config").json()["data"]

    assert data["authorizationRequired"] == "1"
    assert (data["name"], data["infoText"], data["font"], data["allowImage"]) == (
        "Shop",
        "We answer within a day.",
        4,
        True,
    )
    assert (data["backgroundColor"], data["iOSStatusBarTextColor"], data["balloonStyle"]) == ("eeeeee", "0", 2)
    # The seed's 35 fields, plus what our own web widget reads (SDKs ignore unknown keys): the offline message, the
    # pre-chat form switch, the language and the business hours (#20: the sticky text, open now, the next opening).
    assert len(data) == 41
    assert (data["offlineMessage"], data["preChatForm"], data["language"]) == ("", False, "en")
    assert (data["stickyMessage"], data["online"], data["opensAt"]) == ("Closed on Sundays.", True, None)


def test_get_config_tells_the_widget_about_the_pre_chat_form_and_the_language(web, account):
    account.pre_chat_form = True
    account.chat_language = "nl"
    account.save()

    data = web.get("config").json()["data"]

    assert (data["preChatForm"], data["language"]) == (True, "nl")


def test_an_email_in_the_additional_information_is_kept_in_the_profile_not_as_the_identifier(client, account):
    body = {"type": 3, "userAdditionalInformation": {"name": "Ann", "email": "ann@example.com"}}

    register(client, "web-device-0001", body=body)

    customer = Device.objects.select_related("customer").get().customer
    assert (customer.registered, customer.name, customer.profile["email"]) == (False, "Ann", "ann@example.com")
    # Unverified, so not the unique `email` the integration API finds and refuses customers by.
    assert customer.email == ""


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_default_colours_read_at_wcag_aa(web):
    data = web.get("config").json()["data"]

    pairs = {
        "user text": (data["userTextColor"], data["userBackgroundColor"]),
        "user time": (data["userTimeColor"], data["userBackgroundColor"]),
        "user link": (data["userTextLinkColor"], data["userBackgroundColor"]),
        "agent text": (data["accountTextColor"], data["accountBackgroundColor"]),
        "agent time": (data["accountTimeColor"], data["accountBackgroundColor"]),
        "agent link": (data["accountTextLinkColor"], data["accountBackgroundColor"]),
        "info": (data["infoTextColor"], data["infoTextBackgroundColor"]),
        "date": (data["dateColor"], data["backgroundColor"]),
        "input": (data["inputFieldTextColor"], data["inputFieldBackgroundColor"]),
        "nav": (data["navTextColor"], data["navBackgroundColor"]),
    }
    assert {name: round(_contrast(*pair), 2) for name, pair in pairs.items() if _contrast(*pair) < 4.5} == {}
