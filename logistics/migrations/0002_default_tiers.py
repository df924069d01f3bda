import datetime as dt
from decimal import Decimal

from django.db import migrations

# SPEC §4: the source's tiers (announced "until 2021-08-31, until a new policy"), carried forward
# with no end date. Operators add dated tiers in the admin when the policy changes.
TIERS = [
    # (Y ≥, on-time rate ≥, per picked-up parcel)
    (Decimal("1000"), Decimal("0.8500"), Decimal("0.30")),
    (Decimal("300"), Decimal("0.8500"), Decimal("0.20")),
]


def create(apps, schema_editor):
    Tier = apps.get_model("logistics", "IncentiveTier")
    for y, rate, amount in TIERS:
        Tier.objects.get_or_create(valid_from=dt.date(2021, 6, 28), min_daily_average=y, min_on_time_rate=rate,
                                   defaults={"per_parcel": amount})


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
