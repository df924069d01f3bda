from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from refunds.services import refund_timeouts_run


class Command(BaseCommand):
    help = ("Apply refund timeouts as of now (or --now): expire negotiations, agree overdue cases as requested, "
            "close unshipped returns, refund received returns past the refund window and shipped returns not "
            "confirmed in time. Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO 8601 moment with an offset, e.g. 2026-11-20T10:00:00+08:00")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, now=None, batch_size=200, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or timezone.is_naive(moment):
                raise CommandError("--now must be an ISO 8601 timestamp with an offset.")
        result = refund_timeouts_run(now=moment, batch_size=batch_size)
        self.stdout.write(", ".join(f"{k}={v}" for k, v in asdict(result).items()))
