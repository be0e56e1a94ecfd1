"""Help Scout's conversations on /api/v2 (#21): create with threads, search with `query`, JSON-Patch operations,
delete, the mailbox, and bad input for each."""

from __future__ import annotations

import pytest

from agents.models import AuditEntry
from conversations.models import Conversation, Message
from devices.models import Customer
from messenger_project.errors import ServiceError
from tests.integration.helpers import assert_error, db_counts

pytestmark = pytest.mark.django_db


def new_conversation(api, **changes) -> dict:
    body = {
        "subject": "Where are my pens?",
        "customer": {"email": "Ann@Example.com", "firstName": "Ann", "lastName": "Lee"},
        "mailboxId": api.account.pk,
        "type": "chat",
        "threads": [{"type": "customer", "text": "Hello, where are my pens?"}],
    }
    return {**body, **changes}


def create(api, **changes):
    return api.post("/api/v2/conversations", new_conversation(api, **changes))


# --- create ---------------------------------------------------------------------------------------------------


def test_create_answers_201_with_resource_id_and_an_absolute_location(api):
    response = create(api, tags=["orders"])

    assert response.status_code == 201, response.content
    assert response.content == b""
    resource_id = response["Resource-ID"]
    assert resource_id.isdigit()
    assert response["Location"] == f"http://testserver/api/v2/conversations/{resource_id}"
    body = api.get(response["Location"]).json()
    assert (body["id"], body["subject"], body["status"], body["mailboxId"]) == (
        resource_id,
        "Where are my pens?",
        "active",
        api.account.pk,
    )
    assert body["primaryCustomer"]["email"] == "Ann@Example.com"
    assert (body["primaryCustomer"]["first"], body["primaryCustomer"]["last"]) == ("Ann", "Lee")
    assert [t["tag"] for t in body["tags"]] == ["orders"]
    conversation = Conversation.objects.get(public_id=resource_id)
    assert [(m.text, m.author_customer_id is not None) for m in conversation.messages.all()] == [
        ("Hello, where are my pens?", True)
    ]
    assert body["number"] == conversation.pk


def test_create_finds_the_customer_by_email_or_id(api, make_user):
    alice = make_user("alice")

    by_email = create(api, customer={"email": "ALICE@example.com"})
    by_number = create(api, customer={"id": str(alice.number)})

    assert (by_email.status_code, by_number.status_code) == (201, 201)
    assert Customer.objects.filter(account=api.account).count() == 1
    for response in (by_email, by_number):
        assert Conversation.objects.get(public_id=response["Resource-ID"]).primary_customer == alice


def test_create_with_a_reply_note_and_closed_status(api, agent):
    threads = [
        {"type": "customer", "text": "Hi"},
        {"type": "reply", "text": "Hello!", "user": agent.pk},
        {"type": "note", "text": "VIP", "user": agent.pk},
    ]

    response = create(api, threads=threads, status="closed", assignTo=agent.pk)

    assert response.status_code == 201, response.content
    conversation = Conversation.objects.get(public_id=response["Resource-ID"])
    assert (conversation.status, conversation.assignee) == ("closed", agent)
    assert [(m.text, m.is_private, m.author_agent_id) for m in conversation.messages.order_by("id")] == [
        ("Hi", False, None),
        ("Hello!", False, agent.pk),
        ("VIP", True, agent.pk),
    ]


def test_a_reply_without_user_is_the_keys_bot_or_refused(api, bot_api, bot):
    reply = [{"type": "reply", "text": "We are on it"}]

    refused = create(api, threads=reply)
    made = create(bot_api, threads=reply)

    assert_error(refused, 400, "validation_failed", fields=[("threads[0].user", "sender_required")])
    assert made.status_code == 201
    assert Message.objects.get(text="We are on it").author_agent == bot


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"mailboxId": 999999}, [("mailboxId", "unknown_mailbox")]),
        ({"threads": []}, [("threads", "too_short")]),
        ({"threads": [{"type": "phone", "text": "x"}]}, [("threads[0].type", "invalid_enum")]),
        ({"customer": {"firstName": "Ann"}}, [("customer", "required")]),
        ({"customer": {"id": "424242"}}, [("customer.id", "unknown_customer")]),
        ({"assignTo": 424242}, [("assignTo", "not_staff")]),
        ({"status": "snoozed"}, [("status", "invalid_enum")]),
        ({"threads": [{"type": "customer", "text": "x", "draft": True}]}, [("threads[0].draft", "unsupported")]),
        ({"colour": "red"}, [("colour", "unknown_field")]),
    ],
)
def test_bad_creates_write_nothing(api, changes, fields):
    before = db_counts()

    response = create(api, **changes)

    assert_error(response, 400, "validation_failed", fields=fields)
    assert db_counts() == before


