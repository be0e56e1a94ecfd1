"""The client API's satisfaction prompt (#20): our widget reads and answers it; the SDKs tap a reply button."""

from __future__ import annotations

import pytest

from conversations.models import Message, SatisfactionRating
from conversations.services import desk_status_change
from tests.clientapi.helpers import agent_reply, assert_error, customer_of, db_counts, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(client, account, agent):
    """A registered web install whose conversation an agent answered and closed: a rating is pending."""
    account.csat_enabled = True
    account.save()
    app = register(client, "web-install-csat-01")
    app.send("My parcel is late")
    agent_reply(app, agent, "It arrives tomorrow.")
    desk_status_change(conversation=customer_of(app).current_conversation, agent=agent, action="close")
    return app, SatisfactionRating.objects.get()


def test_the_prompt_reaches_the_app_as_an_agent_message_with_reply_buttons(closed):
    app, rating = closed

    page = app.get("messages").json()["data"]

    prompt = next(m for m in page if m["id"] == rating.prompt_id)
    assert (prompt["typeId"], prompt["message"], prompt["custom"]) == (
        2,
        "How would you rate our conversation?",
        {"satisfaction": {"id": rating.pk}},
    )
    assert [(b["title"], b["payload"], b["type"]) for b in prompt["buttons"]] == [
        ("★" * n, str(n), "reply") for n in range(1, 6)
    ]


def test_the_widget_reads_and_answers_the_prompt(closed):
    app, rating = closed

    shown = app.get(f"satisfaction/{rating.pk}")
    answered = app.post(f"satisfaction/{rating.pk}", {"rating": 4, "comment": "Quick and friendly."})

    assert shown.status_code == 200
    assert (shown.json()["data"]["rating"], shown.json()["data"]["question"]) == (
        None,
        "How would you rate our conversation?",
    )
    assert answered.status_code == 200, answered.content
    data = answered.json()["data"]
    assert (data["id"], data["rating"], data["comment"], data["answeredAt"] is not None) == (
        rating.pk,
        4,
        "Quick and friendly.",
        True,
    )
    again = app.post(f"satisfaction/{rating.pk}", {"rating": 1})
    assert_error(again, 409, "satisfaction_answered")
    rating.refresh_from_db()
    assert (rating.rating, rating.comment) == (4, "Quick and friendly.")


@pytest.mark.parametrize(
    "body",
    [{}, {"rating": 0}, {"rating": 6}, {"rating": "four"}, {"rating": 3, "comment": "x" * 2001}, []],
)
def test_bad_input_is_refused_in_the_envelope_and_writes_nothing(closed, body):
    app, rating = closed
    before = db_counts()

    response = app.post(f"satisfaction/{rating.pk}", body)

    assert_error(response, 400, "validation_error")
    assert db_counts() == before
    rating.refresh_from_db()
    assert rating.rating is None


def test_another_customers_rating_is_not_found(closed, client):
    _, rating = closed
    stranger = register(client, "web-install-csat-02")

    for response in (
        stranger.get(f"satisfaction/{rating.pk}"),
        stranger.post(f"satisfaction/{rating.pk}", {"rating": 5}),
        stranger.get("satisfaction/999999"),
        stranger.get("satisfaction/abc"),
    ):
        assert_error(response, 404, "not_found")
    rating.refresh_from_db()
    assert rating.rating is None


def test_another_accounts_device_is_not_found(closed, client, other_account):
    _, rating = closed
    other = register(client, "web-install-csat-03", identification=other_account.identification)

    assert_error(other.get(f"satisfaction/{rating.pk}"), 404, "not_found")


def test_tapping_a_reply_button_answers_and_keeps_the_conversation_closed(closed):
    app, rating = closed

    app.send("5")

    rating.refresh_from_db()
    conversation = rating.conversation
    conversation.refresh_from_db()
    assert (rating.rating, conversation.status, conversation.threads.count()) == (5, "closed", 1)
    assert Message.objects.filter(custom__action="satisfaction", is_private=True).count() == 1
    # The app shows the customer's own "5" after the prompt, and the conversation stays closed.
    page = app.get("messages").json()["data"]
    assert page[0]["message"] == "5" and page[0]["typeId"] == 1


def test_the_prompt_needs_v1_9(closed):
    app, rating = closed

    assert_error(app.with_(version="1.8").get(f"satisfaction/{rating.pk}"), 404, "not_found")
