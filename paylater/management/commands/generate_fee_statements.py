from django.core.management.base import BaseCommand, CommandError

from config import timeutil
from config.api.errors import DomainError
from paylater import services


class Command(BaseCommand):
    help = "Generate the monthly pay-later fee statements of a closed month (idempotent; an open month is refused)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the previous month)")

    def handle(self, *args, month=None, **options):
        try:
            first = timeutil.parse_month(month) if month else timeutil.previous_month()
        except ValueError:
            raise CommandError("--month must look like 2026-10")
        try:
            count = services.fee_statements_generate(month=first)
        except DomainError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(self.style.SUCCESS(f"{first:%Y-%m}: {count} fee statement(s) written"))
