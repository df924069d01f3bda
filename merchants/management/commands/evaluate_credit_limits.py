from config.commands import ClosedMonthCommand
from merchants.credit.services import evaluate_month


class Command(ClosedMonthCommand):
    help = "Evaluate every store's credit score and base limit for a closed month (idempotent)."

    def run_month(self, first):
        return f"evaluated {evaluate_month(month=first)} stores for {first:%Y-%m}"
