"""Operators' roles: what the groups may do with logistics models (see merchants.roles)."""
from django.db import migrations

from merchants.roles import FINANCE, RISK_OFFICER, grant, revoke

TABLE = {
    RISK_OFFICER: ["view_shipment", "view_weeklyresult"],
    FINANCE: ["view_settlementrun", "add_settlementrun", "view_settlementbatch", "view_weeklyresult",
              "view_adcreditgrant", "view_incentivetier", "view_shipment"],
}


def forwards(apps, schema_editor):
    grant(apps, "logistics", TABLE)


def backwards(apps, schema_editor):
    revoke(apps, "logistics", TABLE)


class Migration(migrations.Migration):
    dependencies = [("logistics", "0007_settlementbatch_history"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name"), ("merchants", "0012_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
