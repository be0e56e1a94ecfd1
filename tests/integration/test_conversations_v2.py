"""Conversations beyond the seeds (spec §8.1, §8.3): fetch, list, PATCH status and assignee. Rows 63 to 65."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from agents.services import agent_create
from conversations.models import Conversation, Thread
from tests.integration.helpers import add_closed_threads, assert_error, db_counts

pytestmark = pytest.mark.django_db

CONVERSATION_FIELDS = {
    "id",
    "number",
    "mailboxId",
    "userUpdatedAt",
    "subject",
    "status",
    "snooze",
    "visible",
    "createdAt",
    "updatedAt",
    "lastActivityAt",
    "closedAt",
    "threadCount",
    "openThreadId",
    "mergedInto",
    "primaryCustomer",
    "participants",
    "assignee",
    "custom",
    "tags",
    "satisfaction",
    "_links",
}


def ids_of(page: dict) -> list[str]:
    return [c["id"] for c in page["_embedded"]["conversations"]]


def parsed(href: str) -> tuple[str, dict[str, list[str]]]:
    url = urlsplit(href)
    return url.path, parse_qs(url.query)


def test_get_conversation_has_the_v2_representation(api, make_user, make_conversation, say):
    alice = make_user("alice")
    make_conversation("order_391_fc", participants=["alice"], subject="What a lovely day!")
    say("order_391_fc")

    response = api.get("/api/v2/conversations/order_391_fc")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == CONVERSATION_FIELDS
    assert (body["id"], body["status"], body["visible"], body["threadCount"], body["mergedInto"]) == (
        "order_391_fc",
        "active",
        True,
        1,
        None,
    )
    assert body["primaryCustomer"] == {
        "id": str(alice.uuid),
        "number": alice.number,
        "email": "alice@example.com",
        "first": "Alice",
        "last": None,
    }
    assert body["participants"] == [
        {"userId": str(alice.uuid), "fkId": "alice", "kind": "customer", "access": "ReadWrite", "notify": True}
    ]
    assert body["_links"] == {
        "self": {"href": "/api/v2/conversations/order_391_fc"},
        "threads": {"href": "/api/v2/conversations/order_391_fc/threads"},
        "messages": {"href": "/api/v2/conversations/order_391_fc/messages"},
    }


def test_row_63_patch_closed_then_active_closes_and_reopens_a_session(api, make_conversation, say):
    make_conversation("c1")
    say("c1")
    [first_thread] = Thread.objects.all()

    closed = api.patch("/api/v2/conversations/c1", {"status": "closed"})
    reopened = api.patch("/api/v2/conversations/c1", {"status": "active"})

    assert (closed.status_code, reopened.status_code) == (200, 200)
    assert (closed.json()["status"], closed.json()["openThreadId"]) == ("closed", None)
    threads = api.get("/api/v2/conversations/c1/sessions").json()["_embedded"]["threads"]
    assert [(t["id"], t["status"], t["closeReason"]) for t in threads][0] == (first_thread.pk, "closed", "agent")
    assert (threads[1]["type"], threads[1]["status"], threads[1]["source"]) == ("session", "open", "api")
    assert (reopened.json()["status"], reopened.json()["openThreadId"], reopened.json()["threadCount"]) == (
        "active",
        threads[1]["id"],
        2,
    )


def test_row_63_setting_the_current_status_is_a_no_op(api, make_conversation, say):
    make_conversation("c1")
    say("c1")
    before = db_counts()

    response = api.patch("/api/v2/conversations/c1", {"status": "active"})

    assert (response.status_code, response.json()["status"]) == (200, "active")
    assert db_counts() == before


def test_row_63_spam_closes_the_open_thread_with_reason_spam(api, make_conversation, say):
    make_conversation("c1")
    say("c1")

    response = api.patch("/api/v2/conversations/c1", {"status": "spam"})

    assert (response.status_code, response.json()["status"], response.json()["openThreadId"]) == (200, "spam", None)
    assert Thread.objects.get().close_reason == "spam"


@pytest.mark.parametrize("identifier", ["id", "number"])
def test_row_64_assignee_that_is_a_customer_is_not_staff(api, make_user, make_conversation, identifier):
    alice = make_user("alice")
    make_conversation("c1")
    before = Conversation.objects.values_list("assignee_id", "updated_at").get()

    response = api.patch(
        "/api/v2/conversations/c1", {"assigneeId": str(alice.uuid) if identifier == "id" else alice.number}
    )

    assert_error(response, 400, "validation_failed", fields=[("assigneeId", "not_staff")])
    assert Conversation.objects.values_list("assignee_id", "updated_at").get() == before


def test_row_64_agent_of_another_account_is_not_staff(api, other_account, make_conversation):
    outsider = agent_create(username="outsider", display_name="Outsider", accounts={other_account: "agent"})
    make_conversation("c1")

    response = api.patch("/api/v2/conversations/c1", {"assigneeId": outsider.pk})

    assert_error(response, 400, "validation_failed", fields=[("assigneeId", "not_staff")])
    assert Conversation.objects.get().assignee_id is None


def test_row_64_assign_a_bot_then_hand_over_to_a_human(api, make_conversation, bot, agent):
    make_conversation("c1")

    to_bot = api.patch("/api/v2/conversations/c1", {"assigneeId": bot.pk})
    to_human = api.patch("/api/v2/conversations/c1", {"assigneeId": agent.pk})
    unassigned = api.patch("/api/v2/conversations/c1", {"assigneeId": None})

    assert to_bot.json()["assignee"] == {"id": bot.pk, "name": "Pens bot", "isBot": True}
    assert to_human.json()["assignee"] == {"id": agent.pk, "name": "Sanne", "isBot": False}
    assert unassigned.json()["assignee"] is None


def test_patch_without_fields_is_refused(api, make_conversation):
    make_conversation("c1")
    before = db_counts()

    response = api.patch("/api/v2/conversations/c1", {})

    assert_error(response, 400, "validation_failed")
    assert db_counts() == before


def test_row_65_page_size_over_100_is_400(api, make_conversation):
    make_conversation("c1")

    response = api.get("/api/v2/conversations", {"size": "500"})

    assert_error(response, 400, "validation_failed", fields=[("query.size", "out_of_range")])


def test_row_65_page_past_the_end_is_an_empty_page(api, make_conversation):
    make_conversation("c1")

    response = api.get("/api/v2/conversations", {"page": "99"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["_embedded"]["conversations"] == []
    assert body["page"] == {"size": 25, "totalElements": 1, "totalPages": 1, "number": 99}


def test_row_65_pages_and_links_keep_the_query(api, make_conversation):
    for n in range(5):
        make_conversation(f"c{n}")

    response = api.get(
        "/api/v2/conversations", {"size": "2", "page": "2", "sortField": "createdAt", "sortOrder": "asc"}
    )

    body = response.json()
    assert ids_of(body) == ["c2", "c3"]
    assert body["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "number": 2}
    query = {"size": ["2"], "sortField": ["createdAt"], "sortOrder": ["asc"]}
    assert {name: parsed(link["href"]) for name, link in body["_links"].items()} == {
        "self": ("/api/v2/conversations", {**query, "page": ["2"]}),
        "first": ("/api/v2/conversations", {**query, "page": ["1"]}),
        "prev": ("/api/v2/conversations", {**query, "page": ["1"]}),
        "previous": ("/api/v2/conversations", {**query, "page": ["1"]}),
        "next": ("/api/v2/conversations", {**query, "page": ["3"]}),
        "last": ("/api/v2/conversations", {**query, "page": ["3"]}),
    }


def test_list_filters_by_status_and_leaves_spam_and_merged_out(api, make_conversation, say, merge):
    for public_id in ("active", "closed", "spam", "merged", "target"):
        make_conversation(public_id)
    say("active")
    say("spam")
    api.patch("/api/v2/conversations/spam", {"status": "spam"})
    merge("merged", "target")

    everything = ids_of(api.get("/api/v2/conversations", {"sortField": "createdAt", "sortOrder": "asc"}).json())
    open_only = ids_of(api.get("/api/v2/conversations", {"status": "open"}).json())
    spam = ids_of(api.get("/api/v2/conversations", {"status": "spam"}).json())

    assert everything == ["active", "closed", "target"]
    assert open_only == ["active"]
    assert spam == ["spam"]


def test_list_with_an_unknown_parameter_is_400(api):
    response = api.get("/api/v2/conversations", {"colour": "red"})

    assert_error(response, 400, "validation_failed", fields=[("query.colour", "unknown_field")])


def test_list_filters_by_customer_and_assignee(api, make_user, make_conversation, agent):
    alice = make_user("alice")
    make_conversation("hers", participants=["alice"])
    make_conversation("his", participants=["bob"])
    api.patch("/api/v2/conversations/his", {"assigneeId": agent.pk})

    by_uuid = ids_of(api.get("/api/v2/conversations", {"customerId": str(alice.uuid)}).json())
    by_number = ids_of(api.get("/api/v2/conversations", {"customerId": str(alice.number)}).json())
    by_assignee = ids_of(api.get("/api/v2/conversations", {"assigneeId": str(agent.pk)}).json())

    assert (by_uuid, by_number, by_assignee) == (["hers"], ["hers"], ["his"])


def test_patch_subject_and_custom_merge(api, make_conversation):
    make_conversation("c1", subject="Old", custom={"category": "order_inquiry", "prio": "low"})

    response = api.patch("/api/v2/conversations/c1", {"subject": "New", "custom": {"prio": None, "lang": "nl"}})

    assert response.status_code == 200, response.content
    assert (response.json()["subject"], response.json()["custom"]) == (
        "New",
        {"category": "order_inquiry", "lang": "nl"},
    )


def test_row_63_reopening_at_the_thread_limit_is_412(api, make_conversation):
    conversation = make_conversation("c1")
    add_closed_threads(conversation, 99)
    before = db_counts()

    response = api.patch("/api/v2/conversations/c1", {"status": "active"})

    assert_error(response, 412, "thread_limit_reached")
    assert db_counts() == before
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
