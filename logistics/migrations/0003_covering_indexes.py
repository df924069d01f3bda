from django.db import migrations, models


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
    ]
