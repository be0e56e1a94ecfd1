"""Push notifications (client API §7) against local stand-ins for FCM, APNs and the custom push webhooks."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs

import jwt
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from werkzeug import Response

from agents.models import Delivery, PushSettings
from conversations.services import message_post, note_add
from conversations.typing import agent_typing_set
from devices.models import Device
from tests.delivery.helpers import deliveries, ec_key, json_of, pem, requests_to, rsa_key, verified_body
from tests.factories import make_conversation, make_registered_customer, register_device

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

FCM_SEND = "/v1/projects/shop-app/messages:send"
ANDROID = {"device_type": Device.Type.ANDROID, "push_type": Device.PushType.FCM}
IOS = {"device_type": Device.Type.IOS, "push_type": Device.PushType.FCM}


@pytest.fixture
def customer(account):
    return make_registered_customer(account=account, fk_id="ann")


@pytest.fixture
def conversation(account, customer):
    return make_conversation(account=account, customers=[customer])


def device(account, customer, token: str, **attributes) -> Device:
    return register_device(account=account, as_customer=customer, push_token=token, **attributes)


def reply(conversation, agent, text: str = "Your order has shipped"):
    with transaction.atomic():  # committed: pushes leave after commit
        return message_post(conversation=conversation, author=agent, text=text)


# --- FCM HTTP v1 ------------------------------------------------------------------------------------------


@pytest.fixture
def fcm(account, httpserver, settings):
    """FCM and Google's token endpoint on 127.0.0.1; the account's service-account key points at the latter."""
    key = rsa_key()
    settings.FCM_BASE_URL = httpserver.url_for("/").rstrip("/")
    PushSettings.objects.create(
        account=account,
        fcm_service_account={
            "type": "service_account",
            "project_id": "shop-app",
            "private_key_id": uuid.uuid4().hex,  # a fresh identity: no token cached by an earlier test
            "private_key": pem(key),
            "client_email": "push@shop-app.iam.gserviceaccount.com",
            "token_uri": httpserver.url_for("/token"),
        },
    )
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "ya29.local", "expires_in": 3600, "token_type": "Bearer"}
    )
    return key


def fcm_messages(httpserver) -> list[dict]:
    return [json_of(request)["message"] for request in requests_to(httpserver, FCM_SEND)]


def test_an_agent_message_reaches_android_and_ios_shaped_for_each(
    account, customer, conversation, agent, fcm, httpserver
):
    httpserver.expect_request(FCM_SEND, method="POST").respond_with_json({"name": "projects/shop-app/messages/1"})
    device(account, customer, "android-token", **ANDROID)
    device(account, customer, "ios-token", push_enabled=False, **IOS)  # pushEnabled does not stop delivery (§7.1)

    message = reply(conversation, agent)

    [token_request] = requests_to(httpserver, "/token")
    grant = parse_qs(token_request.get_data(as_text=True))
    claims = jwt.decode(
        grant["assertion"][0], fcm.public_key(), algorithms=["RS256"], audience="https://oauth2.googleapis.com/token"
    )
    assert grant["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert (claims["iss"], claims["scope"]) == (
        "push@shop-app.iam.gserviceaccount.com",
        "https://www.googleapis.com/auth/firebase.messaging",
    )
    sends = requests_to(httpserver, FCM_SEND)
    assert {request.headers["Authorization"] for request in sends} == {"Bearer ya29.local"}
    by_token = {m["token"]: m for m in fcm_messages(httpserver)}
    parley = {"type": "message", "object": {"id": message.pk, "typeId": 2, "title": None, "body": message.text}}
    android, ios = by_token["android-token"], by_token["ios-token"]
    assert isinstance(android["data"]["parley"], str)  # a JSON string (§7.2) whose `object` is an object
    assert {**android, "data": {**android["data"], "parley": json.loads(android["data"]["parley"])}} == {
        "token": "android-token",
        "data": {"parley": parley, "message": "Your order has shipped"},
        "android": {"priority": "high"},
    }
    assert json.loads(ios["data"]["parley"]) == parley and "message" not in ios["data"]
    assert ios["apns"] == {
        "headers": {"apns-priority": "10", "apns-push-type": "alert"},
        "payload": {
            "aps": {
                "content-available": 1,
                "alert": {"title": account.name, "body": "Your order has shipped"},
                "sound": "default",
            }
        },
    }
    assert [d.status for d in deliveries()] == ["delivered", "delivered"]


def test_a_500_is_retried_and_then_succeeds(account, customer, conversation, agent, fcm, httpserver, later):
    answers = iter([Response("busy", status=500), Response("{}", content_type="application/json")])
    httpserver.expect_request(FCM_SEND).respond_with_handler(lambda request: next(answers))
    device(account, customer, "android-token", **ANDROID)

    reply(conversation, agent)
    after_failure = deliveries()[0]
    later(seconds=10)

    assert (after_failure.status, after_failure.last_status_code) == ("pending", 500)
    assert [(d.status, d.attempts) for d in deliveries()] == [("delivered", 2)]
    assert len(requests_to(httpserver, FCM_SEND)) == 2
    assert len(requests_to(httpserver, "/token")) == 1  # the access token is reused


def test_an_unregistered_token_marks_the_device_and_is_not_tried_again(
    account, customer, conversation, agent, fcm, httpserver
):
    unregistered = {
        "error": {
            "code": 404,
            "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}],
        }
    }
    httpserver.expect_request(FCM_SEND).respond_with_json(unregistered, status=404)
    phone = device(account, customer, "stale-token", **ANDROID)

    reply(conversation, agent, "first")
    reply(conversation, agent, "second")

    phone.refresh_from_db()
    assert phone.push_unregistered_at is not None and phone.has_push is False
    [delivery] = deliveries()
    assert (delivery.status, delivery.last_error) == (
        "cancelled",
        "The push service reports the token as unregistered (UNREGISTERED).",
    )
    assert len(requests_to(httpserver, FCM_SEND)) == 1
    device(account, customer, "fresh-token", device_id=phone.device_id, **ANDROID)
    phone.refresh_from_db()
    assert phone.has_push is True  # a new token from the app is tried again


def test_a_customers_own_message_is_not_pushed_back_but_others_get_it(account, customer, agent, fcm, httpserver):
    """[S2] conversations between customers (row 34): the other participant's devices get the push."""
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    other = make_registered_customer(account=account, fk_id="8029")
    device(account, customer, "ann-phone", **ANDROID)
    device(account, other, "bob-phone", **ANDROID)
    chat = make_conversation(account=account, customers=[customer, other])

    with transaction.atomic():
        message_post(conversation=chat, author=customer, text="Hi Bob")

    assert [m["token"] for m in fcm_messages(httpserver)] == ["bob-phone"]