def test_a_refusal_after_the_customer_and_threads_are_made_leaves_nothing(api, agent, monkeypatch):
    def refuse(**kwargs):
        raise ServiceError("invalid_label", message="refused late")

    monkeypatch.setattr("conversations.services.starting.labels_set", refuse)  # the last step refuses
    before = db_counts()

    response = create(api, tags=["late"])

    assert_error(response, 400, "invalid_label")
    assert db_counts() == before


# --- list: filters, search, sort ------------------------------------------------------------------------------


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["_embedded"]["conversations"]]


@pytest.fixture
def three(api, make_user):
    make_user("bob")
    made = {}
    for name, subject, email, text in (
        ("pens", "Late order of pens", "ann@example.com", "Where are my pens"),
        ("refund", "Refund please", "bob@example.com", "I want my money back"),
        ("other", "Question", "cat@example.com", "Do you ship to Mars"),
    ):
        response = create(api, subject=subject, customer={"email": email}, threads=[{"type": "customer", "text": text}])
        made[name] = response["Resource-ID"]
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('(subject:"late order")', ["pens"]),
        ('(email:"BOB@example.com")', ["refund"]),
        ('(body:"money back")', ["refund"]),
        ("mars", ["other"]),
        ('(subject:"refund" OR body:"pens")', ["pens", "refund"]),
        ('(subject:"refund") AND (email:"ann@example.com")', []),
        ("NOT mars", ["pens", "refund"]),
        ('email:"cat@example.com" question', ["other"]),
    ],
)
def test_query_uses_help_scouts_search_syntax(api, three, query, expected):
    response = api.get("/api/v2/conversations", {"query": query, "sortField": "number", "sortOrder": "asc"})

    assert ids(response) == [three[name] for name in expected]


@pytest.mark.parametrize("query", ['(subject:"open', "(subject:x", "subject:x)", "colour:red", "AND x", "subject:"])
def test_bad_query_syntax_is_a_400(api, query):
    response = api.get("/api/v2/conversations", {"query": query})

    assert_error(response, 400, "validation_failed", fields=[("query.query", "invalid_query")])


def test_assigned_to_mailbox_and_sort_fields(api, three, agent):
    api.patch(f"/api/v2/conversations/{three['refund']}", {"op": "replace", "path": "/assignTo", "value": agent.pk})

    assert ids(api.get("/api/v2/conversations", {"assigned_to": str(agent.pk)})) == [three["refund"]]
    listed = api.get("/api/v2/conversations", {"mailbox": str(api.account.pk), "sortField": "subject"})
    assert ids(listed) == [three["refund"], three["other"], three["pens"]]
    assert_error(
        api.get("/api/v2/conversations", {"mailbox": "999999"}),
        400,
        "validation_failed",
        fields=[("query.mailbox", "unknown_mailbox")],
    )


def test_the_list_with_a_query_has_a_flat_number_of_queries(api, make_user, django_assert_max_num_queries):
    for n in range(6):
        create(api, customer={"email": f"c{n}@example.com"}, tags=["a", "b"])

    with django_assert_max_num_queries(12):
        response = api.get("/api/v2/conversations", {"query": '(body:"pens") OR (email:"c1@example.com")'})

    assert len(response.json()["_embedded"]["conversations"]) == 6


# --- PATCH with Help Scout's operations ------------------------------------------------------------------------


def test_patch_operations_change_status_assignee_and_subject(api, three, agent):
    path = f"/api/v2/conversations/{three['pens']}"

    closed = api.patch(path, {"op": "replace", "path": "/status", "value": "closed"})
    several = api.patch(
        path,
        [
            {"op": "replace", "path": "/subject", "value": "Pens"},
            {"op": "replace", "path": "/assignTo", "value": agent.pk},
            {"op": "move", "path": "/mailboxId", "value": api.account.pk},
        ],
    )

    assert (closed.status_code, closed.content, several.status_code) == (204, b"", 204)
    body = api.get(path).json()
    assert (body["status"], body["subject"], body["assignee"]["id"]) == ("closed", "Pens", agent.pk)
    assert api.patch(path, {"op": "remove", "path": "/assignTo"}).status_code == 204
    assert api.get(path).json()["assignee"] is None


