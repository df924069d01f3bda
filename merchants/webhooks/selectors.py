"""Reads for webhooks."""
from .models import WebhookEndpoint


def subscribers(*, store_ids, type: str) -> set[int]:
    """The stores among `store_ids` with an enabled endpoint that wants `type` (one query), so
    a set-based job serialises event data only for them."""
    rows = WebhookEndpoint.objects.filter(store_id__in=list(store_ids), enabled=True).values_list("store_id",
                                                                                                 "events")
    return {store_id for store_id, events in rows if type in events}
