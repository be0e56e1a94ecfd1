"""`manage.py seed_demo`: an idempotent demo account with an operator/agent login, a bot and some history, then the
banner `make run` shows: every URL, the login, the account's identification and a demo API key.

The demo API key is rotated on every run rather than made once: only its digest is stored, so a key made once could
be printed only on the first run, and a newcomer who restarts `make run` would have to make one in the admin to use
Swagger's "Try it out". Each run revokes the previous "Demo key" (through the same service as the admin) and prints
a fresh one that works until the next run.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agents.demo import DEMO_ACCOUNT, DEMO_USERNAME
from agents.models import Account, Agent, ApiKey, AutoAssignment, Membership, Team
from agents.services import account_create, agent_create, api_key_create, api_key_revoke
from conversations.models import Conversation, Message
from conversations.services import conversation_create, conversation_set_status, message_post
from conversations.services.customers import device_register
from devices.models import Device
from devices.services import DeviceAttributes, customer_get_or_create_registered

DEMO_KEY_NAME = "Demo key"  # made and rotated by seed_demo only
DEMO_AGENT_NAME = "Sanne"  # the display name of the demo login `admin`: the desk greets it so

DEMO_HISTORY = [
    # (customer key, [(author, text), ...], final status)
    ("anonymous", [("customer", "Hi! Do you ship to Belgium?"), ("agent", "We do: 2 to 3 working days.")], "pending"),
    (
        "alice",
        [
            ("customer", "Hello, my order #1042 has not arrived yet."),
            ("bot", "I found order #1042: it left our warehouse yesterday."),
            ("customer", "Can a person check the address, please?"),
        ],
        "active",
    ),
    ("bob", [("customer", "Thanks for the quick help!"), ("agent", "You're welcome, Bob.")], "closed"),
]


class Command(BaseCommand):
    help = "Create (once) a demo account with chat colours, an agent login, a bot, customers and history."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-password", help="Password of the demo login.")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="Where the server listens (`make run` passes HOST and PORT)."
        )

    def handle(self, *args, password: str, url: str, **options):
        with transaction.atomic():
            account = Account.objects.filter(name=DEMO_ACCOUNT).first() or self._create_account()
            agent = self._ensure_agent(account, password)
            bot = self._ensure_bot(account)
            team, _ = Team.objects.get_or_create(
                account=account, name="Support", defaults={"auto_assignment": AutoAssignment.BALANCED}
            )
            team.members.add(agent)
            if not Conversation.objects.filter(account=account).exists():
                self._create_history(account, agent, bot)
            key = self._rotate_demo_key(account, bot)
        self.stdout.write(self._banner(url.rstrip("/"), account, key, password))

    def _rotate_demo_key(self, account: Account, bot: Agent) -> str:
        for old in ApiKey.objects.filter(account=account, name=DEMO_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(key=old)
        _, plain = api_key_create(account=account, name=DEMO_KEY_NAME, bot=bot)
        return plain

    @staticmethod
    def _banner(url: str, account: Account, key: str, password: str) -> str:
        return "\n".join(
            [
                "",
                "Secure Messenger is starting (Ctrl+C stops it)",
                f"  Start page:      {url}/",
                f"  Agent desk:      {url}/desk/",
                f"  Admin:           {url}/admin/",
                f"  Demo shop:       {url}/demo/   (the chat widget: chat as a customer, answer from the desk)",
                f"  API docs:        {url}/api/docs/   (Authorize with the API key below, then Try it out)",
                f"  Login:           {DEMO_USERNAME} / {password}   (desk and admin)",
                f"  Account:         {account.name}, appId {account.app_id}",
                f"  Identification:  {account.identification}   (the client API's x-iris-identification)",
                f"  API key:         {key}   (new on every run; more keys: Admin > API keys)",
                f'  The login "{DEMO_USERNAME}" is the demo agent "{DEMO_AGENT_NAME}": the desk greets you so.',
                "",
            ]
        )

    def _create_account(self) -> Account:
        return account_create(
            name=DEMO_ACCOUNT,
            nav_background_color="1f6f5c",
            input_background_color="1f6f5c",
            account_background_color="1f6f5c",
            user_text_color="1f2937",
            info_text="Questions? Ask us here. We'll notify you when we answer.",
            info_text2="Questions? Ask us here. Check back in a little while for our answer.",
            welcome_message="Welcome to **Demo Shop**! We usually answer within a few minutes.",
            sticky_message="Our support team is online Monday to Friday, 9:00 to 17:00.",
            # New chats find an online agent by themselves, and a closed chat asks for a rating (#20).
            auto_assignment=AutoAssignment.BALANCED,
            csat_enabled=True,
        )

    def _ensure_agent(self, account: Account, password: str) -> Agent:
        agent = Agent.objects.filter(user__username=DEMO_USERNAME).first()
        if agent is None:
            agent = agent_create(
                username=DEMO_USERNAME,
                display_name=DEMO_AGENT_NAME,
                password=password,
                is_superuser=True,
                accounts={account: Membership.Role.ADMIN},
            )
        else:
            agent.user.set_password(password)
            agent.user.save(update_fields=["password"])
        return agent

    def _ensure_bot(self, account: Account) -> Agent:
        bot = Agent.objects.filter(user__username="demo-bot").first()
        return bot or agent_create(
            username="demo-bot", display_name="Demo Bot", is_bot=True, accounts={account: Membership.Role.AGENT}
        )

    def _create_history(self, account: Account, agent: Agent, bot: Agent) -> None:
        authors = {"agent": agent, "bot": bot}
        for index, (key, lines, status) in enumerate(DEMO_HISTORY):
            if key == "anonymous":
                device = device_register(
                    account=account,
                    device_id="demo-web-device-0001",
                    registered_customer=None,
                    attributes=DeviceAttributes(device_type=Device.Type.WEB, sdk_version="2.0.0"),
                )
                customer = device.customer
            else:
                customer = customer_get_or_create_registered(account=account, fk_id=f"demo-{key}")
                customer.name, customer.email = key.title(), f"{key}@example.com"
                customer.save(update_fields=["name", "email"])
                device_register(
                    account=account,
                    device_id=f"demo-{key}-android-0001",
                    registered_customer=customer,
                    attributes=DeviceAttributes(device_type=Device.Type.ANDROID, sdk_version="3.13.0"),
                )
            conversation = conversation_create(account=account, customers=[customer], source="app")
            for author_key, text in lines:
                author = customer if author_key == "customer" else authors[author_key]
                message_post(conversation=conversation, author=author, text=text, origin=Message.Origin.APP)
            if status == "closed":
                conversation_set_status(conversation=conversation, status=status, by=agent)
            # Spread the demo history over the last days so the desk shows realistic waiting times.
            Conversation.objects.filter(pk=conversation.pk).update(
                last_activity_at=timezone.now() - timedelta(hours=6 * (len(DEMO_HISTORY) - index))
            )
