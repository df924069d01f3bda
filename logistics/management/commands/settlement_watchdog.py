from django.core.management.base import BaseCommand

from logistics.recovery import settlement_watchdog_sweep, stuck_runs


class Command(BaseCommand):
    help = ("Queue again the pending batches of settlement runs that made no progress for "
            "SETTLEMENT_STUCK_MINUTES (their worker was lost). Idempotent; beat runs it every 5 minutes.")

    def handle(self, *args, **options):
        stuck = list(stuck_runs().values_list("pk", flat=True))
        queued = settlement_watchdog_sweep()
        self.stdout.write(f"stuck runs: {len(stuck)} {stuck if stuck else ''}".rstrip()
                          + f"; batches queued again: {queued}")
