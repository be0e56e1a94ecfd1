"""Shared fixtures. Builders live in tests/factories.py; import them as `tests.factories`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from agents.delivery.queue import deliveries_sweep
from agents.models import Account, Agent
from conversations.models import Conversation
from devices.models import Customer
from messenger_project.cache import unreachable_forget
from tests.factories import make_account, make_agent, make_conversation, make_customer, make_registered_customer


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """SQLite: the test database is a file, as the embedded default's is, not one in-memory database in shared-cache
    mode, where a server thread's read or write and the test's write refuse each other at once ("table is locked")
    rather than wait. Without fsync: a test run needs no durability."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["TEST"] = {**database.get("TEST", {}), "NAME": str(tmp_path_factory.mktemp("db") / "test.sqlite3")}
        options = database.setdefault("OPTIONS", {})
        options["init_command"] = options.get("init_command", "") + "PRAGMA synchronous=OFF;"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Quotas, typing state, device touches, token checks and account lookups live in the caches (the shared one
    and each process's own)."""
    for alias in ("default", "local"):
        caches[alias].clear()
    unreachable_forget()  # a past outage would make reads skip Redis for a while
    yield
    unreachable_forget()
    for alias in ("default", "local"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def empty_poll_from_cache():
    """Empty polls are answered from the cache whatever it is (a test is one process, like runserver); the tests
    of the database path turn it off. Not with the `settings` fixture: that would be set up before `fresh_cache`
    (autouse fixtures go by name) and restore a test's CACHES only after `fresh_cache` cleared them."""
    with override_settings(EMPTY_POLL_FROM_CACHE=True):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    """Uploads of a test go to its own temporary folder, never into the repository."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Tasks run as they are queued (after commit), in the test's process: django-tasks' immediate backend.

    Deliveries due later are left for `deliveries_sweep()`, as a worker's sweep would take them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver's receivers (webhooks, push services) listen on 127.0.0.1 only, on a free port."""
    return ("127.0.0.1", 0)


@pytest.fixture
def later(time_machine):
    """`later(minutes=5)`: the clock moves on and a worker's sweep queues what has become due (run at once by the
    immediate backend). Returns how many deliveries the sweep queued."""
    time_machine.move_to(timezone.now(), tick=True)

    def move(**delta) -> int:
        time_machine.shift(timedelta(**delta))
        return deliveries_sweep()

    return move


@pytest.fixture
def private_targets(settings):
    """Webhooks may go to this machine (the self-hosting setting; the receivers listen on 127.0.0.1)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def account() -> Account:
    return make_account()


@pytest.fixture
def other_account() -> Account:
    return make_account()


@pytest.fixture
def agent(account: Account) -> Agent:
    """A person at the desk serving `account`."""
    return make_agent(account=account)


@pytest.fixture
def bot(account: Account) -> Agent:
    return make_agent(account=account, is_bot=True)


@pytest.fixture
def customer(account: Account) -> Customer:
    """An anonymous customer of `account`."""
    return make_customer(account=account)


@pytest.fixture
def registered_customer(account: Account) -> Customer:
    return make_registered_customer(account=account, fk_id="customer-42")


@pytest.fixture
def conversation(account: Account, customer: Customer) -> Conversation:
    """An empty conversation (closed, no thread) with `customer` as its only participant."""
    return make_conversation(account=account, customers=[customer])
