"""Conversation merges (spec §8.5) and how merged ids answer (§8.1, §7.3). Checklist rows 60 to 62."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Message, Thread
from tests.integration.helpers import add_closed_threads, assert_error, db_counts

pytestmark = pytest.mark.django_db


def state_of(public_id: str) -> tuple:
    conversation = Conversation.objects.get(public_id=public_id)
    return (
        conversation.merged_into_id,
        conversation.status,
        conversation.threads.count(),
        conversation.messages.count(),
        conversation.updated_at,
    )


def test_row_60_get_after_a_chain_of_merges_redirects_to_the_live_end(api, make_conversation, merge):
    for public_id in ("A", "B", "C"):
        make_conversation(public_id)
    merge("A", "B")
    merge("B", "C")

    response = api.get("/api/v2/conversations/A")

    assert response.status_code == 301
    assert response["Location"] == "/api/v2/conversations/C"
    assert response.json() == {
        "id": "A",
        "mergedInto": "C",
        "_links": {"location": {"href": "/api/v2/conversations/C"}},
    }


def test_row_60_v1_get_of_a_merged_id_redirects_to_the_v1_path(api, make_conversation, merge):
    make_conversation("A")
    make_conversation("B")
    merge("A", "B")

    response = api.get(api.v1("conversations/A"))

    assert response.status_code == 301
    assert response["Location"] == api.v1("conversations/B")


def test_row_61_merge_over_100_threads_is_refused_and_changes_nothing(api, make_conversation):
    source, target = make_conversation("A"), make_conversation("B")
    add_closed_threads(source, 50)
    add_closed_threads(target, 51)
    before = (state_of("A"), state_of("B"), db_counts())

    response = api.post("/api/v2/conversations/A/merge", {"into": "B"})

    assert_error(response, 412, "thread_limit_reached")
    assert (state_of("A"), state_of("B"), db_counts()) == before


def test_row_61_merge_up_to_100_threads_is_allowed(api, make_conversation):
    source, target = make_conversation("A"), make_conversation("B")
    add_closed_threads(source, 50)
    add_closed_threads(target, 50)

    response = api.post("/api/v2/conversations/A/merge", {"into": "B"})

    assert (response.status_code, response.json()["threadCount"]) == (200, 100)


def test_row_62_merge_then_repeat_then_write_to_the_source(api, make_conversation, say):
    make_conversation("A", participants=["alice"])
    make_conversation("B", participants=["bob"])
    [moved] = say("A", "alice")

    merged = api.post("/api/v2/conversations/A/merge", {"into": "B"})
    repeated = api.post("/api/v2/conversations/A/merge", {"into": "B"})
    patched = api.patch("/api/v2/conversations/A", {"subject": "Too late"})

    assert (merged.status_code, merged.json()["id"]) == (200, "B")
    assert (repeated.status_code, repeated.json()["id"], repeated.json()["threadCount"]) == (200, "B", 1)
    assert_error(patched, 404, "conversation_merged", details={"mergedInto": "B"})
    assert sorted(p["fkId"] for p in merged.json()["participants"]) == ["alice", "bob"]
    assert Message.objects.get(pk=moved).conversation.public_id == "B"
    assert Conversation.objects.get(public_id="A").subject == ""


def test_row_62_merge_keeps_one_open_thread_and_closes_the_sources(api, make_conversation, say):
    make_conversation("A", participants=["alice"])
    make_conversation("B", participants=["bob"])
    say("A", "alice")
    say("B", "bob")
    source_thread = Thread.objects.get(conversation__public_id="A")

    response = api.post("/api/v2/conversations/A/merge", {"into": "B"})

    assert (response.json()["threadCount"], response.json()["status"]) == (2, "active")
    source_thread.refresh_from_db()
    assert (source_thread.status, source_thread.close_reason) == ("closed", "merged")
    assert Thread.objects.filter(status="open").count() == 1


@pytest.mark.parametrize(
    ("into", "code"),
    [("nope", "unknown_conversation"), ("A", "same_conversation"), ("gone", "target_merged")],
)
def test_merge_target_must_be_another_live_conversation(api, make_conversation, merge, into, code):
    for public_id in ("A", "gone", "survivor"):
        make_conversation(public_id)
    merge("gone", "survivor")
    before = db_counts()

    response = api.post("/api/v2/conversations/A/merge", {"into": into})

    assert_error(response, 400, "validation_failed", fields=[("into", code)])
    assert db_counts() == before
    assert Conversation.objects.get(public_id="A").merged_into_id is None


def test_merging_a_merged_source_into_another_target_is_conversation_merged(api, make_conversation, merge):
    for public_id in ("A", "B", "C"):
        make_conversation(public_id)
    merge("A", "B")
    before = db_counts()

    response = api.post("/api/v2/conversations/A/merge", {"into": "C"})

    assert_error(response, 404, "conversation_merged")
    assert db_counts() == before
    assert Conversation.objects.get(public_id="A").merged_into.public_id == "B"


def test_put_v1_never_brings_a_merged_id_back(api, make_conversation, merge):
    make_conversation("A")
    make_conversation("B")
    merge("A", "B")
    before = db_counts()

    response = api.put(api.v1("conversations/A"), {"subject": "Back?"})

    assert_error(response, 404, "conversation_merged")
    assert db_counts() == before


@pytest.mark.parametrize("resource", ["threads", "messages"])
def test_v2_get_below_a_merged_conversation_is_301_not_404(api, make_conversation, merge, resource):
    make_conversation("A")
    make_conversation("B")
    merge("A", "B")

    response = api.get(f"/api/v2/conversations/A/{resource}")

    assert response.status_code == 301, response.content
    assert response["Location"].startswith("/api/v2/conversations/B")
