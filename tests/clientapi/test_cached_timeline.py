"""The empty poll and the latest page answered from the cache (conversations/api/cached_timeline.py): the
database's answer, without it.

These tests run against the cache of the run: local memory locally, Redis (the Lua scripts) in CI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from conversations import poll_state
from conversations.services import conversation_assign, conversation_merge, message_post
from conversations.services.customers import customer_merge
from conversations.typing import agent_typing_set
from devices.models import Device
from devices.services import customer_get_or_create_registered
from tests.clientapi.helpers import App, agent_reply, assert_error, customer_of, register, token_for
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db

VOLATILE_HEADERS = {"quota-used", "quota-reset-UTC", "X-Request-Id", "Content-Length"}  # duration: its digits


def without_duration(response) -> dict:
    body = response.json()
    del body["metadata"]["duration"]
    return body


def stable_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in VOLATILE_HEADERS}


@dataclass
class Polling:
    app: App
    last: int  # the newest message id the app has
    first: Any  # the first poll's answer, from the database

    def poll(self, app: App | None = None, **headers: str):
        return (app or self.app).get(f"messages/after:{self.last}", **headers)


@pytest.fixture
def polling(web, agent) -> Polling:
    """A web install in a conversation assigned to an agent, after one poll through the database."""
    last = web.send("hello")
    conversation_assign(conversation=customer_of(web).current_conversation, assignee=agent)
    first = web.get(f"messages/after:{last}")
    assert first.status_code == 200 and first.json()["data"] == []
    return Polling(app=web, last=last, first=first)


def test_an_empty_poll_from_the_cache_is_the_database_answer_without_a_query(polling, django_assert_num_queries):
    with django_assert_num_queries(0):
        cached = polling.poll()

    assert without_duration(cached) == without_duration(polling.first)
    assert stable_headers(cached) == stable_headers(polling.first)
    assert cached.json()["agent"]["name"] == "Sanne"
    assert cached.json()["paging"] == {"before": "", "after": f"/messages/after:{polling.last}"}


def test_the_cache_path_shows_the_assignee_typing(polling, agent, django_assert_num_queries):
    agent_typing_set(conversation=customer_of(polling.app).current_conversation, agent=agent, typing=True)

    with django_assert_num_queries(0):
        cached = polling.poll()

    assert isinstance(cached.json()["agent"]["isTyping"], int)


def test_someone_other_than_the_assignee_typing_is_looked_up_in_the_database(polling, account):
    colleague = make_agent(account=account)
    agent_typing_set(conversation=customer_of(polling.app).current_conversation, agent=colleague, typing=True)

    response = polling.poll()

    assert response.json()["agent"]["id"] == colleague.pk
    assert isinstance(response.json()["agent"]["isTyping"], int)


def test_a_new_message_is_seen_by_the_next_poll(polling, agent):
    reply = agent_reply(polling.app, agent, "We are on it")

    response = polling.poll()

    assert [m["id"] for m in response.json()["data"]] == [reply.pk]


def test_the_newest_id_is_raised_before_the_message_commits(polling, agent):
    """The order that makes a lost message impossible: a poll that reads the key after the commit sees it raised."""
    customer = customer_of(polling.app)
    with transaction.atomic():
        message = message_post(conversation=customer.current_conversation, author=agent, text="in flight")
        assert caches["default"].get(poll_state.newest_key(customer.pk)) == message.pk


def test_a_rolled_back_post_leaves_polls_to_the_database_which_answers_empty(polling, agent):
    customer = customer_of(polling.app)
    with pytest.raises(RuntimeError), transaction.atomic():
        message_post(conversation=customer.current_conversation, author=agent, text="never")
        raise RuntimeError("rolled back")

    response = polling.poll()

    assert response.status_code == 200 and response.json()["data"] == []


def test_the_quota_counts_each_poll_once_whichever_path_answers(polling):
    cached = polling.poll()
    agent_typing_set(
        conversation=customer_of(polling.app).current_conversation,
        agent=make_agent(account=customer_of(polling.app).account),
        typing=True,
    )
    from_database = polling.poll()  # falls back: someone else types

    used = [int(r["quota-used"]) for r in (polling.first, cached, from_database)]
    assert used[1] == used[0] + 1 and used[2] == used[1] + 1


def test_the_quota_is_enforced_on_the_cache_path(polling, account):
    account.device_quota_limit = int(polling.first["quota-used"]) + 2
    account.save()
    answers = [polling.poll() for _ in range(4)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_error(answers[-1], 429, "too_many_requests")
    assert answers[-1]["Retry-After"]


def test_a_deleted_device_is_refused_at_once(polling):
    Device.objects.filter(device_id=polling.app.device_id).get().delete()

    assert_error(polling.poll(), 400, "device_not_registered")


def test_an_origin_the_account_does_not_allow_is_refused(polling, account):
    account.allowed_origins = ["https://shop.example"]
    account.save()

    assert polling.poll(Origin="https://shop.example").status_code == 200
    assert_error(polling.poll(Origin="https://evil.example"), 403, "origin_not_allowed")


def test_a_registered_customer_needs_the_token_on_the_cache_path_too(client, account, django_assert_num_queries):
    app = register(client, "ios-device-0001", token=token_for("customer-7"))
    last = app.send("hi")
    assert app.get(f"messages/after:{last}").status_code == 200

    with django_assert_num_queries(0):
        assert app.get(f"messages/after:{last}").json()["data"] == []
    assert_error(
        app.with_(token=None).get(f"messages/after:{last}"),
        400,
        "device_requires_authorization",
    )
    assert_error(app.with_(token=token_for("customer-8")).get(f"messages/after:{last}"), 400, "device_not_registered")


def test_devices_moved_by_a_merge_poll_their_new_customer(polling, agent, account):
    registered = customer_get_or_create_registered(account=account, fk_id="customer-9")
    customer_merge(source=customer_of(polling.app), target=registered)
    app = polling.app.with_(token=token_for("customer-9"))
    reply = agent_reply(app, agent, "welcome back")

    response = polling.poll(app)

    assert [m["id"] for m in response.json()["data"]] == [reply.pk]


def test_a_merge_raises_the_newest_id_of_the_customer_taking_the_history(polling, account):
    registered = customer_get_or_create_registered(account=account, fk_id="customer-10")
    caches["default"].set(poll_state.newest_key(registered.pk), 0)

    customer_merge(source=customer_of(polling.app), target=registered)

    assert caches["default"].get(poll_state.newest_key(registered.pk)) == polling.last


def test_an_unreadable_snapshot_is_a_miss(polling):
    customer = customer_of(polling.app)
    key = poll_state.snapshot_key(account_id=customer.account_id, device_id=polling.app.device_id)
    caches["default"].set(key, b"not json")

    response = polling.poll()

    assert without_duration(response) == without_duration(polling.first)


def test_with_the_setting_off_every_poll_reads_the_database(polling, settings):
    settings.EMPTY_POLL_FROM_CACHE = False
    with CaptureQueriesContext(connection) as captured:
        response = polling.poll()

    assert response.json()["data"] == [] and len(captured) >= 1


def test_a_cursor_above_every_message_is_answered_empty(polling, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = polling.app.get("messages/after:99999999999")

    assert response.json()["data"] == []
    assert response.json()["paging"]["after"] == "/messages/after:99999999999"


# --- the latest page (`GET messages`) -------------------------------------------------------------------------


@pytest.fixture
def reading(web, agent) -> App:
    """A web install with a conversation of a few messages, whose latest page was read (and marked received)."""
    web.send("hello")
    agent_reply(web, agent, "hi, how can I help?")
    web.send("my order")
    assert web.get("messages").status_code == 200  # leaves the snapshot
    assert web.get("messages").status_code == 200  # stores the page
    return web


def latest(app: App, expect_queries: bool | None = None):
    with CaptureQueriesContext(connection) as captured:
        response = app.get("messages")
    assert response.status_code == 200, response.content
    if expect_queries is not None:
        assert bool(len(captured)) == expect_queries, [q["sql"] for q in captured]
    return response


def test_the_latest_page_from_the_cache_is_the_database_answer_without_a_query(reading, settings):
    cached = latest(reading, expect_queries=False)  # stored by the fixture's reads

    settings.EMPTY_POLL_FROM_CACHE = False
    from_database = latest(reading, expect_queries=True)

    assert without_duration(cached) == without_duration(from_database)
    assert stable_headers(cached) == stable_headers(from_database)
    assert [m["message"] for m in cached.json()["data"]] == ["my order", "hi, how can I help?", "hello"]


def test_a_new_message_reaches_the_latest_page_at_once(reading, agent):
    latest(reading)
    reply = agent_reply(reading, agent, "it ships today")

    response = latest(reading, expect_queries=True)

    assert response.json()["data"][0]["id"] == reply.pk
    assert response.json()["paging"]["after"] == f"/messages/after:{reply.pk}"


def test_a_status_the_app_sets_shows_on_the_next_read(reading, django_capture_on_commit_callbacks):
    latest(reading)
    agent_message = latest(reading, expect_queries=False).json()["data"][1]
    assert agent_message["status"] == 3  # received when first read

    with django_capture_on_commit_callbacks(execute=True):
        assert reading.put("messages/status/4", {"messageIds": [agent_message["id"]]}).status_code == 200

    assert latest(reading, expect_queries=True).json()["data"][1]["status"] == 4


def test_a_message_first_read_shows_as_received_in_the_cached_page(web, agent, django_capture_on_commit_callbacks):
    web.send("hello")
    with django_capture_on_commit_callbacks(execute=True):
        first = latest(web)  # stores the snapshot and the newest id
        agent_reply(web, agent, "news")
        marking = latest(web)  # marks the agent's message received: the page stored under it is stale at once
    after = [latest(web) for _ in range(2)]

    assert marking.json()["data"][0]["status"] == 3
    assert [r.json()["data"][0]["status"] for r in after] == [3, 3]
    assert first.json()["data"][0]["message"] == "hello"


def test_messages_merged_in_from_another_conversation_show_in_the_cached_page(
    reading, account, agent, django_capture_on_commit_callbacks
):
    latest(reading)
    customer = customer_of(reading)
    other = make_conversation(account=account, customers=[make_customer(account=account)])
    older = post(other, agent, "from another customer's conversation")
    newer = post(customer.current_conversation, agent, "afterwards")
    latest(reading)
    latest(reading, expect_queries=False)

    with django_capture_on_commit_callbacks(execute=True):
        conversation_merge(source=other, target=customer.current_conversation)

    ids = [m["id"] for m in latest(reading, expect_queries=True).json()["data"]]
    assert older.pk in ids and newer.pk in ids


def test_a_page_is_not_kept_when_the_cache_knows_a_newer_message_than_the_database(reading):
    """A post rolled back (or not yet committed) leaves the newest id above the page: nothing is stored under it."""
    customer = customer_of(reading)
    caches["default"].set(poll_state.newest_key(customer.pk), 10**9, poll_state.NEWEST_SECONDS)

    latest(reading, expect_queries=True)
    latest(reading, expect_queries=True)


def test_each_api_version_has_its_own_cached_page(reading):
    latest(reading)
    assert "status" in latest(reading, expect_queries=False).json()["data"][0]

    older_sdk = reading.with_(version="1.8")
    latest(older_sdk, expect_queries=True)

    assert "status" not in latest(older_sdk, expect_queries=False).json()["data"][0]


def test_a_full_page_keeps_its_paging_from_the_cache(web, agent):
    web.send("first")
    conversation = customer_of(web).current_conversation
    for n in range(55):
        post(conversation, agent, f"reply {n}")
    latest(web, expect_queries=True)  # leaves the snapshot
    from_database = latest(web, expect_queries=True)  # stores the page

    cached = latest(web, expect_queries=False)

    assert without_duration(cached) == without_duration(from_database)
    assert cached.json()["paging"]["before"].startswith("/messages/before:")
    assert len(cached.json()["data"]) == 50


# --- what the review of the cache path asked for --------------------------------------------------------------


def test_a_stranger_without_the_token_does_not_use_up_a_registered_devices_quota(client, account):
    app = register(client, "ios-device-0002", token=token_for("customer-11"))
    last = app.send("hi")
    before = int(app.get(f"messages/after:{last}")["quota-used"])  # the snapshot is cached now

    for _ in range(3):
        assert app.with_(token=None).get(f"messages/after:{last}").status_code == 400

    assert int(app.get(f"messages/after:{last}")["quota-used"]) == before + 1


def test_a_cursor_beyond_any_id_is_echoed_as_the_view_echoes_it(polling, settings):
    huge = "99999999999999999999999"
    cached = polling.app.get(f"messages/after:{huge}")
    settings.EMPTY_POLL_FROM_CACHE = False

    from_database = polling.app.get(f"messages/after:{huge}")

    assert (
        cached.json()["paging"] == from_database.json()["paging"] == {"before": "", "after": f"/messages/after:{huge}"}
    )


def test_a_cache_path_that_fails_leaves_the_answer_to_the_view(polling, agent):
    """A snapshot the code cannot use (here: an assignee without an id while they type) is not a 500."""
    customer = customer_of(polling.app)
    device = Device.objects.get(device_id=polling.app.device_id)
    snapshot = poll_state.PollSnapshot(
        device_pk=device.pk,
        customer_id=customer.pk,
        registered=False,
        fk_id="",
        conversation_id=customer.current_conversation_id,
        assignee={"name": "no id"},
        device_type=device.device_type,
    )
    poll_state.snapshot_store(account_id=customer.account_id, device_id=polling.app.device_id, snapshot=snapshot)
    agent_typing_set(conversation=customer.current_conversation, agent=agent, typing=True)

    response = polling.poll()

    assert response.status_code == 200
    assert response.json()["agent"]["id"] == agent.pk


def test_the_cache_path_is_off_with_a_cache_that_cannot_raise_atomically(settings, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }

    assert not poll_state.enabled()


def test_newest_ids_are_raised_each_to_its_own_and_never_lowered():
    """A conversation merge gives each reader a different newest id: all raised in one call, none lowered."""
    poll_state.newest_ids_raise({1: 10, 2: 20})
    poll_state.newest_ids_raise({1: 5, 2: 30, 3: 7})

    newest = caches["default"].get_many([poll_state.newest_key(c) for c in (1, 2, 3)])
    assert [int(newest[poll_state.newest_key(c)]) for c in (1, 2, 3)] == [10, 30, 7]
