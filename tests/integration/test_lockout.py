"""Failed API keys (issue #16, finding 3): counted per real client address and per key prefix, so that one client's
bad keys never lock out another's valid key, and the 429's Retry-After is the time the lockout really has left."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.services import api_key_create
from conversations.integration_api.authentication import FAILED_ATTEMPTS_PER_MINUTE

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # the documented reverse proxy on the same host: every client connects from here
ATTACKER, CUSTOMER_BACKEND = "203.0.113.9", "198.51.100.7"
USERS = "/api/v2/conversations"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True


@pytest.fixture
def clock(time_machine):
    """45 s into a minute: a lockout reached now has 15 s left."""
    time_machine.move_to(datetime(2026, 12, 5, 9, 30, 45, tzinfo=UTC), tick=False)


def call(client, key: str, *, forwarded_for: str | None = None, remote: str = PROXY, secure: bool = True):
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return client.get(USERS, headers=headers, REMOTE_ADDR=remote, secure=secure)


def fail_until_locked(client, *, forwarded_for: str | None = None, key: str = "sk_live_wrongwrongwrong") -> None:
    for _ in range(FAILED_ATTEMPTS_PER_MINUTE):
        assert call(client, key, forwarded_for=forwarded_for).status_code == 401
    assert call(client, key, forwarded_for=forwarded_for).status_code == 429


def test_bad_keys_through_the_proxy_do_not_lock_out_another_clients_valid_key(client, api, behind_proxy, clock):
    fail_until_locked(client, forwarded_for=ATTACKER)

    response = call(client, api.key, forwarded_for=CUSTOMER_BACKEND)

    assert response.status_code == 200


def test_another_clients_bad_key_is_still_a_plain_401(client, api, behind_proxy, clock):
    fail_until_locked(client, forwarded_for=ATTACKER)

    response = call(client, "sk_other_notakeyatall", forwarded_for=CUSTOMER_BACKEND)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_a_valid_key_is_never_refused_for_failures_from_its_own_address(client, api, clock):
    fail_until_locked(client)  # a NAT: the same address for the attacker and the backend

    assert call(client, api.key).status_code == 200


def test_the_lockout_says_the_time_it_really_has_left(client, api, behind_proxy, clock, time_machine):
    fail_until_locked(client, forwarded_for=ATTACKER)

    response = call(client, "sk_live_wrongwrongwrong", forwarded_for=ATTACKER)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert response["Retry-After"] == "15"
    time_machine.shift(15)
    assert call(client, "sk_live_wrongwrongwrong", forwarded_for=ATTACKER).status_code == 401


def test_only_the_last_forwarded_address_counts(client, api, behind_proxy, clock):
    """Entries before the proxy's own are whatever the client wrote: rotating them does not escape the count."""
    for n in range(FAILED_ATTEMPTS_PER_MINUTE):
        call(client, "sk_live_wrongwrongwrong", forwarded_for=f"10.0.0.{n}, {ATTACKER}")

    response = call(client, "sk_live_wrongwrongwrong", forwarded_for=f"10.9.9.9, {ATTACKER}")

    assert response.status_code == 429


def test_without_the_proxy_setting_a_forwarded_header_is_ignored(client, api, clock):
    for n in range(FAILED_ATTEMPTS_PER_MINUTE):
        call(client, "sk_live_wrongwrongwrong", forwarded_for=f"10.0.0.{n}")

    response = call(client, "sk_live_wrongwrongwrong", forwarded_for="10.9.9.9")

    assert response.status_code == 429


def test_guesses_at_one_key_prefix_are_counted_across_addresses(client, account, behind_proxy, clock):
    _, plain = api_key_create(account=account, name="backend")
    prefix = plain[:12]
    for n in range(FAILED_ATTEMPTS_PER_MINUTE):
        call(client, f"{prefix}guess{n}", forwarded_for=f"192.0.2.{n}")

    guess = call(client, f"{prefix}guessmore", forwarded_for="192.0.2.200")
    valid = call(client, plain, forwarded_for="192.0.2.201")

    assert guess.status_code == 429
    assert valid.status_code == 200


def test_plain_http_through_a_proxy_on_this_host_is_not_taken_for_a_loopback_client(client, api, behind_proxy):
    """The proxy connects from 127.0.0.1; the client it serves is elsewhere, and its plain HTTP is refused."""
    response = call(client, api.key, forwarded_for=CUSTOMER_BACKEND, secure=False)
    local = call(client, api.key, forwarded_for="127.0.0.1", secure=False)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "https_required"
    assert local.status_code == 200
