"""PATCH /api/v2/conversations/{id}: assignment, fields and status are one write, all or nothing."""

from __future__ import annotations

import pytest

from agents.models import Delivery
from conversations.models import Conversation
from tests.integration.helpers import add_closed_threads, assert_error, db_counts

pytestmark = pytest.mark.django_db


def test_a_412_from_the_status_leaves_the_assignment_and_fields_uncommitted(api, agent, make_conversation):
    conversation = make_conversation("c1", subject="Old")
    add_closed_threads(conversation, 99)
    before = (db_counts(), Delivery.objects.count())

    response = api.patch(
        "/api/v2/conversations/c1",
        {"assigneeId": agent.pk, "subject": "New", "custom": {"lang": "nl"}, "status": "active"},
    )

    assert_error(response, 412, "thread_limit_reached")
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.assignee_id, stored.subject, stored.custom, stored.status) == (None, "Old", {}, "closed")
    assert (db_counts(), Delivery.objects.count()) == before


def test_assignment_fields_and_status_change_together(api, agent, make_conversation, say):
    make_conversation("c1")
    say("c1")

    response = api.patch("/api/v2/conversations/c1", {"assigneeId": agent.pk, "subject": "New", "status": "pending"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["assignee"]["id"], body["subject"], body["status"]) == (agent.pk, "New", "pending")
    stored = Conversation.objects.get(public_id="c1")
    assert (stored.assignee_id, stored.subject, stored.status) == (agent.pk, "New", "pending")


def test_an_unknown_assignee_changes_nothing(api, make_conversation, say):
    make_conversation("c1")
    say("c1")

    response = api.patch("/api/v2/conversations/c1", {"assigneeId": 987654, "status": "closed"})

    assert_error(response, 400, "validation_failed", fields=[("assigneeId", "not_staff")])
    assert Conversation.objects.get(public_id="c1").status == "active"
