from django.db import migrations

from paylater.defaults import PROMOTION


def add_rates(apps, schema_editor):
    """SPEC §2: 0.10% for orders paid 2022-01-06..2022-04-06 (inclusive, local);
    the standard 1.00% is PaylaterPolicy.standard_fee_rate."""
    FeeRate = apps.get_model("paylater", "FeeRate")
    if FeeRate.objects.exists():
        return
    FeeRate.objects.create(**PROMOTION)


class Migration(migrations.Migration):
    dependencies = [("paylater", "0001_initial")]
    operations = [migrations.RunPython(add_rates, migrations.RunPython.noop)]
