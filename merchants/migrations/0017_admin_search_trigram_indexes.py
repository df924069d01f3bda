"""Admin searches answered by an index (issue 16; docs/decisions/0034): store names (every list's
`store__name` search and the store autocomplete look stores up by name first) and ledger
references (`order:42`, `refund_case:7`). See `config.migration_ops.trigram_indexes`."""
from django.db import migrations

from config.migration_ops import trigram_indexes

INDEXES = {
    "store_name_trgm": "merchants_store (UPPER(name) gin_trgm_ops)",
    "ledger_reference_trgm": "merchants_ledgerentry (UPPER(reference) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [("merchants", "0016_history_reason_text")]

    operations = [trigram_indexes(INDEXES)]
