"""Redis unreachable (a port where nothing listens): every client API call answers from the database, quotas fail
open with a warning, `/readyz` says the cache is degraded (`messenger_project/cache.py`)."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import caches
from django.test import override_settings

from conversations.models import Message
from messenger_project import cache as shared_cache
from tests.clientapi.helpers import agent_reply, png_bytes, register, upload_file

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"  # port 1: the connection is refused at once


@pytest.fixture
def redis_down(settings):
    """The shared cache is our Redis backend at a closed port; each test starts with the warning not yet given."""
    shared_cache.unreachable_forget()
    unreachable = {
        "BACKEND": "messenger_project.cache.RedisCache",
        "LOCATION": CLOSED_PORT,
        "OPTIONS": settings.CACHES["default"].get("OPTIONS", {})
        or {"socket_connect_timeout": 0.25, "socket_timeout": 1.0},
    }
    with override_settings(CACHES={**settings.CACHES, "default": unreachable}):
        caches["local"].clear()
        yield
    shared_cache.unreachable_forget()


@pytest.fixture
def web(client, account, redis_down):
    return register(client, "web-device-0001")


def test_the_cache_backend_misses_and_skips_quietly(redis_down):
    cache = caches["default"]

    cache.set("k", 1)

    assert cache.get("k") is None
    assert cache.get_many(["k"]) == {}
    assert cache.add("k", 1) is False
    assert cache.delete("k") is False
    assert shared_cache.counter_add("counter", 1, 60, read=("other",)) == (0, {"other": None})


def test_the_settings_give_redis_short_timeouts():
    from django.conf import settings

    options = settings.CACHES["default"].get("OPTIONS", {})
    if "socket_timeout" not in options:
        pytest.skip("local-memory cache: no REDIS_URL in this run")
    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (0.25, 1.0)


def test_config_answers(client, account, redis_down):
    app = register(client, "web-device-0001")

    response = app.get("config")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "SUCCESS"


def test_registering_a_device_answers(client, account, redis_down):
    response = register(client, "web-device-0001").register()

    assert response.status_code == 200, response.content
    assert response.json()["notifications"] == [{"type": "success", "message": "device_successfully_subscribed"}]


def test_the_first_page_and_an_empty_poll_answer_from_the_database(web):
    first = web.get("messages")
    poll = web.get("messages/after:0")

    assert (first.status_code, first.json()["data"], first.json()["paging"]) == (
        200,
        [],
        {"before": "", "after": ""},
    )
    assert (poll.status_code, poll.json()["data"], poll.json()["paging"]) == (
        200,
        [],
        {"before": "", "after": "/messages/after:0"},
    )


def test_a_post_is_stored_and_polls_and_pages_show_it(web, agent):
    sent = web.post("messages", {"message": "hello"})
    hello = int(sent.json()["data"]["messageId"])
    reply = agent_reply(web, agent, "Hi!").pk

    polled = web.get(f"messages/after:{hello}")
    again = web.get(f"messages/after:{reply}")
    page = web.get("messages")

    assert sent.status_code == 200, sent.content
    assert Message.objects.filter(pk=hello, text="hello").exists()
    assert [m["id"] for m in polled.json()["data"]] == [reply]
    assert (again.json()["data"], again.json()["paging"]["after"]) == ([], f"/messages/after:{reply}")
    assert [m["id"] for m in page.json()["data"]] == [reply, hello]
    assert page.json()["paging"] == {"before": "", "after": f"/messages/after:{reply}"}


def test_the_other_calls_answer(web, agent):
    hello = web.send("hello")
    media_id = web.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    photo = int(web.post("messages", {"media": {"id": media_id}}).json()["data"]["messageId"])
    reply = agent_reply(web, agent).pk

    detail = web.get(f"messages/{photo}")
    older = web.get(f"messages/before:{reply}")
    unseen = web.get("messages/unseen/count")
    seen = web.put("messages/status/4", {"messageIds": [reply]})
    typing = web.post("services/event/startTyping")

    assert detail.json()["data"]["id"] == photo
    assert [m["id"] for m in older.json()["data"]] == [photo, hello]
    assert unseen.json()["data"] == {"messageIds": [reply], "count": 1}
    assert seen.json()["data"] == {"messageIds": [reply]}
    assert typing.status_code == 200, typing.content


def test_the_quota_fails_open_with_one_warning(web, account, caplog):
    account.device_quota_limit = 1
    account.save(update_fields=["device_quota_limit"])
    shared_cache.unreachable_forget()

    with caplog.at_level(logging.WARNING, logger="messenger.cache"):
        answers = [web.get("messages/after:0") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a["quota-used"] for a in answers} == {"0"}
    warnings = [r for r in caplog.records if r.name == "messenger.cache"]
    assert len(warnings) == 1
    assert warnings[0].levelname == "WARNING"
    assert "cache unreachable" in warnings[0].getMessage()


def test_the_warning_comes_again_after_its_interval(redis_down, caplog, monkeypatch):
    monkeypatch.setattr(shared_cache, "WARNING_SECONDS", 0.05)
    monkeypatch.setattr(shared_cache, "RETRY_SECONDS", 0.05)

    with caplog.at_level(logging.WARNING, logger="messenger.cache"):
        caches["default"].get("a")
        caches["default"].get("b")
        time.sleep(0.06)
        caches["default"].get("c")

    assert len([r for r in caplog.records if r.name == "messenger.cache"]) == 2


def test_polls_in_an_outage_do_not_try_to_leave_state_for_the_next_polls(web, caplog):
    web.send("hello")
    caplog.clear()

    with caplog.at_level(logging.WARNING):
        polls = [web.get("messages/after:0"), web.get("messages"), web.get("messages/after:0")]

    assert [p.status_code for p in polls] == [200, 200, 200]
    assert [r.getMessage() for r in caplog.records if r.name == "conversations.poll_state"] == []


def test_an_outage_does_not_hang_a_request(web):
    started = time.monotonic()

    web.get("messages")
    web.send("hello")

    assert time.monotonic() - started < 2


def test_readyz_says_the_cache_is_degraded(client, redis_down):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": True, "cache": False}}


@pytest.fixture
def redis_hangs(settings):
    """A server that takes connections and never answers (a Redis that hangs): the socket timeouts bound the wait."""
    import socket

    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # never accepts: the kernel completes handshakes
    hanging = {
        "BACKEND": "messenger_project.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 1.0},
    }
    shared_cache.unreachable_forget()
    with override_settings(CACHES={**settings.CACHES, "default": hanging}):
        caches["local"].clear()
        yield
    silent.close()
    shared_cache.unreachable_forget()


def test_a_hanging_redis_costs_a_read_the_socket_timeout_then_reads_skip_it_a_while(redis_hangs):
    started = time.monotonic()
    first = caches["default"].get("k")
    waited = time.monotonic() - started
    started = time.monotonic()
    then = [caches["default"].get("k"), caches["default"].get_many(["k"]), shared_cache.counter_add("n", 1, 60)]

    assert first is None
    assert 0.9 < waited < 2
    assert then == [None, {}, (0, {})]
    assert time.monotonic() - started < 0.1


@pytest.fixture
def failed_just_now():
    shared_cache._failed_at[0] = time.monotonic()
    yield
    shared_cache._failed_at[0] = float("-inf")


def test_writes_that_may_undo_stale_data_still_ask_redis_after_a_failure(failed_just_now):
    """Redis back (here: the run's, reachable) within RETRY_SECONDS of a failure: a delete still reaches it."""
    cache = caches["default"]
    if not isinstance(cache, shared_cache.RedisCache):
        pytest.skip("local-memory cache: no REDIS_URL in this run")
    cache.set("stale", 1)

    cache.delete("stale")

    shared_cache._failed_at[0] = float("-inf")
    assert cache.get("stale") is None


def test_a_poll_answers_while_redis_hangs(client, account, redis_hangs):
    web = register(client, "web-device-0001")
    started = time.monotonic()

    response = web.get("messages/after:0")

    assert response.status_code == 200, response.content
    assert time.monotonic() - started < 2.5
