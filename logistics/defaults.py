"""Rows whose defaults live in code (SPEC §4): the incentive tiers, created after every
`migrate` whenever none exists (a test database's flush empties them). The source's
tiers ("until 2021-08-31, until a new policy") are carried forward with no end date; operators add
dated tiers in the admin when the policy changes."""
import datetime as dt
from decimal import Decimal

from django.db import connections

TIERS = [
    # (Y ≥, on-time rate ≥, per picked-up parcel)
    (Decimal("1000"), Decimal("0.8500"), Decimal("0.30")),
    (Decimal("300"), Decimal("0.8500"), Decimal("0.20")),
]
VALID_FROM = dt.date(2021, 6, 28)


def create_tiers(tier_model) -> None:
    for y, rate, amount in TIERS:
        tier_model.objects.get_or_create(valid_from=VALID_FROM, min_daily_average=y, min_on_time_rate=rate,
                                         defaults={"per_parcel": amount})


def create_default_rows(*, using: str = "default", **_signal_kwargs) -> None:
    from logistics.models import IncentiveTier

    if IncentiveTier._meta.db_table in connections[using].introspection.table_names() \
            and not IncentiveTier.objects.using(using).exists():
        create_tiers(IncentiveTier)
