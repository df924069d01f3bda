"""Rows whose defaults live in code (SPEC §2): the promotional fee rate of 2022, created after
every `migrate` whenever no fee rate exists (a test database's flush empties it).
The standard 1.00% is PaylaterPolicy.standard_fee_rate."""
import datetime as dt
from decimal import Decimal

from django.db import connections

PROMOTION = dict(name="promotion 0.1% (2022.1.6-4.6)", rate=Decimal("0.0010"),
                 starts_on=dt.date(2022, 1, 6), ends_on=dt.date(2022, 4, 6))


def create_default_rows(*, using: str = "default", **_signal_kwargs) -> None:
    from paylater.models import FeeRate

    if FeeRate._meta.db_table in connections[using].introspection.table_names() \
            and not FeeRate.objects.using(using).exists():
        FeeRate.objects.using(using).create(**PROMOTION)