def test_system_and_imported_messages_push_nothing(account, customer, conversation, fcm, httpserver):
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    device(account, customer, "android-token", **ANDROID)

    with transaction.atomic():
        message_post(conversation=conversation, author=None, text="System note")
        message_post(conversation=conversation, author=None, text="Old", imported=True)

    assert (fcm_messages(httpserver), Delivery.objects.count()) == ([], 0)


def test_a_private_note_pushes_nothing_and_sends_no_email(account, customer, conversation, agent, fcm, httpserver):
    """#19: an agent's note is for agents only; the reply after it is pushed as usual."""
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    device(account, customer, "android-token", **ANDROID)
    customer.email = "ann@example.com"
    customer.save(update_fields=["email"])

    with transaction.atomic():
        note_add(conversation=conversation, agent=agent, text="Refund approved by Kim")

    assert (fcm_messages(httpserver), Delivery.objects.count()) == ([], 0)
    reply(conversation, agent)
    assert len(fcm_messages(httpserver)) == 1
    assert "Refund" not in json.dumps(fcm_messages(httpserver))


def test_agent_typing_pushes_start_every_10_s_then_stop(
    account, customer, conversation, agent, fcm, httpserver, time_machine
):
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    device(account, customer, "android-token", **ANDROID)
    device(account, customer, "ios-token", **IOS)
    time_machine.move_to("2026-12-01 12:00:00+00:00", tick=False)

    agent_typing_set(conversation=conversation, agent=agent, typing=True)
    agent_typing_set(conversation=conversation, agent=agent, typing=True)  # the desk within 10 s: no new push
    time_machine.shift(10)
    agent_typing_set(conversation=conversation, agent=agent, typing=True)  # still typing: again
    agent_typing_set(conversation=conversation, agent=agent, typing=False)

    names = [json.loads(m["data"]["parley"])["object"]["name"] for m in fcm_messages(httpserver)]
    assert names == ["startTyping"] * 4 + ["stopTyping"] * 2  # two devices each time
    first = {m["token"]: m for m in fcm_messages(httpserver)[:2]}
    body = json.loads(first["android-token"]["data"]["parley"])["object"]["body"]
    assert body == {"agent": {"id": agent.pk, "name": agent.display_name, "avatar": None}}
    assert "message" not in first["android-token"]["data"]  # no visible notification for events
    assert first["ios-token"]["apns"] == {
        "headers": {"apns-priority": "5", "apns-push-type": "background"},
        "payload": {"aps": {"content-available": 1}},
    }


