"""Operators' roles: what the groups may do with merchants models (see merchants.roles)."""
from django.db import migrations

from merchants.roles import AFTER_SALES_JUDGE, CREDIT_REVIEWER, FINANCE, RISK_OFFICER, grant, revoke

TABLE = {
    CREDIT_REVIEWER: ["view_store", "view_order", "view_product", "view_category", "view_creditapplication",
                      "change_creditapplication", "view_creditapplicationpolicy", "view_creditevaluation",
                      "view_storemetrics", "view_creditindicator", "view_creditscorepolicy", "view_holiday",
                      "view_violation", "view_sanction", "view_ledgerentry", "view_ecopackaging",
                      "view_riskcheck", "view_storerisk"],
    RISK_OFFICER: ["view_store", "change_store", "view_order", "view_product", "view_violation", "add_violation",
                   "change_violation", "view_sanction", "view_penaltyrule", "view_creditevaluation",
                   "view_storemetrics", "view_ledgerentry", "view_appeal", "change_appeal", "view_appealpolicy",
                   "view_riskcheck", "view_storerisk", "view_riskpolicy", "view_webhookendpoint"],
    AFTER_SALES_JUDGE: ["view_store", "view_order", "view_product"],
    FINANCE: ["view_store", "view_order", "view_ledgerentry"],
}


def forwards(apps, schema_editor):
    grant(apps, "merchants", TABLE)


def backwards(apps, schema_editor):
    revoke(apps, "merchants", TABLE)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0011_risk_self_check"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]

    operations = [migrations.RunPython(forwards, backwards)]
