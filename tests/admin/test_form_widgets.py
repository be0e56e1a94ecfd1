"""No raw JSON in the operators' forms (#22): allowed origins one per line, custom fields as key/value rows, the
FCM and APNs keys pasted or uploaded (never shown back; blank leaves them), bad input a field error with nothing
saved."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agents.models import Account, PushSettings, User
from tests.admin.forms import change_form_data
from tests.factories import make_account, make_conversation, make_staff

pytestmark = pytest.mark.django_db

FCM_KEY = {
    "type": "service_account",
    "project_id": "demo-shop",
    "private_key": "-----BEGIN PRIVATE KEY-----\nFCMSECRETMATERIAL\n-----END PRIVATE KEY-----\n",
    "client_email": "push@demo-shop.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}
P8 = "-----BEGIN PRIVATE KEY-----\nAPNSSECRETMATERIAL\n-----END PRIVATE KEY-----"
RAW_JSON = re.compile(r'(<textarea[^>]*>\s*(null|\[\]|\{\})\s*</textarea>|value="(null|\[\]|\{\})")')


@pytest.fixture
def alpha() -> Account:
    return make_account(name="Alpha", allowed_origins=["https://shop.example.com", "https://www.example.com"])


@pytest.fixture
def boss(client: Client, alpha: Account) -> User:
    user = make_staff("boss", alpha)
    client.force_login(user)
    return user


def _url(account: Account) -> str:
    return f"/admin/agents/account/{account.pk}/change/"


def _post(client: Client, url: str, files: dict | None = None, **changes):
    data = change_form_data(client.get(url))
    data.update(changes)
    data.update(files or {})
    return client.post(url, data)


def _errors(response) -> dict:
    errors = dict(response.context["adminform"].form.errors)
    for inline in response.context["inline_admin_formsets"]:
        for form_errors in inline.formset.errors:
            errors.update(form_errors)
    return errors


def test_the_account_page_shows_no_raw_json(client, boss, alpha):
    PushSettings.objects.create(account=alpha)
    page = client.get(_url(alpha)).content.decode()

    assert not RAW_JSON.search(page)
    assert "https://shop.example.com\nhttps://www.example.com</textarea>" in page


def test_allowed_origins_are_saved_one_per_line(client, boss, alpha):
    response = _post(
        client,
        _url(alpha),
        allowed_origins="https://a.example.com\n\n  https://b.example.com:8443  \nhttps://a.example.com",
    )

    assert response.status_code == 302, _errors(response)
    alpha.refresh_from_db()
    assert alpha.allowed_origins == ["https://a.example.com", "https://b.example.com:8443"]


@pytest.mark.parametrize("origin", ["shop.example.com", "https://shop.example.com/path", "ftp://shop.example.com"])
def test_a_bad_origin_is_a_field_error_and_nothing_is_saved(client, boss, alpha, origin):
    response = _post(client, _url(alpha), allowed_origins=f"https://ok.example.com\n{origin}", welcome_message="x")

    assert response.status_code == 200
    assert any(origin in message for message in _errors(response)["allowed_origins"])
    alpha.refresh_from_db()
    assert alpha.allowed_origins == ["https://shop.example.com", "https://www.example.com"]
    assert alpha.welcome_message == ""


def test_the_fcm_key_pasted_is_stored_and_never_shown_back(client, boss, alpha):
    response = _post(client, _url(alpha), **{"push_settings-0-fcm_service_account": json.dumps(FCM_KEY)})

    assert response.status_code == 302, _errors(response)
    assert PushSettings.objects.get(account=alpha).fcm_service_account == FCM_KEY
    page = client.get(_url(alpha)).content.decode()
    assert "FCMSECRETMATERIAL" not in page
    assert "push@demo-shop.iam.gserviceaccount.com (project demo-shop)" in page  # which key is stored

    # Saved again with the boxes blank: the key stays.
    assert _post(client, _url(alpha), welcome_message="Hi").status_code == 302
    assert PushSettings.objects.get(account=alpha).fcm_service_account == FCM_KEY


def test_the_keys_uploaded_as_files_are_stored(client, boss, alpha):
    files = {
        "push_settings-0-fcm_service_account_file": SimpleUploadedFile("key.json", json.dumps(FCM_KEY).encode()),
        "push_settings-0-apns_private_key_file": SimpleUploadedFile("AuthKey_ABC.p8", P8.encode()),
    }
    response = _post(client, _url(alpha), files=files)

    assert response.status_code == 302, _errors(response)
    settings = PushSettings.objects.get(account=alpha)
    assert (settings.fcm_service_account, settings.apns_private_key) == (FCM_KEY, P8)
    assert "APNSSECRETMATERIAL" not in client.get(_url(alpha)).content.decode()


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("fcm_service_account", "{not json", "This is not JSON"),
        ("fcm_service_account", json.dumps({"type": "service_account"}), "it lacks project_id"),
        ("fcm_service_account", "null", "it lacks"),
        ("apns_private_key", "not a key", "BEGIN PRIVATE KEY"),
    ],
)
def test_a_bad_key_is_a_field_error_and_nothing_is_saved(client, boss, alpha, field, text, message):
    response = _post(client, _url(alpha), welcome_message="changed", **{f"push_settings-0-{field}": text})

    assert response.status_code == 200
    assert any(message in error for error in _errors(response)[field])
    alpha.refresh_from_db()
    assert alpha.welcome_message == ""
    assert not PushSettings.objects.filter(account=alpha).exists()


def test_a_stored_key_is_removed_with_its_box(client, boss, alpha):
    PushSettings.objects.create(account=alpha, fcm_service_account=FCM_KEY, apns_private_key=P8)
    response = _post(
        client,
        _url(alpha),
        **{"push_settings-0-fcm_service_account_clear": "on", "push_settings-0-apns_private_key_clear": "on"},
    )
    assert response.status_code == 302, _errors(response)
    settings = PushSettings.objects.get(account=alpha)
    assert (settings.fcm_service_account, settings.apns_private_key) == (None, "")


def test_conversation_custom_fields_are_key_value_rows(client, boss, alpha):
    conversation = make_conversation(account=alpha)
    conversation.custom = {"order": "391", "channel": "web"}
    conversation.welcome_messages = ["Hello", "We answer within a day"]
    conversation.save()
    url = f"/admin/conversations/conversation/{conversation.pk}/change/"
    page = client.get(url).content.decode()
    assert not RAW_JSON.search(page) and 'value="391"' in page and "Hello\nWe answer within a day</textarea>" in page

    data = change_form_data(client.get(url))
    data["custom-key"] = ["order", "channel", "priority", ""]
    data["custom-value"] = ["392", "", "high", "ignored: no key"]
    data["welcome_messages"] = "Hi\n\nBye"
    assert client.post(url, data).status_code == 302

    conversation.refresh_from_db()
    assert conversation.custom == {"order": "392", "channel": "", "priority": "high"}
    assert conversation.welcome_messages == ["Hi", "Bye"]


def test_a_repeated_custom_key_is_a_field_error(client, boss, alpha):
    conversation = make_conversation(account=alpha)
    url = f"/admin/conversations/conversation/{conversation.pk}/change/"
    data = change_form_data(client.get(url))
    data["custom-key"], data["custom-value"] = ["order", "order"], ["1", "2"]

    response = client.post(url, data)

    assert "is there twice" in str(response.context["adminform"].form.errors["custom"])
    conversation.refresh_from_db()
    assert conversation.custom == {}
