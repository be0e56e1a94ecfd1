"""Response headers (client API §2.5, §3.3): api-version, the per-device quota, HSTS, CORS and allowed origins."""

from __future__ import annotations

import re

import pytest

from tests.clientapi.helpers import App, api, assert_error, db_counts, register

pytestmark = pytest.mark.django_db

PREFLIGHT = {
    "Origin": "https://shop.example",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, x-iris-identification, x-shop-trace",
}


@pytest.mark.parametrize("version", ["1.6", "1.7", "1.8", "1.9"])
def test_api_version_header_is_the_path_version(web, version):
    response = web.with_(version=version).get("messages")

    assert response.status_code == 200
    assert response["api-version"] == version


def test_quota_headers_count_the_device_requests(web, account):
    responses = [web.get("messages") for _ in range(2)]

    assert [r["quota-used"] for r in responses] == ["2", "3"]  # POST devices was the first
    assert {(r["quota-limit"], r["quota-interval"], r["quota-time-unit"]) for r in responses} == {("3600", "1", "hour")}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:00:00Z", responses[0]["quota-reset-UTC"])


def test_quota_is_per_device(client, web):
    other = register(client, "web-device-0002")

    response = other.get("messages")

    assert response["quota-used"] == "2"


def test_past_the_quota_the_device_gets_429_and_nothing_is_written(client, account):
    account.device_quota_limit = 2
    account.save()
    app = register(client, "web-device-0001")
    app.send("within the quota")
    before = db_counts()

    response = app.post("messages", {"message": "over the quota"})

    assert_error(response, 429, "too_many_requests", url="messages")
    assert (response["quota-used"], response["quota-limit"]) == ("2", "2")
    assert int(response["Retry-After"]) >= 1
    assert db_counts() == before


def test_hsts_on_secure_requests_only(web, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000

    secure = web.client.get(api("messages"), headers=web.headers(), secure=True)
    plain = web.get("messages")

    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in plain


@pytest.mark.parametrize("path", [api("messages"), api("devices"), "/clientApi/v1.9//messages/before:12"])
def test_preflight_allows_the_requested_headers(client, account, path):
    response = client.options(path, headers=PREFLIGHT)

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, PUT, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == PREFLIGHT["Access-Control-Request-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert response.content == b""


def test_preflight_is_answered_for_any_origin_since_the_account_is_unknown(client, account):
    account.allowed_origins = ["https://shop.example"]
    account.save()

    response = client.options(api("messages"), headers={**PREFLIGHT, "Origin": "https://evil.example"})

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://evil.example"


def test_actual_request_carries_cors_headers_for_its_origin(web):
    response = web.get("messages", Origin="https://shop.example")

    assert response["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "quota-used" in response["Access-Control-Expose-Headers"]


def test_allowed_origin_is_served(web, account):
    account.allowed_origins = ["https://shop.example/"]
    account.save()

    response = web.post("messages", {"message": "hi"}, Origin="https://shop.example")

    assert response.status_code == 200


def test_other_origin_is_refused_on_the_actual_request_and_nothing_is_written(web, account):
    account.allowed_origins = ["https://shop.example"]
    account.save()
    before = db_counts()

    response = web.post("messages", {"message": "hi"}, Origin="https://evil.example")

    assert_error(response, 403, "origin_not_allowed", url="messages")
    assert db_counts() == before


def test_other_origin_cannot_register_a_device(client, account):
    account.allowed_origins = ["https://shop.example"]
    account.save()
    before = db_counts()

    response = App(client, "web-device-0001").post("devices", {"type": 3}, Origin="https://evil.example")

    assert_error(response, 403, "origin_not_allowed", url="devices")
    assert db_counts() == before
