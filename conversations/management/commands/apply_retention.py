"""`manage.py apply_retention`: delete the conversations past their account's retention policy, all of them (the
worker's sweep deletes a batch a round; this loops until nothing is due). For cron, or once by hand."""

from django.core.management.base import BaseCommand

from conversations.services.retention import RETENTION_BATCH, retention_apply


class Command(BaseCommand):
    help = "Delete conversations closed longer ago than their account's retention_days, with their messages and files."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=RETENTION_BATCH, help="Conversations per transaction.")

    def handle(self, *args, batch: int, **options):
        total = 0
        while done := retention_apply(limit=max(batch, 1)):
            total += done
        self.stdout.write(f"Deleted {total} conversations past their account's retention.")
