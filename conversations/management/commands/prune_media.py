"""`manage.py prune_media`: delete uploads that no message used within a day (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand, CommandError

from conversations.media import UNUSED_UPLOAD_HOURS, media_prune_unused
from messenger_project.errors import ServiceError


class Command(BaseCommand):
    help = "Delete uploads that no message has used for a day, with their files (from the bucket too)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=UNUSED_UPLOAD_HOURS)

    def handle(self, *args, hours: int, **options):
        try:
            pruned = media_prune_unused(older_than_hours=hours)
        except ServiceError as exc:  # the storage is down: what is left is pruned on the next run
            raise CommandError(exc.message) from None
        self.stdout.write(f"Deleted {pruned} unused uploads.")
