import datetime as dt
from decimal import Decimal

from django.db import migrations


def add_rates(apps, schema_editor):
    """SPEC §2: 0.10% for orders paid 2022-01-06..2022-04-06 (inclusive, local);
    the standard 1.00% is PaylaterPolicy.standard_fee_rate."""
    FeeRate = apps.get_model("paylater", "FeeRate")
    if FeeRate.objects.exists():
        return
    FeeRate.objects.create(name="promotion 0.1% (2022.1.6-4.6)", rate=Decimal("0.0010"),
                           starts_on=dt.date(2022, 1, 6), ends_on=dt.date(2022, 4, 6))


class Migration(migrations.Migration):
    dependencies = [("paylater", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
