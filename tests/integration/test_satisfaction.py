"""The v2 conversation's `satisfaction` (#20): the newest answered rating, read without a query per conversation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import SatisfactionRating
from conversations.services import desk_status_change
from conversations.services.satisfaction import satisfaction_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(account, agent, make_conversation, say):
    """Rate a new conversation `public_id`: the customer writes, the agent closes, the customer answers."""
    account.csat_enabled = True
    account.save()

    def rate(public_id: str, score: int | None, comment: str = ""):
        conversation = make_conversation(public_id)
        say(public_id)
        conversation.refresh_from_db()
        desk_status_change(conversation=conversation, agent=agent, action="close")
        rating = SatisfactionRating.objects.get(conversation=conversation)
        if score is not None:
            satisfaction_answer(rating=rating, score=score, comment=comment)
        return conversation

    return rate


def test_a_conversation_shows_its_answered_rating(api, rated):
    rated("rated-1", 4, "Quick and friendly.")
    rated("asked-1", None)

    shown = api.get("/api/v2/conversations/rated-1").json()
    pending = api.get("/api/v2/conversations/asked-1").json()

    assert shown["satisfaction"]["rating"] == 4
    assert shown["satisfaction"]["comment"] == "Quick and friendly."
    assert shown["satisfaction"]["answeredAt"].endswith("Z")
    assert pending["satisfaction"] is None


def queries_of(request) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_the_list_reads_ratings_in_a_flat_number_of_queries(api, rated):
    rated("rated-1", 1)
    api.get("/api/v2/conversations")
    with_one, _ = queries_of(lambda: api.get("/api/v2/conversations"))
    for n in range(2, 6):
        rated(f"rated-{n}", n)

    with_many, page = queries_of(lambda: api.get("/api/v2/conversations"))

    assert with_many == with_one

    ratings = {c["id"]: (c["satisfaction"] or {}).get("rating") for c in page["_embedded"]["conversations"]}
    assert ratings == {f"rated-{n}": n for n in range(1, 6)}


def test_another_accounts_key_does_not_see_the_conversation(other_api, rated):
    rated("rated-1", 3)

    assert other_api.get("/api/v2/conversations/rated-1").status_code == 404
