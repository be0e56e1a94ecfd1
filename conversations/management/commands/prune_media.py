"""`manage.py prune_media`: delete uploads that no message used within a day (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from conversations.media import UNUSED_UPLOAD_HOURS, media_prune_unused, stored_files_delete
from conversations.models import StoredFileDeletion


class Command(BaseCommand):
    help = "Delete uploads that no message has used for a day, with their files (from the bucket too)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=UNUSED_UPLOAD_HOURS)

    def handle(self, *args, hours: int, **options):
        pruned = media_prune_unused(older_than_hours=hours)
        stored_files_delete()  # and the files of earlier deletions that the storage refused then
        self.stdout.write(f"Deleted {pruned} unused uploads.")
        waiting = StoredFileDeletion.objects.count()
        if waiting:
            self.stderr.write(
                f"{waiting} files of deleted media wait for the storage to answer; the task worker's sweep (or the "
                "next run) deletes them."
            )
