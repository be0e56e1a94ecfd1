"""Tenant isolation (spec §1): another account's resource is 404, never 403, and nothing is written anywhere."""

from __future__ import annotations

import pytest

from conversations.models import Media
from devices.models import Customer
from tests.integration.helpers import FILE_TXT, Api, assert_error, db_counts, renumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(other_api: Api) -> dict[str, str]:
    """Account B's user `bob` (number 456, with an email), its conversation `shared-id` with a message and an
    attachment."""
    other_api.put(other_api.v1("users/bob"), {"name": "Bob", "email": ["bob@example.com"]})
    other_api.put(other_api.v1("conversations/shared-id"), {"participants": ["bob"]})
    other_api.post(
        "/api/v2/conversations/shared-id/chats",
        {"customer": {"email": "bob@example.com"}, "text": "Hi", "attachments": [FILE_TXT]},
    )
    bob = renumber(Customer.objects.get(account=other_api.account, fk_id="bob"), 456)
    return {"uuid": str(bob.uuid), "number": str(bob.number), "media": str(Media.objects.get().uuid)}


REQUESTS = [
    ("get", "/api/external/users/{uuid}", None),
    ("delete", "/api/external/users/{uuid}", None),
    ("get", "/api/external/users/search?email=bob@example.com", None),
    ("get", "/api/external/users/search?fkId=bob", None),
    ("get", "{v1}/users/bob", None),
    ("get", "{v1}/conversations/shared-id", None),
    ("get", "{v1}/conversations/shared-id/messages", None),
    ("post", "{v1}/conversations/shared-id/messages", [{"type": "SystemMessage", "text": "Hi"}]),
    ("get", "/api/v2/conversations/shared-id", None),
    ("patch", "/api/v2/conversations/shared-id", {"status": "closed"}),
    ("post", "/api/v2/conversations/shared-id/chats", {"customer": {"id": "{number}"}, "text": "Hi"}),
    ("get", "/api/v2/conversations/shared-id/threads", None),
    ("get", "/api/v2/conversations/shared-id/messages", None),
    ("post", "/api/v2/conversations/shared-id/messages", {"text": "Hi"}),
    ("post", "/api/v2/conversations/shared-id/merge", {"into": "mine"}),
    ("post", "/api/v2/conversations/shared-id/typing", {"state": "start"}),
    ("get", "/api/v2/attachments/{media}", None),
]


def formatted(value, names: dict[str, str]):
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [formatted(v, names) for v in value]
    if isinstance(value, dict):
        return {k: formatted(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS])
def test_resource_of_another_account_is_not_found(bot_api, make_conversation, theirs, method, path, body):
    make_conversation("mine")
    names = {**theirs, "v1": bot_api.v1("").rstrip("/")}
    before = db_counts()

    if method in {"get", "delete"}:
        response = getattr(bot_api, method)(formatted(path, names))
    else:
        response = getattr(bot_api, method)(formatted(path, names), formatted(body, names))

    assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_merge_into_a_conversation_of_another_account_is_unknown_conversation(api, make_conversation, theirs):
    make_conversation("mine")
    before = db_counts()

    response = api.post("/api/v2/conversations/mine/merge", {"into": "shared-id"})

    assert_error(response, 400, "validation_failed", fields=[("into", "unknown_conversation")])
    assert db_counts() == before


@pytest.mark.parametrize("key", ["number", "uuid"])
def test_chat_for_a_customer_of_another_account_is_unknown_customer(api, make_conversation, theirs, key):
    make_conversation("mine")
    before = db_counts()

    response = api.post("/api/v2/conversations/mine/chats", {"customer": {"id": theirs[key]}, "text": "Hi"})

    assert_error(response, 400, "validation_failed", fields=[("customer.id", "unknown_customer")])
    assert db_counts() == before


def test_participant_of_another_account_is_unknown_user(api, theirs):
    before = db_counts()

    response = api.put(api.v1("conversations/mine"), {"participants": ["bob"]})

    assert_error(response, 400, "validation_failed", fields=[("participants[0]", "unknown_user")])
    assert db_counts() == before


def test_same_ids_in_two_accounts_are_two_resources(api, theirs):
    response = api.put(api.v1("users/bob"), {"name": "Our Bob", "email": ["bob@example.com"]})

    assert (response.status_code, response.json()) == (200, {})
    assert Customer.objects.filter(fk_id="bob").count() == 2
    assert api.get("/api/v2/conversations").json()["_embedded"]["conversations"] == []
