"""Reads for webhooks."""
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from .models import WebhookEndpoint


def subscribers(*, store_ids, type: str) -> set[int]:
    """The stores among `store_ids` with an enabled endpoint that wants `type` (one query), so
    a set-based job serialises event data only for them."""
    store_ids = [int(pk) for pk in store_ids]
    if not store_ids:
        return set()
    if connection.vendor == "postgresql":  # one array parameter: 500 placeholders cost ~3 ms to bind a batch
        of_stores = RawSQL(f'"{WebhookEndpoint._meta.db_table}"."store_id" = ANY(%s)', [store_ids],
                           output_field=BooleanField())
    else:
        of_stores = Q(store_id__in=store_ids)
    rows = WebhookEndpoint.objects.filter(of_stores, enabled=True).values_list("store_id", "events")
    return {store_id for store_id, events in rows if type in events}
