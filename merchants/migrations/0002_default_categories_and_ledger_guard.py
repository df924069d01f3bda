from django.db import migrations

# SPEC §1: categories excluded from pay-later by default; fresh food is also "fresh".
DEFAULT_CATEGORIES = [
    # (name, is_fresh, paylater_excluded)
    ("虚拟服务 Virtual services", False, True),
    ("生鲜 Fresh food", True, True),
    ("鲜花绿植 Flowers & plants", False, True),
    ("医疗 Medical", False, True),
    ("房产 Real estate", False, True),
    ("汽车 Cars", False, True),
    ("内衣 Underwear & intimates", False, True),
]

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
