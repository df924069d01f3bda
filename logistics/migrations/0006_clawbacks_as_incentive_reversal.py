"""SPEC decisions: a logistics claw-back is an `incentive_reversal` ledger entry, no longer an
`adjustment`. Entries posted before this change are reclassified in place.

The ledger is append-only, guarded by a database trigger (merchants/0002). Only the `kind` of
claw-back entries changes here — amount, store, key and time stay as they were, so every balance
is unchanged — and the guard is switched off for this one statement and back on in the same
transaction."""
from django.db import migrations

CLAWBACK_KEYS = "logistics:%:clawback%"
TABLE = "merchants_ledgerentry"
TRIGGER = "merchants_ledger_no_update"


def _relabel(connection, old: str, new: str) -> int:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred FK checks on the table are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(f"UPDATE {TABLE} SET kind = %s WHERE kind = %s AND idempotency_key LIKE %s",
                       [new, old, CLAWBACK_KEYS])
        count = cursor.rowcount
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return count


def reclassify(connection) -> int:
    return _relabel(connection, "adjustment", "incentive_reversal")


def forwards(apps, schema_editor):
    reclassify(schema_editor.connection)


def backwards(apps, schema_editor):
    _relabel(schema_editor.connection, "incentive_reversal", "adjustment")


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0005_open_regions_both_scripts"),
        ("merchants", "0008_ledger_kind_incentive_reversal"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
