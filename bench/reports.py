"""Benchmark of the reports (#20; not part of the test suite). See docs/performance.md, "Reports".

Creates a fresh PostgreSQL database (or uses the one DATABASE_URL names with --reuse), fills one account with a
year and a bit of support: 20,000 conversations, 100,000 sessions with their recorded timestamps (first
response, close, assignee, team), 500,000 messages, satisfaction ratings and labels, twelve agents in four teams;
then times `conversation_report` for the last 30 and 365 days with each grouping and prints the figures.
A report must answer in under a second.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports_bench python bench/reports.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reports_bench python bench/reports.py --reuse
    python bench/reports.py --quick          # a small data set on whatever DATABASE_URL names, to try it
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messenger_project.settings")

BATCH = 5000
RUNS = 5
TARGET_SECONDS = 1.0


def recreate_database(url: str) -> None:
    """Drops and creates the database DATABASE_URL names (PostgreSQL only), then migrates it."""
    base, name = url.rsplit("/", 1)
    subprocess.run(
        ["psql", f"{base}/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"],
        check=True,
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)


def fill(*, conversations: int, sessions_each: int, messages_each: int, days: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from agents.models import Team
    from agents.services import account_create, agent_create
    from conversations.models import (
        Conversation,
        ConversationLabel,
        Label,
        Message,
        SatisfactionRating,
        Thread,
    )
    from devices.models import Customer

    started = time.monotonic()
    rng = random.Random(20)
    now = timezone.now()
    account = account_create(name="Reports bench", time_zone="Europe/Amsterdam")
    agents = [
        agent_create(username=f"rb-agent-{n}", display_name=f"Agent {n:02d}", accounts={account: "agent"})
        for n in range(12)
    ]
    teams = [Team.objects.create(account=account, name=f"Team {n}") for n in range(4)]
    for n, team in enumerate(teams):
        team.members.set(agents[n * 3 : n * 3 + 3])
    labels = Label.objects.bulk_create([Label(account=account, name=f"label-{n}") for n in range(10)])
    with transaction.atomic():
        people = Customer.objects.bulk_create(
            [Customer(account=account, number=n + 1, source="app") for n in range(conversations)], batch_size=BATCH
        )
        chats = Conversation.objects.bulk_create(
            [
                Conversation(
                    account=account,
                    public_id=f"rb-{n}",
                    primary_customer=c,
                    status="closed",
                    visible=True,
                    last_activity_at=now,
                    assignee=agents[n % 12],
                    team=teams[(n % 12) // 3],
                )
                for n, c in enumerate(people)
            ],
            batch_size=BATCH,
        )
        ConversationLabel.objects.bulk_create(
            [
                ConversationLabel(conversation=chat, label=label)
                for chat in chats
                for label in rng.sample(labels, rng.choice((0, 1, 1, 2)))
            ],
            batch_size=BATCH,
        )
    print(f"  {conversations} conversations in {time.monotonic() - started:.0f} s", flush=True)

    written = sessions = rated = 0
    span = timedelta(days=days).total_seconds()
    for first in range(0, conversations, 1000):
        threads, plans = [], []
        for n, chat in enumerate(chats[first : first + 1000], start=first):
            # The conversation's sessions, one after the other, over the last `days` days; the last may be open.
            moments = sorted(now - timedelta(seconds=rng.random() * span) for _ in range(sessions_each))
            for s, opened in enumerate(moments):
                agent = agents[(n + s) % 12] if rng.random() > 0.05 else None
                answered = opened + timedelta(seconds=rng.randint(20, 7200)) if rng.random() < 0.92 else None
                last = s == sessions_each - 1
                resolved = not last or rng.random() < 0.9
                closed = opened + timedelta(seconds=rng.randint(300, 172800)) if resolved else None
                if closed is not None and closed > now:
                    closed = None if last else now
                threads.append(
                    Thread(
                        conversation=chat,
                        status="closed" if closed else "open",
                        source="app",
                        created_at=opened,
                        first_response_at=answered if answered and (not closed or answered < closed) else None,
                        first_responder=agent if answered else None,
                        closed_at=closed,
                        close_reason="agent" if closed else "",
                        assignee=agent if closed else None,
                        team=teams[((n + s) % 12) // 3] if closed and agent else None,
                    )
                )
                plans.append((chat, people[n], opened, closed or now))
        with transaction.atomic():
            Thread.objects.bulk_create(threads, batch_size=BATCH)
            batch = []
            for thread, (chat, customer, opened, until) in zip(threads, plans, strict=True):
                step = max((until - opened).total_seconds() / messages_each, 1)
                for m in range(messages_each):
                    by_customer = m % 2 == 0
                    batch.append(
                        Message(
                            conversation=chat,
                            thread=thread,
                            author_kind="customer" if by_customer else "agent",
                            author_customer=customer if by_customer else None,
                            author_agent=None if by_customer else thread.first_responder,
                            text=f"Message {m} of session {thread.pk}",
                            origin="app",
                            created_at=opened + timedelta(seconds=step * m),
                        )
                    )
            Message.objects.bulk_create(batch, batch_size=BATCH)
            ratings = [
                SatisfactionRating(
                    account=account,
                    conversation=thread.conversation,
                    thread=thread,
                    customer=None,
                    agent=thread.assignee,
                    team=thread.team,
                    rating=rng.choice((1, 2, 3, 4, 4, 5, 5, 5)) if rng.random() < 0.7 else None,
                    asked_at=thread.closed_at,
                    answered_at=None,
                )
                for thread in threads
                if thread.closed_at is not None and rng.random() < 0.3
            ]
            for rating in ratings:
                if rating.rating is not None:
                    rating.answered_at = min(rating.asked_at + timedelta(minutes=rng.randint(1, 600)), now)
            SatisfactionRating.objects.bulk_create(ratings, batch_size=BATCH)
        written += len(batch)
        sessions += len(threads)
        rated += sum(1 for r in ratings if r.rating is not None)
    if connection.vendor == "postgresql":
        connection.cursor().execute("ANALYZE")
    print(
        f"  {sessions} sessions, {written} messages, {rated} ratings answered in {time.monotonic() - started:.0f} s",
        flush=True,
    )


def measure() -> bool:
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agents.models import Account
    from conversations.models import Message, Thread
    from conversations.reports import GROUPINGS, conversation_report

    account = Account.objects.get(name="Reports bench")
    today = timezone.localdate(timezone=ZoneInfo(account.time_zone))
    print(
        f"\n{connection.vendor}: {Message.objects.filter(conversation__account=account).count()} messages, "
        f"{Thread.objects.filter(conversation__account=account).count()} sessions\n",
        flush=True,
    )
    print(f"{'range':>8} {'group by':>9} {'rows':>5} {'queries':>8} {'median ms':>10} {'max ms':>8}  opened  closed")
    ok = True
    for days in (30, 365):
        for group_by in GROUPINGS:
            times = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    report = conversation_report(
                        account=account, start=today - timedelta(days=days - 1), end=today, group_by=group_by
                    )
                    times.append(time.perf_counter() - began)
            median = statistics.median(times)
            ok = ok and median < TARGET_SECONDS
            print(
                f"{days:>6} d {group_by:>9} {len(report.rows):>5} {len(queries):>8} {median * 1000:>10.0f} "
                f"{max(times) * 1000:>8.0f}  {report.total.opened:>6}  {report.total.closed:>6}",
                flush=True,
            )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="measure the data set already in the database")
    parser.add_argument("--quick", action="store_true", help="1,000 conversations, on the database as it is")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not args.reuse and not args.quick:
        if not url.startswith("postgres"):
            sys.exit("Set DATABASE_URL to a PostgreSQL database of its own: it is dropped and created again.")
        recreate_database(url)

    import django

    django.setup()
    if not args.reuse:
        print("filling…", flush=True)
        if args.quick:
            from django.core.management import call_command

            call_command("migrate", "--noinput", verbosity=0)
            fill(conversations=1000, sessions_each=5, messages_each=5, days=400)
        else:
            fill(conversations=20_000, sessions_each=5, messages_each=5, days=400)
    sys.exit(0 if measure() else 1)


if __name__ == "__main__":
    main()
