from django.core.management.base import BaseCommand, CommandError

from config import timeutil
from config.api.errors import DomainError


class Command(BaseCommand):
    help = "Evaluate every store's credit score and base limit for a closed month (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the month just closed)")

    def handle(self, *args, month=None, **options):
        from merchants.credit import evaluate_month

        try:
            first = timeutil.parse_month(month) if month else timeutil.previous_month()
        except ValueError:
            raise CommandError("--month must look like 2026-10")
        try:
            count = evaluate_month(month=first)
        except DomainError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(f"evaluated {count} stores for {first:%Y-%m}")
