"""Writes for signed webhooks (SPEC §5): endpoints, the outbox, replays.

`event_emit` is called by the one service function where each change happens, inside its
transaction (a transactional outbox): if the change rolls back, the event and its deliveries
roll back with it. Delivery is `merchants.webhooks.delivery`, swept by Celery."""
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from config.sql import of_ids
from merchants.stores.models import Store

from .addresses import UrlNotAllowed, check_url
from .models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .signing import new_secret

ROTATION_OVERLAP = dt.timedelta(hours=24)
SUBSCRIBABLE = [t for t in EventType.values if t != EventType.PING]


def url_not_allowed(exc: UrlNotAllowed) -> DomainError:
    return DomainError("url_not_allowed", _("This URL cannot receive webhooks: %(why)s.") % {"why": exc},
                       fields={"url": [str(exc)]})


def _checked(url: str, events: list[str]) -> tuple[str, list[str]]:
    try:
        check_url(url)
    except UrlNotAllowed as exc:
        raise url_not_allowed(exc)
    unknown = sorted(set(events) - set(SUBSCRIBABLE))
    if unknown:
        raise DomainError("unknown_event_type", _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)},
                          fields={"events": unknown})
    return url, sorted(set(events))


def endpoint_create(*, store: Store, url: str, events: list[str], user=None) -> WebhookEndpoint:
    """A new endpoint with a fresh secret; the caller shows `endpoint.secret` once."""
    url, events = _checked(url, events)
    endpoint = WebhookEndpoint(store=store, url=url, events=events, secret=new_secret())
    endpoint._change_reason = "created"
    if user is not None:
        endpoint._history_user = user
    endpoint.save()
    return endpoint


def endpoint_update(*, endpoint: WebhookEndpoint, user=None, reason: str = "updated", **values) -> WebhookEndpoint:
    """Change `url`, `events` or `enabled`."""
    url, events = _checked(values.get("url", endpoint.url), values.get("events", endpoint.events))
    endpoint.url, endpoint.events = url, events
    if "enabled" in values:
        endpoint.enabled = bool(values["enabled"])
    endpoint._change_reason = reason
    if user is not None:
        endpoint._history_user = user
    endpoint.save()
    return endpoint


def endpoint_disable(*, endpoint: WebhookEndpoint, user=None, reason: str) -> WebhookEndpoint:
    """Operators switch an endpoint off (admin); pending deliveries wait until it is enabled."""
    return endpoint_update(endpoint=endpoint, user=user, reason=f"disabled: {reason}", enabled=False)


@transaction.atomic
def endpoint_rotate_secret(*, endpoint_id: int, user=None, at=None) -> WebhookEndpoint:
    """A new secret; the previous one keeps signing for 24 hours (both signatures sent)."""
    at = at or timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, at + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint._change_reason = "secret rotated"
    if user is not None:
        endpoint._history_user = user
    endpoint.save()
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def event_emit(*, store_id: int, type: str, data, at=None) -> WebhookEvent | None:
    """Record an event and one pending delivery per enabled endpoint of the store that
    subscribed to its type, in the caller's transaction. Stores without endpoints cost one
    indexed query and write nothing. `data` is the object as its GET returns it, or a
    callable giving it (then only computed when some endpoint wants the event)."""
    return event_emit_many(events=[(store_id, type, data)], at=at)[0]


def event_emit_many(*, events: list[tuple[int, str, object]], at=None) -> list[WebhookEvent | None]:
    """The bulk form for set-based jobs (the weekly settlement): a fixed number of queries
    for any number of events."""
    at = at or timezone.now()
    store_ids = {store_id for store_id, _type, _data in events}
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    batch = of_ids(WebhookEndpoint, sorted(store_ids))  # one array parameter, not 500 placeholders
    for endpoint in WebhookEndpoint.objects.filter(batch, enabled=True).only("id", "store_id", "events"):
        endpoints.setdefault(endpoint.store_id, []).append(endpoint)
    rows, targets = [], []
    for store_id, type_, data in events:
        wanted = [e for e in endpoints.get(store_id, []) if type_ in e.events or type_ == EventType.PING]
        if not wanted:
            rows.append(None)
            continue
        rows.append(WebhookEvent(store_id=store_id, type=type_, data=data() if callable(data) else data,
                                 created_at=at))
        targets.append(wanted)
    created = WebhookEvent.objects.bulk_create([r for r in rows if r is not None])
    WebhookDelivery.objects.bulk_create([WebhookDelivery(endpoint_id=e.pk, event=event, next_attempt_at=at,
                                                         created_at=at)
                                         for event, wanted in zip(created, targets) for e in wanted])
    return rows


def endpoint_ping(*, endpoint: WebhookEndpoint, at=None) -> WebhookDelivery:
    """Send a `ping` event to this endpoint only (its test button)."""
    at = at or timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.create(store_id=endpoint.store_id, type=EventType.PING, created_at=at,
                                            data={"endpoint": endpoint.pk, "url": endpoint.url})
        return WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=at, created_at=at)


def delivery_replay(*, delivery: WebhookDelivery, at=None) -> WebhookDelivery:
    """A new delivery of the same event to the same endpoint: the same `webhook-id`, so a
    receiver that already processed it can recognise it."""
    at = at or timezone.now()
    return WebhookDelivery.objects.create(endpoint_id=delivery.endpoint_id, event_id=delivery.event_id,
                                          replay_of=delivery, next_attempt_at=at, created_at=at)
