"""What the models cannot say: the ledger's append-only trigger, the admin searches' trigram
indexes (decision 0034, `config.migration_ops.trigram_indexes`) and the operators' roles for the
merchants models (`merchants.roles`). Default rows (categories, policies, penalty rules,
indicators) are created after every `migrate` by `merchants.defaults.create_default_rows`."""
from django.db import migrations

from config.migration_ops import trigram_indexes
from merchants.roles import AFTER_SALES_JUDGE, CREDIT_REVIEWER, FINANCE, RISK_OFFICER, grant, revoke

LEDGER_GUARD = """
CREATE OR REPLACE FUNCTION merchants_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'merchants_ledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER merchants_ledger_no_update BEFORE UPDATE OR DELETE ON merchants_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION merchants_ledger_append_only();
"""
LEDGER_UNGUARD = """
DROP TRIGGER IF EXISTS merchants_ledger_no_update ON merchants_ledgerentry;
DROP FUNCTION IF EXISTS merchants_ledger_append_only();
"""

# Store names (every list's `store__name` search and the store autocomplete), ledger references
# (`order:42`), violations by reference or detail (order and tracking numbers, words of the finding).
SEARCH_INDEXES = {
    "store_name_trgm": "merchants_store (UPPER(name) gin_trgm_ops)",
    "ledger_reference_trgm": "merchants_ledgerentry (UPPER(reference) gin_trgm_ops)",
    "violation_reference_trgm": "merchants_violation (UPPER(reference) gin_trgm_ops)",
    "violation_detail_trgm": "merchants_violation (UPPER(detail) gin_trgm_ops)",
}

ROLES = {
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
    grant(apps, "merchants", ROLES)


def backwards(apps, schema_editor):
    revoke(apps, "merchants", ROLES)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"),
                    ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.RunSQL(LEDGER_GUARD, LEDGER_UNGUARD),
        trigram_indexes(SEARCH_INDEXES),
        migrations.RunPython(forwards, backwards),
    ]
