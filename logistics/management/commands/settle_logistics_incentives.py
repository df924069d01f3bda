import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from config import timeutil
from config.api.errors import DomainError
from logistics.settlement import previous_week, settlement_start


class Command(BaseCommand):
    help = ("Settle the on-time shipping incentive for a finished Mon–Sun week (idempotent: stores already "
            "settled are skipped). Refuses a week whose last deadline (Monday 20:00 local) has not passed.")

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
        parser.add_argument("--now", help="pretend the current time is this ISO timestamp (with offset)")
        parser.add_argument("--dispatch", action="store_true",
                            help="queue the batches as Celery tasks instead of settling them here")

    def handle(self, *args, week=None, now=None, dispatch=False, **options):
        try:
            at = dt.datetime.fromisoformat(now) if now else None
            if at is not None and at.tzinfo is None:
                raise CommandError("--now needs a UTC offset")
            monday = timeutil.parse_week(week) if week else previous_week(at)
        except ValueError as exc:
            raise CommandError(f"bad --week/--now: {exc}")
        try:
            run = settlement_start(week=monday, now=at, triggered_by="command: settle_logistics_incentives",
                                   inline=not dispatch)
        except DomainError as exc:
            raise CommandError(exc.detail)
        self.stdout.write(
            f"run {run.pk} {run.week_name}: {run.get_status_display()}, batches {run.batches_done}/"
            f"{run.batches_total}, stores {run.stores}, parcels {run.parcels}, total {run.total}, "
            f"claw-backs {run.clawbacks}" + (f"\nerrors:\n{run.errors}" if run.errors else ""))
