"""Webhook events of the merchants concepts (SPEC §5), emitted by the one service function
where each change happens, in its transaction (see `merchants.webhooks.services.event_emit`).
The data of each is the object as the merchant API's GET returns it (the concept's
`payloads` module), computed only when some endpoint of the store wants the event."""
from merchants.applications.payloads import CreditApplicationOut
from merchants.ledger.selectors import with_wallet_balance
from merchants.stores.models import Store
from merchants.stores.payloads import StoreOut
from merchants.violations.payloads import ViolationOut
from merchants.webhooks.models import EventType
from merchants.webhooks.selectors import subscribers
from merchants.webhooks.services import event_emit, event_emit_many


def violation(violation, type_: str) -> None:
    """violation.opened, violation.confirmed or violation.revoked."""
    event_emit(store_id=violation.store_id, type=type_, data=lambda: ViolationOut(violation).data)


def violations(violations, type_: str) -> None:
    """`violation` for a set of violations (set-based detectors), in a fixed number of queries."""
    event_emit_many(events=[(v.store_id, type_, (lambda v=v: ViolationOut(v).data)) for v in violations])


def application_decided(application) -> None:
    event_emit(store_id=application.store_id, type=EventType.CREDIT_APPLICATION_DECIDED,
               data=lambda: CreditApplicationOut(application).data)


def credit_limits_changed(store_ids) -> None:
    """credit_limit.changed for each store whose effective limit just changed (a new base
    limit from an evaluation, or an activation step of a raised limit); set-based."""
    listening = subscribers(store_ids=store_ids, type=EventType.CREDIT_LIMIT_CHANGED)
    if not listening:
        return
    stores = list(with_wallet_balance(Store.objects.filter(pk__in=listening)))
    rows = StoreOut(stores, many=True).data
    event_emit_many(events=[(row["id"], EventType.CREDIT_LIMIT_CHANGED, row) for row in rows])