def test_a_reply_after_typing_sends_no_stop(account, customer, conversation, agent, fcm, httpserver):
    """The message itself hides the indicator (§7.4)."""
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    device(account, customer, "android-token", **ANDROID)

    agent_typing_set(conversation=conversation, agent=agent, typing=True)
    reply(conversation, agent)
    agent_typing_set(conversation=conversation, agent=agent, typing=False, replied=True)

    kinds = [json.loads(m["data"]["parley"])["type"] for m in fcm_messages(httpserver)]
    assert kinds == ["event", "message"]


def test_without_credentials_the_push_fails_at_once_with_the_reason(account, customer, conversation, agent):
    device(account, customer, "android-token", **ANDROID)

    reply(conversation, agent)

    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "The account has no FCM service account key (admin → push settings)."


# --- custom webhooks (push types 4 and 5) -----------------------------------------------------------------


def test_custom_webhook_push_is_signed_and_names_the_device(account, customer, conversation, agent, httpserver):
    httpserver.expect_request("/push").respond_with_data("ok")
    push = PushSettings.objects.create(account=account, webhook_url=httpserver.url_for("/push"))
    phone = device(account, customer, "integrator-token", push_type=Device.PushType.CUSTOM_WEBHOOK, device_type=1)

    message = reply(conversation, agent)

    [request] = requests_to(httpserver, "/push")
    assert verified_body(request, push.webhook_secret) == {
        "type": "message",
        "object": {"id": message.pk, "typeId": 2, "title": None, "body": "Your order has shipped"},
        "deviceId": phone.device_id,
        "pushToken": "integrator-token",
        "accountIdentification": account.identification,
    }
    assert request.headers["X-Webhook-Event"] == "push.message"


