"""The conversation page shows the satisfaction ratings of its sessions (#20): stars, comment, when, for whom."""

from __future__ import annotations

import pytest

from conversations.models import SatisfactionRating
from conversations.services import desk_status_change
from conversations.services.satisfaction import satisfaction_answer
from tests.desk.helpers import url
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(account, agent):
    account.csat_enabled = True
    account.save()
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer], assignee=agent)
    post(conversation, customer, "Hello")
    conversation.refresh_from_db()
    desk_status_change(conversation=conversation, agent=agent, action="close")
    return conversation


def test_the_closing_agent_sees_the_prompt_then_the_answer(desk, closed, agent):
    asked = desk.get(url("conversation", closed)).content.decode()

    satisfaction_answer(rating=SatisfactionRating.objects.get(), score=4, comment="Quick <b>and</b> friendly.")
    answered = desk.get(url("conversation", closed)).content.decode()

    assert "Asked" in asked and "not answered yet" in asked
    assert 'aria-label="4 out of 5"' in answered
    assert "★★★★" in answered and "☆" in answered
    assert "Quick &lt;b&gt;and&lt;/b&gt; friendly." in answered  # escaped
    assert f"For {agent.display_name}" in answered
    assert "Rated 4/5: Quick &lt;b&gt;and&lt;/b&gt; friendly." in answered  # the private line in the timeline


def test_a_conversation_without_a_prompt_has_no_satisfaction_section(desk, account):
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello")

    page = desk.get(url("conversation", conversation)).content.decode()

    assert 'id="satisfaction"' not in page


def test_an_agent_of_another_account_never_sees_the_rating(client, closed):
    other = make_agent(account=make_account())
    client.force_login(other.user)

    response = client.get(url("conversation", closed))

    assert response.status_code == 404
