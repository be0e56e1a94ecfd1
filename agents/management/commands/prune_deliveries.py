"""`manage.py prune_deliveries`: forget finished deliveries after a while (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from agents.delivery.queue import deliveries_prune


class Command(BaseCommand):
    help = "Delete delivered, failed and cancelled deliveries older than --days (30); pending ones stay."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days: int, **options):
        self.stdout.write(f"Deleted {deliveries_prune(older_than_days=days)} finished deliveries.")
