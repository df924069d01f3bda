"""Operations the apps' migrations share."""
from django.db import migrations


def trigram_indexes(indexes: dict[str, str]) -> migrations.RunPython:
    """GIN trigram indexes, `{name: "table (UPPER(col) gin_trgm_ops)"}`, for the admin's
    `icontains` searches (decision 0034). The admin compiles them to `UPPER("col"::text) LIKE
    UPPER('%term%')` on PostgreSQL, which an index on exactly `UPPER(col)` answers for terms of 3
    characters or more. On a production table of millions of rows build them `CONCURRENTLY` by hand first, with the
    same names: the migration then finds them and does nothing."""

    def create(apps, schema_editor):
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, target in indexes.items():
            table, expression = target.split(" ", 1)
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin {expression}")

    def drop(apps, schema_editor):
        for name in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # the extension stays: others may use it

    return migrations.RunPython(create, drop, elidable=False)
