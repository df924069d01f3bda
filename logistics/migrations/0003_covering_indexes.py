from django.db import migrations, models

# The weekly settlement reads a batch of stores' orders of one week. A covering index lets it read
# them from the index alone, in store order, instead of fetching rows scattered over the whole
# heap (orders arrive in time order, not store order) — without it every batch touches most of the
# table's pages and settlement time grows with batches × table size. PostgreSQL only (INCLUDE);
# the index belongs to merchants' table but exists for this query, so logistics owns it.
ORDER_INDEX = ("CREATE INDEX IF NOT EXISTS logistics_order_store_paid_cover ON merchants_order "
               "(store_id, paid_at) INCLUDE (id, channel, refunded_at)")


def create_order_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ORDER_INDEX)


def drop_order_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS logistics_order_store_paid_cover")


class Migration(migrations.Migration):

    dependencies = [
        ('logistics', '0002_default_tiers'),
        ('merchants', '0004_credit_violations_applications'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='shipment',
            name='logistics_ship_store_shipped',
        ),
        migrations.AddIndex(
            model_name='shipment',
            index=models.Index(fields=['store', 'shipped_at'], include=('order', 'official_logistics', 'deadline',
                                                                        'picked_up_at'),
                               name='logistics_ship_store_shipped'),
        ),
        migrations.RunPython(create_order_index, drop_order_index),
    ]
