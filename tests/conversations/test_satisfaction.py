"""Satisfaction ratings (#20): asked when a person closes a session, answered once within 7 days, sent out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Delivery, Webhook
from conversations.models import Conversation, Message, SatisfactionRating, Thread
from conversations.services import desk_status_change
from conversations.services.satisfaction import (
    PROMPT_BUTTONS,
    customer_message_receive,
    satisfaction_answer,
)
from messenger_project.errors import ServiceError
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return make_account(csat_enabled=True, csat_question="How did we do?")


@pytest.fixture
def chat(account):
    """A customer's conversation with an agent's answer, assigned to that agent."""
    customer = make_customer(account=account)
    agent = make_agent(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Where is my parcel?")
    post(conversation, agent, "On its way.")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
    conversation.refresh_from_db()
    return conversation, customer, agent


def close(conversation, agent):
    return desk_status_change(conversation=conversation, agent=agent, action="close")


def test_an_agents_close_asks_for_a_rating_with_five_reply_buttons(chat):
    conversation, customer, agent = chat

    close(conversation, agent)

    rating = SatisfactionRating.objects.get(conversation=conversation)
    thread = Thread.objects.get(conversation=conversation)
    assert (rating.thread_id, rating.customer_id, rating.agent_id, rating.rating) == (
        thread.pk,
        customer.pk,
        agent.pk,
        None,
    )
    prompt = rating.prompt
    assert (prompt.text, prompt.author_agent_id, prompt.thread_id, prompt.is_private) == (
        "How did we do?",
        agent.pk,
        thread.pk,
        False,
    )
    assert [b["payload"] for b in prompt.buttons] == ["1", "2", "3", "4", "5"]
    assert {b["type"] for b in prompt.buttons} == {"reply"}
    assert prompt.custom == {"satisfaction": {"id": rating.pk}}
    # The prompt reopens nothing and is no first response: the session stays closed, its first response the answer.
    conversation.refresh_from_db()
    thread.refresh_from_db()
    assert (conversation.status, conversation.waiting_since, thread.status) == ("closed", None, "closed")
    assert thread.first_response_at == Message.objects.get(text="On its way.").created_at


def test_the_prompt_is_not_a_first_response(account):
    customer = make_customer(account=account)
    agent = make_agent(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello?")

    close(conversation, agent)

    assert Thread.objects.get(conversation=conversation).first_response_at is None


def test_nothing_is_asked_when_disabled_on_spam_or_by_a_bot(chat):
    conversation, customer, agent = chat
    account = conversation.account
    account.csat_enabled = False
    account.save()
    close(conversation, agent)
    assert not SatisfactionRating.objects.exists()

    account.csat_enabled = True
    account.save()
    post(conversation, customer, "Again")
    desk_status_change(conversation=conversation, agent=agent, action="spam")
    assert not SatisfactionRating.objects.exists()

    other = make_conversation(account=account, customers=[customer])
    post(other, customer, "Hi bot")
    close(other, make_agent(account=account, is_bot=True))
    assert not SatisfactionRating.objects.exists()
    assert not Message.objects.filter(buttons=PROMPT_BUTTONS).exists()


def test_an_answer_is_stored_once_with_a_private_line(chat):
    conversation, customer, agent = chat
    close(conversation, agent)
    rating = SatisfactionRating.objects.get()

    satisfaction_answer(rating=rating, score=4, comment="  Quick and friendly. ")

    rating.refresh_from_db()
    assert (rating.rating, rating.comment, rating.answered_at is not None) == (4, "Quick and friendly.", True)
    line = Message.objects.get(custom__action="satisfaction")
    assert (line.text, line.is_private, line.thread_id) == ("Rated 4/5: Quick and friendly.", True, rating.thread_id)
    with pytest.raises(ServiceError) as again:
        satisfaction_answer(rating=rating, score=1, comment="Changed my mind")
    assert again.value.code == "satisfaction_answered"
    rating.refresh_from_db()
    assert (rating.rating, rating.comment) == (4, "Quick and friendly.")
    assert Message.objects.filter(custom__action="satisfaction").count() == 1


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_out_of_range_is_refused(chat, score):
    conversation, _, agent = chat
    close(conversation, agent)
    rating = SatisfactionRating.objects.get()

    with pytest.raises(ServiceError) as refused:
        satisfaction_answer(rating=rating, score=score)

    assert refused.value.code == "invalid_rating"
    rating.refresh_from_db()
    assert rating.rating is None


def test_an_answer_after_seven_days_is_refused(chat, time_machine):
    conversation, customer, agent = chat
    time_machine.move_to(timezone.now(), tick=False)
    close(conversation, agent)
    rating = SatisfactionRating.objects.get()

    time_machine.shift(timedelta(days=7, seconds=-1))
    with pytest.raises(ServiceError):
        satisfaction_answer(rating=rating, score=7)  # still inside: only the score is wrong
    time_machine.shift(timedelta(seconds=2))
    with pytest.raises(ServiceError) as late:
        satisfaction_answer(rating=rating, score=5)

    assert late.value.code == "satisfaction_expired"
    rating.refresh_from_db()
    assert rating.rating is None
    # A late "5" is an ordinary message again: it reopens the conversation.
    customer.refresh_from_db()
    customer_message_receive(customer=customer, text="5")
    conversation.refresh_from_db()
    assert conversation.status == "active"


def test_a_button_payload_answers_without_reopening(chat):
    conversation, customer, agent = chat
    close(conversation, agent)
    customer.refresh_from_db()

    message = customer_message_receive(customer=customer, text="4")

    rating = SatisfactionRating.objects.get()
    conversation.refresh_from_db()
    assert (rating.rating, rating.answered_at is not None) == (4, True)
    assert (message.thread_id, message.author_customer_id, message.text) == (rating.thread_id, customer.pk, "4")
    assert (conversation.status, conversation.waiting_since, conversation.queued_at) == ("closed", None, None)
    assert Thread.objects.filter(conversation=conversation).count() == 1
    # Once answered, the next "4" is a message like any other: the conversation reopens.
    customer.refresh_from_db()
    customer_message_receive(customer=customer, text="4")
    conversation.refresh_from_db()
    assert (conversation.status, Thread.objects.filter(conversation=conversation).count()) == ("active", 2)


def test_other_text_while_pending_reopens_and_leaves_the_rating_pending(chat):
    conversation, customer, agent = chat
    close(conversation, agent)
    customer.refresh_from_db()

    customer_message_receive(customer=customer, text="4 stars but slow")

    conversation.refresh_from_db()
    assert conversation.status == "active"
    assert SatisfactionRating.objects.get().rating is None


def test_the_rated_event_reaches_a_webhook(chat, httpserver, private_targets, django_capture_on_commit_callbacks):
    conversation, customer, agent = chat
    account = conversation.account
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    Webhook.objects.create(account=account, url=httpserver.url_for("/hook"), events=[Webhook.Event.SATISFACTION_RATED])
    close(conversation, agent)
    rating = SatisfactionRating.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_answer(rating=rating, score=2, comment="Slow")

    delivery = Delivery.objects.get(event_type=Webhook.Event.SATISFACTION_RATED)
    satisfaction = delivery.payload["data"]["satisfaction"]
    assert (satisfaction["rating"], satisfaction["comment"], satisfaction["agentId"]) == (2, "Slow", agent.pk)
    assert delivery.payload["data"]["conversation"]["satisfaction"]["rating"] == 2
    assert delivery.status == Delivery.Status.DELIVERED
    request, _ = httpserver.log[0]
    assert (len(httpserver.log), request.json["type"]) == (1, "satisfaction.rated")


def test_a_button_payload_never_answers_another_customers_rating(chat, account):
    conversation, customer, agent = chat
    close(conversation, agent)
    stranger = make_customer(account=make_account(csat_enabled=True))

    customer_message_receive(customer=stranger, text="1")

    assert SatisfactionRating.objects.get().rating is None
