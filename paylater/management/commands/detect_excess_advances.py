import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config import timeutil
from paylater import services


class Command(BaseCommand):
    help = ("Open one pending excess-advance violation per store whose platform advances on a local day "
            "exceed the policy limit (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="local date YYYY-MM-DD (default: today)")

    def handle(self, *args, date=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else timeutil.local_date(timezone.now())
        except ValueError:
            raise CommandError("--date must look like 2026-11-20")
        opened = services.excess_advances_detect(day=day)
        for violation in opened:
            self.stdout.write(f"opened violation #{violation.pk} for {violation.store} ({violation.detail})")
        self.stdout.write(self.style.SUCCESS(f"{day}: {len(opened)} new excess-advance violation(s)"))