def test_todays_patch_body_still_answers_the_conversation(api, three):
    response = api.patch(f"/api/v2/conversations/{three['pens']}", {"status": "pending"})

    assert (response.status_code, response.json()["status"]) == (200, "pending")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"op": "replace", "path": "/colour", "value": "red"}, [("path", "invalid_enum")]),
        ({"op": "copy", "path": "/status", "value": "closed"}, [("op", "invalid_enum")]),
        ({"op": "remove", "path": "/subject"}, [("op", "unsupported_operation")]),
        ({"op": "replace", "path": "/status"}, [("value", "required")]),
        ({"op": "replace", "path": "/status", "value": "snoozed"}, [("value", "invalid_enum")]),
        ({"op": "replace", "path": "/assignTo", "value": 424242}, [("value", "not_staff")]),
        ({"op": "move", "path": "/mailboxId", "value": 424242}, [("value", "unknown_mailbox")]),
        ({"op": "replace", "path": "/status", "value": "closed", "extra": 1}, [("extra", "unknown_field")]),
        (
            [{"op": "replace", "path": "/subject", "value": "New"}, {"op": "replace", "path": "/nope", "value": 1}],
            [("[1].path", "invalid_enum")],
        ),
        ([], [("body", "empty")]),
        (["replace"], [("[0]", "wrong_type")]),
    ],
)
def test_bad_patch_operations_write_nothing(api, three, body, fields):
    path = f"/api/v2/conversations/{three['pens']}"
    before = api.get(path).json()

    response = api.patch(path, body)

    assert_error(response, 400, "validation_failed", fields=fields)
    assert api.get(path).json() == before


def test_malformed_json_patch_is_a_400(api, three):
    response = api.patch(f"/api/v2/conversations/{three['pens']}", raw='[{"op": "replace",', body=None)

    assert_error(response, 400, "malformed_json")


# --- delete -----------------------------------------------------------------------------------------------------


def test_delete_removes_the_conversation_and_its_merged_tombstones(api, three, merge):
    merge(three["other"], three["pens"])

    response = api.delete(f"/api/v2/conversations/{three['pens']}")

    assert (response.status_code, response.content) == (204, b"")
    assert not Conversation.objects.filter(public_id__in=[three["pens"], three["other"]]).exists()
    assert Conversation.objects.filter(public_id=three["refund"]).exists()
    assert_error(api.get(f"/api/v2/conversations/{three['pens']}"), 404, "not_found")
    assert AuditEntry.objects.filter(action="delete conversation", account=api.account).count() == 1


# --- mailboxes --------------------------------------------------------------------------------------------------


def test_mailboxes_list_the_accounts_one_mailbox(api):
    body = api.get("/api/v2/mailboxes").json()

    [mailbox] = body["_embedded"]["mailboxes"]
    assert (mailbox["id"], mailbox["name"], mailbox["slug"]) == (api.account.pk, "Shop", "app_7Hq2kL")
    assert body["page"]["totalElements"] == 1
    assert api.get(f"/api/v2/mailboxes/{api.account.pk}").json() == mailbox
    assert_error(api.get(f"/api/v2/mailboxes/{api.account.pk + 1000}"), 404, "not_found")


# --- tenants ----------------------------------------------------------------------------------------------------


def test_another_accounts_key_gets_404_and_sees_nothing(api, other_api, three):
    path = f"/api/v2/conversations/{three['pens']}"

    assert_error(other_api.get(path), 404, "not_found")
    assert_error(other_api.patch(path, {"op": "replace", "path": "/status", "value": "closed"}), 404, "not_found")
    assert_error(other_api.delete(path), 404, "not_found")
    assert_error(other_api.get(f"/api/v2/mailboxes/{api.account.pk}"), 404, "not_found")
    assert other_api.get("/api/v2/conversations", {"query": "pens"}).json()["_embedded"]["conversations"] == []
    assert_error(
        other_api.post("/api/v2/conversations", new_conversation(api)),
        400,
        "validation_failed",
        fields=[("mailboxId", "unknown_mailbox")],
    )
    assert api.get(path).json()["status"] == "active"


def test_a_create_repeated_with_its_idempotency_key_is_replayed(api):
    headers = {"Idempotency-Key": "create-1"}

    first = api.post("/api/v2/conversations", new_conversation(api), headers=headers)
    again = api.post("/api/v2/conversations", new_conversation(api), headers=headers)

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert (again["Resource-ID"], again["Location"], again.content) == (first["Resource-ID"], first["Location"], b"")
    assert Conversation.objects.filter(account=api.account).count() == 1
