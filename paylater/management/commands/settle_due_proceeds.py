from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from paylater.proceeds import proceeds_settle_due


class Command(BaseCommand):
    help = ("Credit the proceeds of pay-later orders whose cycle (policy: days after completion) ran out by now "
            "(or --now). Idempotent: an order's proceeds are never posted twice.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 moment with an offset, e.g. 2026-11-20T10:00:00+08:00")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, now=None, batch_size=500, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or timezone.is_naive(moment):
                raise CommandError("--now must be an ISO 8601 timestamp with an offset.")
        posted = proceeds_settle_due(now=moment, batch_size=batch_size)
        self.stdout.write(self.style.SUCCESS(f"{posted} order proceeds credited"))
