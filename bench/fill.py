"""Fill a benchmark database: 1 account, N customers with a device and a conversation each, M messages.

One customer ("big") holds BIG messages, one ("small") holds 10, the rest share what is left. Rows go in with
bulk inserts in id order, as message_post would have written them (a receipt per message per participant).
Prints one JSON object describing what the benchmark needs (identification, device ids, last ids, API key).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messenger_project.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from agents.models import Account  # noqa: E402
from agents.services import account_create, agent_create, api_key_create  # noqa: E402
from conversations.models import Conversation, Message, Participant, Receipt, Thread  # noqa: E402
from devices.models import Customer, Device  # noqa: E402

BATCH = 5000


def fill(*, customers: int, messages: int, big: int) -> dict:
    started = time.monotonic()
    account = account_create(name="Bench", device_quota_limit=10**9, device_quota_interval=1)
    bot = agent_create(
        username=f"bench-bot-{account.pk}", display_name="Bench Bot", is_bot=True, accounts={account: "agent"}
    )
    _, api_key = api_key_create(account=account, name="bench", bot=bot)
    now = timezone.now()
    with transaction.atomic():
        people = Customer.objects.bulk_create(
            [Customer(account=account, number=n + 1, source="app") for n in range(customers)], batch_size=BATCH
        )
        Device.objects.bulk_create(
            [
                Device(account=account, customer=c, device_id=f"bench-device-{n:06d}", device_type=3)
                for n, c in enumerate(people)
            ],
            batch_size=BATCH,
        )
        chats = Conversation.objects.bulk_create(
            [
                Conversation(
                    account=account,
                    public_id=f"bench-{n}",
                    primary_customer=c,
                    status="pending",
                    visible=True,
                    last_activity_at=now,
                )
                for n, c in enumerate(people)
            ],
            batch_size=BATCH,
        )
        Participant.objects.bulk_create(
            [Participant(conversation=chat, customer=c) for chat, c in zip(chats, people, strict=True)],
            batch_size=BATCH,
        )
        threads = Thread.objects.bulk_create(
            [Thread(conversation=chat, status="open", source="app", created_at=now) for chat in chats],
            batch_size=BATCH,
        )
        for customer, chat in zip(people, chats, strict=True):
            customer.current_conversation = chat
        Customer.objects.bulk_update(people, ["current_conversation"], batch_size=BATCH)
    counts = [big, 10] + _spread(messages - big - 10, customers - 2)
    start = now - timedelta(days=30)
    written = 0
    for index, (customer, chat, thread, count) in enumerate(zip(people, chats, threads, counts, strict=True)):
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            with transaction.atomic():
                batch = Message.objects.bulk_create(
                    [
                        Message(
                            conversation=chat,
                            thread=thread,
                            author_kind="customer" if (offset + i) % 2 == 0 else "agent",
                            author_customer=customer if (offset + i) % 2 == 0 else None,
                            author_agent=None if (offset + i) % 2 == 0 else bot,
                            text=f"Message {offset + i} of customer {index}",
                            origin="app",
                            created_at=start + timedelta(seconds=written + i),
                        )
                        for i in range(size)
                    ]
                )
                Receipt.objects.bulk_create(
                    [
                        Receipt(
                            customer=customer,
                            message=m,
                            type_id=1 if m.author_kind == "customer" else 2,
                            status=4 if m.author_kind == "customer" else 3,
                        )
                        for m in batch
                    ]
                )
            written += size
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    last_id = {
        c.pk: Receipt.objects.filter(customer=c).order_by("-message_id").values_list("message_id", flat=True).first()
        for c in people[:2]
    }
    return {
        "account_id": account.pk,
        "identification": account.identification,
        "api_key": api_key,
        "big_device": "bench-device-000000",
        "small_device": "bench-device-000001",
        "big_last_id": last_id[people[0].pk],
        "small_last_id": last_id[people[1].pk],
        "devices": [f"bench-device-{n:06d}" for n in range(2, customers)],
        "conversations": [chat.public_id for chat in chats[2:]],
        "messages": written,
        "customers": customers,
        "seconds": round(time.monotonic() - started, 1),
    }


def _spread(total: int, buckets: int) -> list[int]:
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--big", type=int, default=10_000)
    args = parser.parse_args()
    if Account.objects.filter(name="Bench").exists():
        sys.exit("The database already holds a Bench account: point DATABASE_URL at a fresh database.")
    print(json.dumps(fill(customers=args.customers, messages=args.messages, big=args.big)))
