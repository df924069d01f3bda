from config.commands import ClosedMonthCommand
from paylater import services


class Command(ClosedMonthCommand):
    help = "Generate the monthly pay-later fee statements of a closed month (idempotent; an open month is refused)."

    def run_month(self, first):
        return self.style.SUCCESS(f"{first:%Y-%m}: {services.fee_statements_generate(month=first)} "
                                  f"fee statement(s) written")
