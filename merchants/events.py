"""Where domain events leave the system (SPEC §5, signed webhooks).

Code that causes an event calls `event_emit(store_id=…, type=…, data=…)` inside the transaction
of the change, so the webhooks' transactional outbox can write its row there. The webhooks
are not built yet: until they are, `event_emit` hands the event to the sinks registered here
(none in production, so nothing is recorded) and tests observe it with `captured()`. The
webhooks issue replaces the body of `event_emit` with the outbox write; callers stay as they are.

Event types emitted so far: `risk_check.warning` (a store enters warning or breach in its
monthly risk self-check; `data` is the check as GET risk-checks returns it)."""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Event:
    store_id: int
    type: str
    data: dict


_sinks: list[Callable[[Event], None]] = []


def event_emit(*, store_id: int, type: str, data: dict) -> None:  # noqa: A002 (the event's field name)
    event = Event(store_id=store_id, type=type, data=data)
    for sink in list(_sinks):
        sink(event)


@contextmanager
def captured():
    """For tests: collect the events emitted in a block."""
    events: list[Event] = []
    _sinks.append(events.append)
    try:
        yield events
    finally:
        _sinks.remove(events.append)
