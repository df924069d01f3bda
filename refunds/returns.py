"""Returns after the decisions SPEC took on what the first build left open:

- **Return address** — a return agreed by a rule or the 36-hour timeout with no address anywhere
  waits in `awaiting_return` with `return_address_missing`; the merchant sets the address on the
  case, and the buyer's 7-day ship-back window starts then.
- **Returned parcel never confirmed** — once the buyer shipped the return, the merchant has 10 days
  *(policy)* to confirm receipt; past that the timeout sweep refunds the buyer (history names the
  job), with no violation: the clock is `refunds.selectors.receipt_confirm_due_q`, the move
  `refunds.services.sweep.refund_unconfirmed_returns`.
- **Return delivered** — the platform's logistics tracking reports when the return parcel reached
  the merchant (SPEC §6, return time by stage): the moment between the transit and the
  inspection stages of the refund KPIs (`refunds.selectors.RETURN_STAGES`).

Builds on refunds.services.core (actors, locking, history)."""
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError, StateConflict
from merchants.orders.services import check_event_time

from .models import RefundCase, RefundPolicy
from .services.core import Actor, _lock_case, _now, _save_with_history


def refund_case_set_return_address(*, case_id: int, actor: Actor, return_address: str, store_ids=None,
                                   at=None) -> RefundCase:
    """The merchant gives the address of a return that was agreed without one; the buyer's
    ship-back window (7 days, policy) starts now. Only for a case waiting for its address
    (409 `case_not_awaiting_address`)."""
    at = _now(at)
    return_address = (return_address or "").strip()
    if not return_address:
        raise DomainError("return_address_required", _("A return address is required."),
                          fields={"return_address": [str(_("Required."))]})
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        if not case.return_address_missing:
            raise StateConflict("case_not_awaiting_address",
                                _("This case is not waiting for a return address."))
        case.return_address = return_address
        case.return_address_set_at = at
        case.return_ship_deadline = at + dt.timedelta(days=RefundPolicy.current().return_ship_days)
        _save_with_history(case, actor, "return address set")
        return case


def refund_case_return_delivered(*, case_id: int, actor: Actor, delivered_at) -> RefundCase:
    """The return parcel reached the merchant at `delivered_at`, as logistics tracking reports it
    (SPEC §6): it ends the transit stage and starts the inspection. Only for a case whose return
    the buyer shipped (409 `invalid_state`); recorded once (the same moment again changes
    nothing, another one is 409 `invalid_state`); not before the parcel was shipped (400
    `delivered_before_shipped`) nor after the merchant confirmed it (400
    `delivered_after_receipt`). No clock moves: the merchant's 10 days to confirm run from the
    shipping."""
    check_event_time(delivered_at, field="delivered_at")
    with transaction.atomic():
        case = _lock_case(case_id)
        if case.return_shipped_at is None:
            raise StateConflict("invalid_state", _("No return parcel was shipped on this case."))
        if case.return_delivered_at is not None:
            if case.return_delivered_at == delivered_at:
                return case
            raise StateConflict("invalid_state", _("The return parcel's delivery is already recorded."))
        if delivered_at < case.return_shipped_at:
            raise DomainError("delivered_before_shipped", _("The parcel cannot be delivered before it was shipped."),
                              fields={"delivered_at": [str(_("Before the return was shipped."))]})
        if case.return_received_at is not None and delivered_at > case.return_received_at:
            raise DomainError("delivered_after_receipt",
                              _("The merchant confirmed the parcel before this delivery time."),
                              fields={"delivered_at": [str(_("After the merchant confirmed receipt."))]})
        case.return_delivered_at = delivered_at
        _save_with_history(case, actor, "return delivered", update_fields=["return_delivered_at"])
        return case
