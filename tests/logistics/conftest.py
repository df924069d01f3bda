import datetime as dt
import importlib

import pytest


@pytest.fixture(autouse=True)
def default_tiers(request):
    """The SPEC tiers come from a data migration, which a transactional test's flush removes:
    every logistics test that uses the database starts with them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    from logistics.models import IncentiveTier

    for y, rate, amount in importlib.import_module("logistics.migrations.0002_default_tiers").TIERS:
        IncentiveTier.objects.get_or_create(valid_from=dt.date(2021, 6, 28), min_daily_average=y,
                                            min_on_time_rate=rate, defaults={"per_parcel": amount})
