"""Operators' roles: what the groups may do with refunds models (see merchants.roles)."""
from django.db import migrations

from merchants.roles import AFTER_SALES_JUDGE, RISK_OFFICER, grant, revoke

TABLE = {
    RISK_OFFICER: ["view_refundcase", "view_negotiation"],
    AFTER_SALES_JUDGE: ["view_refundcase", "change_refundcase", "view_negotiation", "view_refundrules",
                        "view_refundpolicy"],
}


def forwards(apps, schema_editor):
    grant(apps, "refunds", TABLE)


def backwards(apps, schema_editor):
    revoke(apps, "refunds", TABLE)


class Migration(migrations.Migration):
    dependencies = [("refunds", "0001_initial"), ("merchants", "0002_ledger_guard_search_indexes_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
