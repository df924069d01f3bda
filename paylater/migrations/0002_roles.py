"""Operators' roles: what the groups may do with paylater models (see merchants.roles)."""
from django.db import migrations

from merchants.roles import CREDIT_REVIEWER, FINANCE, RISK_OFFICER, grant, revoke

TABLE = {
    CREDIT_REVIEWER: ["view_enrollment"],
    RISK_OFFICER: ["view_enrollment", "view_activity", "view_activityitem"],
    FINANCE: ["view_feestatement", "view_invoicerequest", "change_invoicerequest", "view_feerate",
              "view_paylaterpolicy", "view_enrollment"],
}


def forwards(apps, schema_editor):
    grant(apps, "paylater", TABLE)


def backwards(apps, schema_editor):
    revoke(apps, "paylater", TABLE)


class Migration(migrations.Migration):
    dependencies = [("paylater", "0001_initial"), ("merchants", "0002_ledger_guard_search_indexes_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
