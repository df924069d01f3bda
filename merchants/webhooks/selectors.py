"""Reads for webhooks."""
from config.sql import of_ids

from .models import WebhookEndpoint


def subscribers(*, store_ids, type: str) -> set[int]:
    """The stores among `store_ids` with an enabled endpoint that wants `type` (one query), so
    a set-based job serialises event data only for them."""
    store_ids = [int(pk) for pk in store_ids]
    if not store_ids:
        return set()
    rows = WebhookEndpoint.objects.filter(of_ids(WebhookEndpoint, store_ids), enabled=True).values_list(
        "store_id", "events")
    return {store_id for store_id, events in rows if type in events}
