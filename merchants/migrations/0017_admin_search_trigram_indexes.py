"""Admin searches answered by an index (issue 16; docs/decisions/0034).

The admin's `icontains` compiles to `UPPER("col"::text) LIKE UPPER('%term%')` on PostgreSQL; a GIN
trigram index on exactly `UPPER(col)` answers it (terms of 3 characters or more) instead of a scan:
store names (every list's `store__name` search and the store autocomplete look stores up by name
first) and ledger references (`order:42`, `refund_case:7`). PostgreSQL only (pg_trgm); nothing on
SQLite, whose searches stay scans. On a production table of millions of rows build them
`CONCURRENTLY` by hand first (same names): the migration then finds them and does nothing."""
from django.db import migrations

INDEXES = {
    "store_name_trgm": "merchants_store (UPPER(name) gin_trgm_ops)",
    "ledger_reference_trgm": "merchants_ledgerentry (UPPER(reference) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES.items():
        table, expression = target.split(" ", 1)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin {expression}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # the extension stays: others may use it


class Migration(migrations.Migration):
    dependencies = [("merchants", "0016_history_reason_text")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
