"""Snooze (#19): an agent sets an open conversation aside until a time or until the customer writes; it wakes by
itself at its time (the worker's sweep), when the customer writes, or when an agent wakes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from agents.management.commands.db_worker import sweep_once
from conversations.desk.selectors import desk_inbox
from conversations.models import Conversation, Message
from conversations.services import (
    conversation_close,
    conversation_set_status,
    conversation_snooze,
    conversation_wake,
    conversations_wake_due,
    desk_status_change,
)
from messenger_project.errors import ServiceError
from tests.factories import make_conversation, post

pytestmark = pytest.mark.django_db


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


@pytest.fixture
def waiting(conversation, customer):
    """An active conversation: the customer waits for an answer."""
    post(conversation, customer, "Where is my parcel?")
    return fresh(conversation)


def test_snooze_sets_it_aside_with_a_line_and_keeps_its_thread_and_wait(waiting, agent):
    until = timezone.now() + timedelta(days=1)

    conversation = conversation_snooze(conversation=waiting, agent=agent, until=until)

    stored = fresh(conversation)
    assert (stored.status, stored.snoozed_until, stored.snoozed_by_id) == ("snoozed", until, agent.pk)
    assert stored.waiting_since == waiting.waiting_since  # a snooze answers nobody
    assert stored.threads.filter(status="open").count() == 1
    line = stored.messages.order_by("-id").first()
    assert line.author_kind == Message.AuthorKind.SYSTEM and line.is_silent
    assert line.text.startswith(f"{agent.display_name} snoozed the conversation until ")
    assert line.custom == {"action": "snooze", "agentId": agent.pk}


def test_until_the_customer_writes_has_no_time(waiting, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=None)

    stored = fresh(waiting)
    assert (stored.status, stored.snoozed_until) == ("snoozed", None)
    assert stored.messages.order_by("-id").first().text.endswith("until the customer writes")


def test_only_an_open_conversation_sleeps(conversation, waiting, agent):
    conversation_close(conversation=waiting, by=agent)
    with pytest.raises(ServiceError) as closed:
        conversation_snooze(conversation=waiting, agent=agent, until=None)
    assert (closed.value.code, closed.value.status_code) == ("conversation_not_open", 409)
    with pytest.raises(ServiceError):
        conversation_set_status(conversation=waiting, status="snoozed")


def test_a_customer_message_wakes_it_to_active(waiting, customer, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=timezone.now() + timedelta(days=3))

    post(waiting, customer, "Any news?")

    stored = fresh(waiting)
    assert (stored.status, stored.snoozed_until, stored.snoozed_by_id) == ("active", None, None)


def test_staff_may_write_into_a_snoozed_conversation_without_waking_it(waiting, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=None)

    post(waiting, agent, "We are still checking, we'll be back to you.")

    stored = fresh(waiting)
    assert stored.status == "snoozed" and stored.waiting_since is None


def test_an_agent_wakes_it_to_what_it_should_be(waiting, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=None)
    assert fresh(conversation_wake(conversation=waiting, agent=agent)).status == "active"  # the customer waits

    post(waiting, agent, "Here you are")  # answered: nobody waits
    conversation_snooze(conversation=waiting, agent=agent, until=None)
    woken = conversation_wake(conversation=waiting, agent=agent)
    assert (woken.status, woken.snoozed_until) == ("pending", None)
    assert woken.messages.order_by("-id").first().custom["action"] == "wake"


def test_closing_a_snoozed_conversation_ends_the_snooze(waiting, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=timezone.now() + timedelta(hours=2))

    desk_status_change(conversation=waiting, agent=agent, action="close")

    stored = fresh(waiting)
    assert (stored.status, stored.snoozed_until) == ("closed", None)
    assert not stored.threads.filter(status="open").exists()


@pytest.fixture
def sweep(monkeypatch):
    """A worker's sweep round (`db_worker`), in the test's transaction (it keeps its connection here)."""
    monkeypatch.setattr("agents.management.commands.db_worker.close_old_connections", lambda: None)
    return sweep_once


def test_the_workers_sweep_wakes_what_is_due_and_only_that(time_machine, sweep, account, customer, agent, waiting):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    later_one = make_conversation(account=account, customers=[customer])
    post(later_one, agent, "Done, anything else?")
    conversation_snooze(conversation=waiting, agent=agent, until=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    conversation_snooze(conversation=later_one, agent=agent, until=datetime(2026, 3, 3, 10, 0, tzinfo=UTC))

    time_machine.move_to(datetime(2026, 3, 2, 9, 59, tzinfo=UTC), tick=False)
    sweep()
    assert fresh(waiting).status == "snoozed"

    time_machine.move_to(datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC), tick=False)
    sweep()
    assert (fresh(waiting).status, fresh(later_one).status) == ("active", "snoozed")
    line = fresh(waiting).messages.order_by("-id").first()
    assert (line.text, line.custom["action"]) == ("The snooze ended", "wake")
    assert conversations_wake_due() == 0  # once

    time_machine.move_to(datetime(2026, 3, 3, 10, 1, tzinfo=UTC), tick=False)
    assert conversations_wake_due() == 1
    assert fresh(later_one).status == "pending"


def test_the_desks_open_inbox_leaves_snoozed_out_and_its_snoozed_filter_shows_them(waiting, agent):
    conversation_snooze(conversation=waiting, agent=agent, until=None)

    assert desk_inbox(agent=agent, view="all", status="open") == []
    assert [c.pk for c in desk_inbox(agent=agent, view="all", status="snoozed")] == [waiting.pk]