def test_custom_webhook_with_oauth_fetches_the_token_once_and_reuses_it(
    account, customer, conversation, agent, httpserver
):
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(
        {"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600}
    )
    httpserver.expect_request("/push").respond_with_data("ok")
    PushSettings.objects.create(
        account=account,
        webhook_url=httpserver.url_for("/push"),
        oauth_token_url=httpserver.url_for("/oauth/token"),
        oauth_client_id="messenger",
        oauth_client_secret="s3cret",
        oauth_scope="push",
    )
    device(account, customer, "integrator-token", push_type=Device.PushType.CUSTOM_WEBHOOK_OAUTH, device_type=2)

    reply(conversation, agent, "one")
    reply(conversation, agent, "two")

    [token_request] = requests_to(httpserver, "/oauth/token")
    assert parse_qs(token_request.get_data(as_text=True)) == {
        "grant_type": ["client_credentials"],
        "client_id": ["messenger"],
        "client_secret": ["s3cret"],
        "scope": ["push"],
    }
    pushes = requests_to(httpserver, "/push")
    assert [request.headers["Authorization"] for request in pushes] == ["Bearer token-1", "Bearer token-1"]
    assert [json_of(request)["object"]["body"] for request in pushes] == ["one", "two"]


# --- APNs (push type 2) -----------------------------------------------------------------------------------


@pytest.fixture
def apns(account, httpserver, settings):
    key = ec_key()
    settings.APNS_BASE_URL = httpserver.url_for("/").rstrip("/")
    PushSettings.objects.create(
        account=account,
        apns_team_id="TEAM123456",
        apns_key_id=uuid.uuid4().hex[:10].upper(),  # a fresh provider token per test
        apns_private_key=pem(key),
        apns_topic="com.shop.app",
    )
    return key


def test_apns_push_carries_a_provider_token_the_topic_and_the_alert(
    account, customer, conversation, agent, apns, httpserver
):
    httpserver.expect_request("/3/device/apns-token", method="POST").respond_with_data("")
    device(account, customer, "apns-token", push_type=Device.PushType.APNS, device_type=Device.Type.IOS)

    message = reply(conversation, agent)

    [request] = requests_to(httpserver, "/3/device/apns-token")
    provider_token = request.headers["authorization"].removeprefix("bearer ")
    claims = jwt.decode(provider_token, apns.public_key(), algorithms=["ES256"])
    assert claims["iss"] == "TEAM123456"
    assert jwt.get_unverified_header(provider_token)["kid"] == PushSettings.objects.get().apns_key_id
    assert (request.headers["apns-topic"], request.headers["apns-push-type"], request.headers["apns-priority"]) == (
        "com.shop.app",
        "alert",
        "10",
    )
    body = json_of(request)
    assert body["aps"]["alert"] == {"title": account.name, "body": "Your order has shipped"}
    assert json.loads(body["parley"])["object"]["id"] == message.pk


def test_apns_unregistered_marks_the_device(account, customer, conversation, agent, apns, httpserver):
    httpserver.expect_request("/3/device/apns-token").respond_with_json({"reason": "Unregistered"}, status=410)
    phone = device(account, customer, "apns-token", push_type=Device.PushType.APNS, device_type=Device.Type.IOS)

    reply(conversation, agent)

    phone.refresh_from_db()
    assert phone.push_unregistered_at is not None
    assert deliveries()[0].status == "cancelled"


def test_a_silent_staff_line_is_pushed_without_alert(account, customer, conversation, agent, fcm, httpserver):
    """typeId 5 (client API §7.4): pushed, with no alert text."""
    httpserver.expect_request(FCM_SEND).respond_with_json({})
    device(account, customer, "ios-token", **IOS)

    with transaction.atomic():
        note = message_post(conversation=conversation, author=agent, text="Internal note", silent=True)

    [message] = fcm_messages(httpserver)
    assert json.loads(message["data"]["parley"])["object"] == {
        "id": note.pk,
        "typeId": 5,
        "title": None,
        "body": "Internal note",
    }
    assert message["apns"]["payload"] == {"aps": {"content-available": 1}}


def test_push_relays_on_private_addresses_are_refused_unless_allowed(account, customer, conversation, agent, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    push = PushSettings(account=account, webhook_url="https://127.0.0.1:9/push")
    device(account, customer, "integrator-token", push_type=Device.PushType.CUSTOM_WEBHOOK, device_type=1)
    push.save()

    reply(conversation, agent)

    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "https://127.0.0.1:9/push resolves to a private, loopback or link-local address."
    with pytest.raises(ValidationError) as refused:
        push.full_clean()
    assert set(refused.value.message_dict) == {"webhook_url"}
