"""Shared pieces of the operators' management commands."""
from django.core.management.base import BaseCommand, CommandError

from config import timeutil
from config.api.errors import DomainError


class ClosedMonthCommand(BaseCommand):
    """A job for one closed month: `--month YYYY-MM`, default the month just closed. A domain
    refusal (e.g. an open month) becomes a CommandError with its text."""

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: the month just closed)")

    def handle(self, *args, month=None, **options):
        try:
            first = timeutil.parse_month(month) if month else timeutil.previous_month()
        except ValueError:
            raise CommandError("--month must look like 2026-10")
        try:
            self.stdout.write(self.run_month(first))
        except DomainError as exc:
            raise CommandError(exc.detail)

    def run_month(self, first) -> str:
        raise NotImplementedError
