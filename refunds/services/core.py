"""The refunds state machines and what every refunds service shares (SPEC §3): who acted
(`Actor`), the one move function of each machine (`_case_move`, `_negotiation_move`, both
through config.states, which checks the table on the model and writes one history row whose
change reason names the actor: `merchant: …`, `buyer: …`, `operator: …`, `job: …`, `rule: …`),
and agreeing a case.

Locking order, everywhere: the case row first, then its negotiation, then the order (inside
`order_record_refund`). A buyer answer racing a merchant decision therefore serialises on the
case row and the loser finds the state changed (409)."""
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states
from config.api.errors import DomainError, StateConflict
from merchants import registry
from merchants.models import Order
from merchants.orders.services import order_record_refund

from .. import events
from ..models import Negotiation, RefundCase, RefundPolicy, RefundRules, RefundType

log = logging.getLogger("refunds.services")

S = RefundCase.Status
N = Negotiation.Status
SWEEP_JOB = "job: run_refund_timeouts"


@dataclass(frozen=True)
class Actor:
    """Who performs a change; `label` becomes the history row's change reason."""

    label: str
    user: object = None

    @classmethod
    def merchant(cls, user):
        return cls(f"merchant: {user.get_username()}", user)

    @classmethod
    def operator(cls, user):
        return cls(f"operator: {user.get_username()}", user)

    @classmethod
    def buyer(cls, buyer_id: str, service_user=None):
        return cls(f"buyer: {buyer_id}", service_user)

    @classmethod
    def job(cls, name: str):
        return cls(f"job: {name}")

    @classmethod
    def rule(cls, name: str):
        return cls(f"rule: {name}")

    @classmethod
    def logistics(cls, service_user=None):
        """The platform's logistics tracking, reported through a platform client."""
        return cls("logistics: tracking", service_user)


def _save_with_history(obj, actor: Actor, note: str = "", update_fields=None):
    """A save that is not a status move, with the same history reason a move would write."""
    obj._change_reason = states.fit_reason(type(obj), _reason(actor, note))
    if actor.user is not None and getattr(actor.user, "pk", None):
        obj._history_user = actor.user
    obj.save(update_fields=update_fields)


def _reason(actor: Actor, note: str = "") -> str:
    return f"{actor.label} — {note}" if note else actor.label


# The events of RefundCase.EVENTS in words, for the refusal message ("… does not allow judging
# buyer-responsible"), never the code.
EVENT_WORDS = {
    "agree_refund_only": _("agreeing to refund only"), "agree_return": _("agreeing to a return"),
    "cancel": _("cancelling"), "close_unreturned": _("closing for a return not shipped"),
    "escalate": _("escalating to the platform"), "judge_buyer_responsible": _("judging buyer-responsible"),
    "judge_seller_responsible": _("judging seller-responsible"), "receive_return": _("confirming the return"),
    "refund_return": _("refunding the return"), "refund_unconfirmed_return": _("refunding an unconfirmed return"),
    "reject": _("rejecting"),
}


def _case_move(case: RefundCase, event: str, *, actor: Actor, conflict_code: str = "invalid_state",
               note: str = "", **fields) -> RefundCase:
    """The one transition function of refund cases: refuses an event RefundCase.EVENTS does not
    allow in the case's state (409 `conflict_code`), applies the fields, records who."""
    sources, target = RefundCase.EVENTS[event]
    try:
        with transaction.atomic():
            states.transition(
                case, target, sources=sources, reason=_reason(actor, note), user=actor.user, code=conflict_code,
                message=lambda case, _to: _("A case that is %(status)s does not allow %(event)s.")
                % {"status": case.get_status_display(), "event": EVENT_WORDS.get(event, event)},
                **fields)
    except IntegrityError:
        # Only the one-open-case-per-order constraint can fail here (escalating a rejected case
        # while a newer case on the order is open).
        raise StateConflict(conflict_code, _("Another case on this order is open."))
    events.case_moved(case, event)
    return case


def _negotiation_move(negotiation: Negotiation, to: str, *, actor: Actor, at) -> Negotiation:
    states.transition(
        negotiation, to, reason=_reason(actor), user=actor.user, code="negotiation_closed",
        message=lambda negotiation, _to: _("The negotiation is already %(status)s.")
        % {"status": negotiation.get_status_display()},
        closed_at=at)
    events.negotiation_answered(negotiation)
    return negotiation


def _now(at=None):
    return at or timezone.now()


def _lock_case(case_id: int, *, store_ids=None) -> RefundCase:
    qs = RefundCase.objects.select_for_update()
    if store_ids is not None:
        qs = qs.filter(store_id__in=store_ids)
    try:
        return qs.get(pk=case_id)
    except RefundCase.DoesNotExist:
        raise DomainError("not_found", _("Refund case not found."), status=404)


def _open_negotiation(case: RefundCase) -> Negotiation | None:
    return Negotiation.objects.select_for_update().filter(case=case, status=N.OPEN).first()


def order_shipped(order: Order, flag: bool) -> bool:
    """A shipment on record wins over the flag the platform sends (SPEC §3)."""
    return registry.order_shipped_at(order.pk) is not None or bool(flag)


def _default_return_address(store_id: int) -> str:
    return RefundRules.objects.filter(store_id=store_id).values_list("return_address", flat=True).first() or ""


def _agree(case: RefundCase, *, actor: Actor, at, type_: str, amount: Decimal, return_address: str = "",
           conflict_code: str = "invalid_state", note: str = "agreed") -> RefundCase:
    """An agreed case: refund-only is refunded at once; a return waits for the parcel."""
    policy = RefundPolicy.current()
    case.type = type_
    case.amount = amount
    if type_ == RefundType.REFUND_ONLY:
        _case_move(case, "agree_refund_only", actor=actor, conflict_code=conflict_code, note=note, decided_at=at,
                   refunded_at=at)
        order_record_refund(order_id=case.order_id, amount=case.amount, at=at, reference=f"refund_case:{case.pk}")
        return case
    address = return_address or _default_return_address(case.store_id)
    if not address:
        # SPEC decisions: agreed by a rule or the timeout with no address anywhere — the case waits
        # for the merchant's address (return_address_missing); the buyer's window starts then.
        return _case_move(case, "agree_return", actor=actor, conflict_code=conflict_code,
                          note=f"{note}; no return address", decided_at=at, return_address="",
                          return_ship_deadline=None)
    return _case_move(case, "agree_return", actor=actor, conflict_code=conflict_code, note=note, decided_at=at,
                      return_address=address, return_address_set_at=at,
                      return_ship_deadline=at + dt.timedelta(days=policy.return_ship_days))


def _check_decision_window(case: RefundCase, at) -> None:
    if case.status != S.PENDING:
        raise StateConflict("case_not_pending", _("The case is %(status)s, not pending.")
                            % {"status": case.get_status_display()})
    if at >= case.merchant_deadline:
        raise StateConflict("case_not_pending", _("The decision window closed at %(deadline)s; the case is agreed "
                                                  "as requested.") % {"deadline": case.merchant_deadline})
