"""`manage.py create_account NAME [--agent USERNAME]`: print one JSON object with the new account's secrets, a
fresh API key and OAuth app (and, with `--agent`, who serves it); without `--agent`, say on stderr that nobody does
yet."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agents.models import Membership
from agents.services import account_onboard
from messenger_project.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Create an account and print its id, secrets, a fresh API key and a fresh OAuth app's clientId and "
        "clientSecret as one JSON object. With --agent USERNAME, "
        "that desk login serves it (made if no login has that name: its password is --agent-password, or generated "
        "and printed once as agent.password)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--agent", metavar="USERNAME", help="a staff login (its agent is made if it has none), or a new one"
        )
        parser.add_argument(
            "--agent-password",
            metavar="PASSWORD",
            help="the new login's password (default: a generated one, printed once)",
        )
        parser.add_argument(
            "--role", choices=Membership.Role.values, default=Membership.Role.ADMIN, help="default: admin"
        )

    def handle(self, *args, name: str, agent: str | None, agent_password: str | None, role: str, **options):
        if agent_password and not agent:
            raise CommandError("--agent-password needs --agent.")
        try:
            done = account_onboard(name=name, agent_username=agent, agent_password=agent_password, role=role)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        account = done.account
        result = {
            "id": account.pk,
            "name": account.name,
            "appId": account.app_id,
            "identification": account.identification,
            "authorizationSecret": account.authorization_secret,
            "sharedSecret": account.shared_secret,
            "apiKey": done.api_key,
            "clientId": done.oauth_client_id,  # an OAuth app: POST /api/v2/oauth2/token (client credentials)
            "clientSecret": done.oauth_client_secret,
        }
        if done.agent is not None:
            result["agent"] = {"id": done.agent.pk, "username": done.agent.user.username, "role": role}
            if done.agent_password:
                result["agent"]["password"] = done.agent_password
        self.stdout.write(json.dumps(result))
        if done.agent is None:
            self.stderr.write(
                f"Nobody serves {account.name!r} yet: its conversations show in the desk of superusers only. To add "
                f"an agent, open it in the admin (Agents) and add a membership of {account.name!r}; "
                "`create_account NAME --agent USERNAME` does it as it makes an account."
            )
