"""`manage.py prune_media`: delete uploads that no message used within a day (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from conversations.media import UNUSED_UPLOAD_HOURS, media_prune_unused


class Command(BaseCommand):
    help = "Delete uploads that no message has used for a day, with their files."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=UNUSED_UPLOAD_HOURS)

    def handle(self, *args, hours: int, **options):
        self.stdout.write(f"Deleted {media_prune_unused(older_than_hours=hours)} unused uploads.")
