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
    dependencies = [("logistics", "0001_initial"), ("merchants", "0002_ledger_guard_search_indexes_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
