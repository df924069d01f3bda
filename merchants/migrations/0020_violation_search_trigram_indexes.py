"""The violations list searched by reference or detail (an order number, a tracking number, words
of the finding) through an index: at Double-11 volume the logistics checks open violations by the
hundred thousand, and `icontains` without one reads the whole table (decision 0034). See
`config.migration_ops.trigram_indexes`."""
from django.db import migrations

from config.migration_ops import trigram_indexes

INDEXES = {
    "violation_reference_trgm": "merchants_violation (UPPER(reference) gin_trgm_ops)",
    "violation_detail_trgm": "merchants_violation (UPPER(detail) gin_trgm_ops)",
}


class Migration(migrations.Migration):
    dependencies = [("merchants", "0019_paylater_list_index")]

    operations = [trigram_indexes(INDEXES)]
