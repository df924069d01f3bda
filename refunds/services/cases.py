"""Refund cases (SPEC §3): opening them (with the automation rules), the merchant's decisions,
the buyer's actions, the operator's judgement, and switching the automation rules."""
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError, StateConflict
from config.money import money
from merchants.models import Order
from merchants.orders.services import check_event_time, order_record_refund

from .. import events
from ..models import RefundCase, RefundPolicy, RefundRules, RefundType
from .core import (
    Actor,
    N,
    S,
    _agree,
    _case_move,
    _check_decision_window,
    _default_return_address,
    _lock_case,
    _negotiation_move,
    _now,
    _open_negotiation,
    _save_with_history,
    order_shipped,
)


def refund_case_open(*, order: Order, type: str, reason: str, amount: Decimal, opened_at, shipped: bool,
                     actor: Actor | None = None) -> RefundCase:
    """A buyer's refund request pushed by the platform. Amount ≤ what is left to refund; one open
    case per order; the store's automation rules may agree it at once."""
    check_event_time(opened_at, field="opened_at")
    amount = money(amount)
    if opened_at < order.paid_at:
        raise DomainError("opened_before_payment", _("A refund case cannot open before the order was paid."),
                          fields={"opened_at": [str(_("Before the order's paid_at."))]})
    actor = actor or Actor.buyer(order.buyer_id)
    policy = RefundPolicy.current()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if amount > order.amount - order.refunded_amount:
            raise DomainError("amount_above_refundable",
                              _("The amount is above what is left to refund on the order (%(left)s).")
                              % {"left": order.amount - order.refunded_amount},
                              fields={"amount": [str(_("Above the refundable amount."))]})
        cases = RefundCase.objects.filter(order=order)
        if cases.filter(status__in=RefundCase.OPEN_STATUSES).exists():
            raise DomainError("case_already_open", _("This order already has an open refund case."))
        case = RefundCase(
            store_id=order.store_id, order=order, buyer_id=order.buyer_id, type=type, reason=reason, amount=amount,
            requested_type=type, requested_amount=amount, shipped_flag=bool(shipped),
            shipped=order_shipped(order, shipped), first_on_order=not cases.exists(), status=S.PENDING,
            opened_at=opened_at, merchant_deadline=opened_at + dt.timedelta(hours=policy.merchant_decision_hours))
        try:
            with transaction.atomic():
                _save_with_history(case, actor, "opened")
        except IntegrityError:
            raise DomainError("case_already_open", _("This order already has an open refund case."))
        events.case_opened(case)
        _apply_rules(case, at=opened_at)
    return case


def _apply_rules(case: RefundCase, *, at) -> None:
    """Automation rules (SPEC §3), recorded in the history as done by the rule."""
    rules = RefundRules.objects.filter(store_id=case.store_id).first()
    if rules is None:
        return
    if (rules.auto_agree_unshipped_refund_only and case.type == RefundType.REFUND_ONLY and not case.shipped):
        _agree(case, actor=Actor.rule("auto_agree_unshipped_refund_only"), at=at, type_=case.type,
               amount=case.amount, note="agreed automatically")
    elif (rules.auto_agree_no_reason_return and case.type == RefundType.RETURN_REFUND
          and case.reason == RefundCase.Reason.NO_REASON_7D):
        _agree(case, actor=Actor.rule("auto_agree_no_reason_return"), at=at, type_=case.type,
               amount=case.amount, return_address=rules.return_address, note="agreed automatically")




def refund_case_agree(*, case_id: int, actor: Actor, return_address: str = "", store_ids=None,
                      at=None) -> RefundCase:
    """The merchant agrees as requested; an open negotiation closes as revoked. A return needs a
    return address (given, or the store's default)."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        _check_decision_window(case, at)
        if case.type == RefundType.RETURN_REFUND and not (return_address or _default_return_address(case.store_id)):
            raise DomainError("return_address_required", _("Agreeing to a return needs a return address."),
                              fields={"return_address": [str(_("Required for a return."))]})
        negotiation = _open_negotiation(case)
        if negotiation:
            _negotiation_move(negotiation, N.REVOKED, actor=actor, at=at)
        return _agree(case, actor=actor, at=at, type_=case.type, amount=case.amount, return_address=return_address,
                      conflict_code="case_not_pending")


def refund_case_reject(*, case_id: int, actor: Actor, reason: str, store_ids=None, at=None) -> RefundCase:
    at = _now(at)
    if not reason or not reason.strip():
        raise DomainError("reason_required", _("A rejection needs a reason."),
                          fields={"reason": [str(_("Required."))]})
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        _check_decision_window(case, at)
        negotiation = _open_negotiation(case)
        if negotiation:
            _negotiation_move(negotiation, N.REVOKED, actor=actor, at=at)
        policy = RefundPolicy.current()
        return _case_move(case, "reject", actor=actor, conflict_code="case_not_pending", note="rejected",
                          decided_at=at, reject_reason=reason.strip(),
                          escalation_deadline=at + dt.timedelta(days=policy.escalation_days))


def refund_case_return_received(*, case_id: int, actor: Actor, store_ids=None, at=None) -> RefundCase:
    """The merchant confirms the returned parcel, before the confirmation deadline (10 days after
    the buyer shipped it); the 48-hour refund clock starts."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        if (case.status == S.AWAITING_RETURN and case.receipt_confirm_deadline is not None
                and at >= case.receipt_confirm_deadline):
            raise StateConflict("invalid_state", _("The confirmation deadline passed; the platform refunds the "
                                                   "buyer."))
        policy = RefundPolicy.current()
        return _case_move(case, "receive_return", actor=actor, note="return received", return_received_at=at,
                          refund_deadline=at + dt.timedelta(hours=policy.refund_after_receipt_hours))


