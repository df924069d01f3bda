"""Returns after the decisions SPEC took on what the first build left open:

- **Return address** — a return agreed by a rule or the 36-hour timeout with no address anywhere
  waits in `awaiting_return` with `return_address_missing`; the merchant sets the address on the
  case, and the buyer's 7-day ship-back window starts then.
- **Returned parcel never confirmed** — once the buyer shipped the return, the merchant has 10 days
  *(policy)* to confirm receipt; past that the timeout sweep refunds the buyer (history names the
  job), with no violation: the clock is `refunds.selectors.receipt_confirm_due_q`, the move
  `refunds.services.sweep.refund_unconfirmed_returns`.

Builds on refunds.services.core (actors, locking, history)."""
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError, StateConflict

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
