from django.db import migrations

from merchants.defaults import DEFAULT_CATEGORIES  # SPEC §1; also restored after a test flush

POSTGRES_GUARD = """
CREATE OR REPLACE FUNCTION merchants_ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'merchants_ledgerentry is append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER merchants_ledger_no_update BEFORE UPDATE OR DELETE ON merchants_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION merchants_ledger_append_only();
"""
POSTGRES_UNGUARD = """
DROP TRIGGER IF EXISTS merchants_ledger_no_update ON merchants_ledgerentry;
DROP FUNCTION IF EXISTS merchants_ledger_append_only();
"""
def create_categories(apps, schema_editor):
    Category = apps.get_model("merchants", "Category")
    for name, fresh, excluded in DEFAULT_CATEGORIES:
        Category.objects.get_or_create(name=name, parent=None,
                                       defaults={"is_fresh": fresh, "paylater_excluded": excluded})


def guard(apps, schema_editor):
    schema_editor.execute(POSTGRES_GUARD)


def unguard(apps, schema_editor):
    schema_editor.execute(POSTGRES_UNGUARD)


class Migration(migrations.Migration):
    dependencies = [("merchants", "0001_initial")]

    operations = [
        migrations.RunPython(create_categories, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