def refund_case_refund(*, case_id: int, actor: Actor, store_ids=None, at=None) -> RefundCase:
    """The merchant refunds a received return, before the refund deadline."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        if case.status == S.RETURN_RECEIVED and at >= case.refund_deadline:
            raise StateConflict("invalid_state", _("The refund deadline passed; the platform refunds the buyer."))
        _case_move(case, "refund_return", actor=actor, note="refunded", refunded_at=at)
        order_record_refund(order_id=case.order_id, amount=case.amount, at=at, reference=f"refund_case:{case.pk}")
        return case


def refund_case_cancel(*, case_id: int, actor: Actor, at=None) -> RefundCase:
    """The buyer withdraws a pending case; an open negotiation is revoked with it."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id)
        if case.status == S.PENDING and at >= case.merchant_deadline:
            raise StateConflict("invalid_state", _("The decision window closed; the case is agreed as requested."))
        if case.status == S.PENDING:
            negotiation = _open_negotiation(case)
            if negotiation:
                _negotiation_move(negotiation, N.REVOKED, actor=actor, at=at)
        return _case_move(case, "cancel", actor=actor, note="cancelled", closed_at=at)


def refund_case_return_shipped(*, case_id: int, actor: Actor, tracking_no: str, at=None) -> RefundCase:
    """The buyer ships the return back, within the return-shipping window."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id)
        if case.status != S.AWAITING_RETURN or case.return_shipped_at is not None:
            raise StateConflict("invalid_state", _("No return is awaited on this case."))
        if case.return_address_missing:
            raise StateConflict("invalid_state", _("The merchant has not given a return address yet."))
        if at >= case.return_ship_deadline:
            raise StateConflict("invalid_state", _("The return-shipping window closed."))
        case.tracking_no = tracking_no
        case.return_shipped_at = at
        case.receipt_confirm_deadline = at + dt.timedelta(days=RefundPolicy.current().receipt_confirm_days)
        _save_with_history(case, actor, f"return shipped ({tracking_no})")
        return case


def refund_case_escalate(*, case_id: int, actor: Actor, at=None) -> RefundCase:
    """A rejected case goes to the platform, within the escalation window."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id)
        if case.status == S.REJECTED and at >= case.escalation_deadline:
            raise StateConflict("invalid_state", _("The escalation window closed."))
        if case.status == S.REJECTED and RefundCase.objects.filter(
                order_id=case.order_id, status__in=RefundCase.OPEN_STATUSES).exists():
            raise StateConflict("invalid_state", _("Another case on this order is open."))
        return _case_move(case, "escalate", actor=actor, note="escalated", escalated_at=at)


def refund_case_judge(*, case_id: int, actor: Actor, seller_responsible: bool, at=None, note: str = "") -> RefundCase:
    """Seller-responsible forces the refund of the case amount (no return is required at this
    point); buyer-responsible closes the case. The operator's note goes into the history."""
    at = _now(at)
    note = (note or "").strip()
    with transaction.atomic():
        case = _lock_case(case_id)
        if seller_responsible:
            _case_move(case, "judge_seller_responsible", actor=actor,
                       note="judged seller-responsible" + (f": {note}" if note else ""), refunded_at=at,
                       judgement=RefundCase.Judgement.SELLER, judged_at=at)
            order_record_refund(order_id=case.order_id, amount=case.amount, at=at,
                                reference=f"refund_case:{case.pk}")
            return case
        return _case_move(case, "judge_buyer_responsible", actor=actor,
                          note="judged buyer-responsible" + (f": {note}" if note else ""), closed_at=at,
                          judgement=RefundCase.Judgement.BUYER, judged_at=at)


def refund_rules_update(*, store, actor: Actor, **values) -> RefundRules:
    """Switch a store's automation rules. Auto-agreeing returns needs a default return address."""
    with transaction.atomic():
        rules, _created = RefundRules.objects.select_for_update().get_or_create(store=store)
        for name, value in values.items():
            setattr(rules, name, value.strip() if isinstance(value, str) else value)
        if rules.auto_agree_no_reason_return and not rules.return_address:
            raise DomainError("return_address_required",
                              _("Auto-agreeing returns needs a default return address."),
                              fields={"return_address": [str(_("Required when auto-agreeing returns."))]})
        _save_with_history(rules, actor, "rules updated")
    return rules
