from django.db import migrations

from logistics.defaults import create_tiers


def create(apps, schema_editor):
    create_tiers(apps.get_model("logistics", "IncentiveTier"))


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
