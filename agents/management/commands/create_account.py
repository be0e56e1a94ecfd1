"""`manage.py create_account NAME`: print one JSON object with the new account's secrets and a fresh API key."""

import json

from django.core.management.base import BaseCommand

from agents.services import account_create, api_key_create


class Command(BaseCommand):
    help = "Create an account and print its id, secrets and a fresh API key as one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        account = account_create(name=name)
        _, plain_key = api_key_create(account=account, name="created by create_account")
        self.stdout.write(
            json.dumps(
                {
                    "id": account.pk,
                    "name": account.name,
                    "appId": account.app_id,
                    "identification": account.identification,
                    "authorizationSecret": account.authorization_secret,
                    "sharedSecret": account.shared_secret,
                    "apiKey": plain_key,
                }
            )
        )
