"""The one conversation lookup: 404 for an unknown id; for a merged one a GET is a 301 to the same sub-path of the
live end, and a write is a 404 `conversation_merged` (seed 003)."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_error, db_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged_chain(make_conversation, merge, say):
    """A → B → C, with a message in A before the merges."""
    for public_id in ("A", "B", "C"):
        make_conversation(public_id)
    say("A")
    merge("A", "B")
    merge("B", "C")


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/api/v2/conversations/A", "/api/v2/conversations/C"),
        ("/api/v2/conversations/A/threads", "/api/v2/conversations/C/threads"),
        ("/api/v2/conversations/A/messages", "/api/v2/conversations/C/messages"),
        ("/api/v2/conversations/A/messages?limit=2&before=9", "/api/v2/conversations/C/messages?limit=2&before=9"),
        ("/api/v1/app_7Hq2kL/conversations/A", "/api/v1/app_7Hq2kL/conversations/C"),
        ("/api/v1/app_7Hq2kL/conversations/A/messages", "/api/v1/app_7Hq2kL/conversations/C/messages"),
    ],
)
def test_a_get_below_a_merged_conversation_redirects_to_the_same_sub_path(api, merged_chain, path, location):
    response = api.get(path)

    assert response.status_code == 301, response.content
    assert response["Location"] == location
    assert response.json() == {"id": "A", "mergedInto": "C", "_links": {"location": {"href": location}}}


def test_the_redirect_leads_to_an_answer(api, merged_chain):
    response = api.get(api.get("/api/v2/conversations/A/threads")["Location"])

    assert response.status_code == 200, response.content
    assert len(response.json()["_embedded"]["threads"]) == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v2/conversations/A", {"status": "closed"}),
        ("post", "/api/v2/conversations/A/messages", {"text": "Hi", "senderId": 1}),
        ("post", "/api/v2/conversations/A/typing", {"state": "start"}),
        ("post", "/api/v2/conversations/A/chats", {"text": "Hi", "customer": {"email": "x@example.com"}}),
        ("post", "/api/v1/app_7Hq2kL/conversations/A/messages", [{"type": "SystemMessage", "text": "Hi"}]),
        ("put", "/api/v1/app_7Hq2kL/conversations/A", {"subject": "Back?"}),
    ],
)
def test_a_write_to_a_merged_conversation_is_404_conversation_merged(api, merged_chain, method, path, body):
    before = db_counts()

    response = getattr(api, method)(path, body)

    assert_error(response, 404, "conversation_merged", details={"mergedInto": "B"})
    assert db_counts() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v2/conversations/nope"),
        ("get", "/api/v2/conversations/nope/threads"),
        ("get", "/api/v1/app_7Hq2kL/conversations/nope/messages"),
        ("patch", "/api/v2/conversations/nope"),
        ("post", "/api/v2/conversations/nope/merge"),
    ],
)
def test_an_unknown_conversation_is_404_not_found(api, method, path):
    body = {"into": "x"} if path.endswith("merge") else {"status": "closed"}
    response = api.get(path) if method == "get" else getattr(api, method)(path, body)

    assert_error(response, 404, "not_found")
