"""The retention policy (#22): conversations closed more than `Account.retention_days` ago are deleted with their
messages, receipts and media (files too), by the worker's sweep and by `manage.py apply_retention`; only those."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from agents.management.commands.db_worker import sweep_round
from agents.models import Account, AuditEntry
from conversations.models import Conversation, Media, Message, Receipt
from conversations.services import conversation_close
from conversations.services.retention import retention_apply
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


def closed_conversation(account: Account, *, closed: bool = True) -> tuple[Conversation, Path]:
    """A conversation with a customer's message, an agent's answer with a file, closed now (unless told)."""
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "hello")
    answer = post(conversation, make_agent(account=account), "here is the file")
    media = Media.objects.create(
        account=account,
        file=SimpleUploadedFile("invoice.txt", b"invoice"),
        mime_type="text/plain",
        size=7,
        message=answer,
    )
    if closed:
        conversation_close(conversation=conversation)
    return Conversation.objects.get(pk=conversation.pk), Path(media.file.path)


@pytest.fixture
def world(time_machine):
    """Account `kept` keeps 30 days; `forever` has no policy. Old conversations were closed 40 days ago."""
    now = timezone.now()
    kept, forever = make_account(retention_days=30), make_account()
    time_machine.move_to(now - timedelta(days=40), tick=False)
    old, old_file = closed_conversation(kept)
    old_open, _ = closed_conversation(kept, closed=False)
    old_elsewhere, elsewhere_file = closed_conversation(forever)
    time_machine.move_to(now - timedelta(days=10), tick=False)
    recent, recent_file = closed_conversation(kept)
    time_machine.move_to(now, tick=False)
    return {
        "kept": kept,
        "old": old,
        "old_file": old_file,
        "old_open": old_open,
        "old_elsewhere": old_elsewhere,
        "elsewhere_file": elsewhere_file,
        "recent": recent,
        "recent_file": recent_file,
    }


def test_the_worker_sweep_deletes_only_the_accounts_conversations_closed_too_long_ago(
    world, django_capture_on_commit_callbacks
):
    old = world["old"]

    with django_capture_on_commit_callbacks(execute=True):
        sweep_round()

    assert not Conversation.objects.filter(pk=old.pk).exists()
    assert not Message.objects.filter(conversation_id=old.pk).exists()
    assert not Receipt.objects.filter(message__conversation_id=old.pk).exists()
    assert not Media.objects.filter(message__conversation_id=old.pk).exists()
    assert not world["old_file"].exists()
    remaining = set(Conversation.objects.values_list("pk", flat=True))
    assert remaining == {world["old_open"].pk, world["old_elsewhere"].pk, world["recent"].pk}
    assert world["recent_file"].exists() and world["elsewhere_file"].exists()
    entry = AuditEntry.objects.get(action="retention: delete conversations")
    assert (entry.account_id, entry.actor_id) == (world["kept"].pk, None)
    assert entry.target == "1 conversations closed more than 30 days ago"


def test_a_batch_deletes_at_most_its_limit_and_the_next_run_the_rest(world, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=25), tick=False)  # the recent one is now 35 days closed

    assert retention_apply(limit=1) == 1
    assert Conversation.objects.filter(pk=world["old"].pk).exists() is False  # the oldest first
    assert retention_apply(limit=1) == 1
    assert retention_apply(limit=1) == 0
    assert not Conversation.objects.filter(pk=world["recent"].pk).exists()


def test_a_conversation_reopened_since_is_kept(world):
    old = world["old"]
    Conversation.objects.filter(pk=old.pk).update(status=Conversation.Status.ACTIVE)  # closed_at stays as it was

    assert retention_apply() == 0
    assert Conversation.objects.filter(pk=old.pk).exists()


def test_without_a_policy_nothing_is_deleted(world):
    Account.objects.filter(pk=world["kept"].pk).update(retention_days=None)

    assert retention_apply() == 0
    assert Conversation.objects.count() == 4
    assert not AuditEntry.objects.filter(action__startswith="retention").exists()


def test_the_command_deletes_everything_due(world, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", "--batch", "1")

    assert capsys.readouterr().out.strip() == "Deleted 1 conversations past their account's retention."
    assert not Conversation.objects.filter(pk=world["old"].pk).exists()
    assert not world["old_file"].exists()


def test_the_policy_is_a_field_of_the_account_admin(client, django_user_model):
    account = make_account()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-12345"))

    page = client.get(f"/admin/agents/account/{account.pk}/change/").content.decode()

    assert 'name="retention_days"' in page
