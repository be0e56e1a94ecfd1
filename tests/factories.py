"""Small deterministic builders for tests: plain functions over the services (no factory_boy).

Every value that must be unique comes from one process-wide counter, so names read `Account 3`, `agent-4`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count
from typing import Any

from django.contrib.auth.models import Permission
from django.utils import timezone

from agents.models import Account, Agent, User
from agents.services import account_create, agent_create
from conversations.models import Conversation, Message, Thread
from conversations.services import Author, conversation_create, message_post
from conversations.services.customers import device_register
from conversations.timeline import TimelinePage, timeline_page
from devices.models import Customer, Device
from devices.services import DeviceAttributes, customer_create, customer_get_or_create_registered

_sequence = count(1)


def _next() -> int:
    return next(_sequence)


# --- accounts and agents -----------------------------------------------------------------------------------


def make_account(**fields: Any) -> Account:
    n = _next()
    defaults = {"name": f"Account {n}", "identification": f"identification-{n:05d}", "app_id": f"app_test{n:05d}"}
    return account_create(**{**defaults, **fields})


STAFF_PASSWORD = "pw-long-enough-123"


def make_staff(username: str, account: Account, role: str = "admin") -> User:
    """A staff login with every admin permission, serving `account` with `role`: what the tenant-scoping tests sign
    in as (the scoping, not the permissions, is what keeps them to their accounts)."""
    agent = agent_create(
        username=username, display_name=username.title(), password=STAFF_PASSWORD, accounts={account: role}
    )
    agent.user.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=agent.user.pk)


def make_agent(*, account: Account, is_bot: bool = False, role: str = "agent") -> Agent:
    n = _next()
    kind = "bot" if is_bot else "agent"
    return agent_create(
        username=f"{kind}-{n}", display_name=f"{kind.title()} {n}", is_bot=is_bot, accounts={account: role}
    )


# --- customers and devices ---------------------------------------------------------------------------------


def make_customer(*, account: Account, **fields: Any) -> Customer:
    """An anonymous customer (or a registered one with `registered=True, fk_id=...`)."""
    return customer_create(account=account, **fields)


def make_registered_customer(*, account: Account, fk_id: str | None = None) -> Customer:
    """The customer a verified Authorization token names, as the client API creates it."""
    return customer_get_or_create_registered(account=account, fk_id=fk_id or f"customer-{_next()}")


def new_device_id() -> str:
    return f"device-{_next():08d}"  # 15 characters: above the 10-character minimum


def make_device(*, customer: Customer, device_id: str | None = None, **fields: Any) -> Device:
    """A device row written directly (no validation): for model and constraint tests."""
    return Device.objects.create(
        account_id=customer.account_id, customer=customer, device_id=device_id or new_device_id(), **fields
    )


def register_device(
    *, account: Account, device_id: str | None = None, as_customer: Customer | None = None, **attributes: Any
) -> Device:
    """`POST devices` through the service: anonymous, or registered as `as_customer` (a verified token)."""
    return device_register(
        account=account,
        device_id=device_id or new_device_id(),
        registered_customer=as_customer,
        attributes=DeviceAttributes(**attributes),
    )


# --- conversations and messages ----------------------------------------------------------------------------


def make_conversation(*, account: Account, customers: Sequence[Customer] = (), **fields: Any) -> Conversation:
    return conversation_create(account=account, customers=customers, **fields)


def make_imported_thread(*, conversation: Conversation) -> Thread:
    """A closed, imported chat thread, as the integration API's `imported: true` chats create it."""
    now = timezone.now()
    return Thread.objects.create(
        conversation=conversation,
        type=Thread.Type.CHAT,
        status=Thread.Status.CLOSED,
        imported=True,
        source="chat_api",
        created_at=now,
        closed_at=now,
        close_reason=Thread.CloseReason.IMPORTED,
    )


def post(conversation: Conversation, author: Author, text: str | None = None, **options: Any) -> Message:
    """message_post with a numbered text; `author` is a Customer, an Agent, or None (the system)."""
    return message_post(conversation=conversation, author=author, text=text or f"message {_next()}", **options)


# --- reading a timeline ------------------------------------------------------------------------------------


def timeline_pages_backwards(customer: Customer) -> list[TimelinePage]:
    """Every page of the customer's timeline, from the newest down, paging with `before` as clients do."""
    pages = [timeline_page(customer=customer)]
    while pages[-1].has_older:
        pages.append(timeline_page(customer=customer, before=pages[-1].message_ids[-1]))
        assert pages[-1].message_ids and pages[-1].message_ids[0] < pages[-2].message_ids[-1], "before: must move down"
    return pages


def timeline_ids(customer: Customer) -> list[int]:
    """The message ids of the whole timeline in the order the pages give them (newest first)."""
    return [message_id for page in timeline_pages_backwards(customer) for message_id in page.message_ids]
