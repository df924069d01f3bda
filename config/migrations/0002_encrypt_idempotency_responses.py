"""Stored idempotent responses are encrypted at rest from now on: encrypt the rows written
before (one of them may carry a store owner's token). Not reversible into plaintext."""
from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from config.api.idempotency import PURPOSE
    from config.crypto import decrypt_bytes, encrypt_bytes

    Record = apps.get_model("core", "IdempotencyRecord")
    for record in Record.objects.exclude(response_body=None).iterator():
        if decrypt_bytes(record.response_body, purpose=PURPOSE) is None:
            Record.objects.filter(pk=record.pk).update(
                response_body=encrypt_bytes(bytes(record.response_body), purpose=PURPOSE))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True)]
