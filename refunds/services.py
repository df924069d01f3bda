"""Writes for refunds (SPEC §3): opening cases, the case and negotiation state machines, the
merchant's, buyer's and operator's actions, and the timeout sweep.

Every status change goes through `_case_move` / `_negotiation_move`, which check the one
transition table of each machine and record who did it (simple_history row whose change reason
names the actor: `merchant: …`, `buyer: …`, `operator: …`, `job: …`, `rule: …`).

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

from config.api.errors import DomainError, StateConflict
from config.money import money
from merchants import registry
from merchants.models import Order, Violation
from merchants.orders.services import check_event_time, order_record_refund
from merchants.violations.services import violation_open

from . import events
from .models import Negotiation, RefundCase, RefundPolicy, RefundRules, RefundType

log = logging.getLogger(__name__)

S = RefundCase.Status
N = Negotiation.Status
SWEEP_JOB = "job: run_refund_timeouts"


# --- who did it --------------------------------------------------------------------------------
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


def _save_with_history(obj, actor: Actor, note: str = "", update_fields=None):
    obj._change_reason = f"{actor.label} — {note}" if note else actor.label
    if actor.user is not None and getattr(actor.user, "pk", None):
        obj._history_user = actor.user
    obj.save(update_fields=update_fields)


# --- the case state machine ------------------------------------------------------------------
# event → (states it may happen in, state it leads to)
CASE_TRANSITIONS = {
    "agree_refund_only": ({S.PENDING}, S.REFUNDED),
    "agree_return": ({S.PENDING}, S.AWAITING_RETURN),
    "reject": ({S.PENDING}, S.REJECTED),
    "cancel": ({S.PENDING}, S.CANCELLED),
    "close_unreturned": ({S.AWAITING_RETURN}, S.CLOSED),
    "receive_return": ({S.AWAITING_RETURN}, S.RETURN_RECEIVED),
    "refund_return": ({S.RETURN_RECEIVED}, S.REFUNDED),
    "escalate": ({S.REJECTED}, S.ESCALATED),
    "judge_seller_responsible": ({S.ESCALATED}, S.REFUNDED),
    "judge_buyer_responsible": ({S.ESCALATED}, S.CLOSED),
}

NEGOTIATION_TRANSITIONS = {
    N.OPEN: {N.ACCEPTED, N.REJECTED, N.EXPIRED, N.REVOKED},
    N.ACCEPTED: set(),
    N.REJECTED: set(),
    N.EXPIRED: set(),
    N.REVOKED: set(),
}


def _case_move(case: RefundCase, event: str, *, actor: Actor, conflict_code: str = "invalid_state",
               note: str = "", **fields) -> RefundCase:
    """The one transition function of refund cases: refuses an event the table does not allow
    in the case's state (409 `conflict_code`), applies the fields, records who."""
    sources, target = CASE_TRANSITIONS[event]
    if case.status not in sources:
        raise StateConflict(conflict_code, _("A case that is %(status)s does not allow %(event)s.")
                            % {"status": case.get_status_display(), "event": event.replace("_", " ")})
    case.status = target
    for name, value in fields.items():
        setattr(case, name, value)
    try:
        with transaction.atomic():
            _save_with_history(case, actor, note)
    except IntegrityError:
        # Only the one-open-case-per-order constraint can fail here (escalating a rejected case
        # while a newer case on the order is open).
        raise StateConflict(conflict_code, _("Another case on this order is open."))
    events.case_moved(case, event)
    return case


def _negotiation_move(negotiation: Negotiation, to: str, *, actor: Actor, at) -> Negotiation:
    if to not in NEGOTIATION_TRANSITIONS[negotiation.status]:
        raise StateConflict("negotiation_closed", _("The negotiation is already %(status)s.")
                            % {"status": negotiation.get_status_display()})
    negotiation.status = to
    negotiation.closed_at = at
    _save_with_history(negotiation, actor)
    events.negotiation_answered(negotiation)
    return negotiation


# --- helpers ---------------------------------------------------------------------------------
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
    return _case_move(case, "agree_return", actor=actor, conflict_code=conflict_code, note=note, decided_at=at,
                      return_address=return_address or _default_return_address(case.store_id),
                      return_ship_deadline=at + dt.timedelta(days=policy.return_ship_days))


# --- opening a case --------------------------------------------------------------------------
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


# --- merchant actions ------------------------------------------------------------------------
def _check_decision_window(case: RefundCase, at) -> None:
    if case.status != S.PENDING:
        raise StateConflict("case_not_pending", _("The case is %(status)s, not pending.")
                            % {"status": case.get_status_display()})
    if at >= case.merchant_deadline:
        raise StateConflict("case_not_pending", _("The decision window closed at %(deadline)s; the case is agreed "
                                                  "as requested.") % {"deadline": case.merchant_deadline})


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
    """The merchant confirms the returned parcel; the 48-hour refund clock starts."""
    at = _now(at)
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
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


# --- negotiation -----------------------------------------------------------------------------
def negotiation_propose(*, case_id: int, actor: Actor, type: str, amount: Decimal, return_address: str = "",
                        store_ids=None, at=None) -> Negotiation:
    """The one proposal per case (SPEC §3): pending, not fresh, amount ≤ request, a return
    needs its address; the buyer answers before min(now + 36h, case deadline)."""
    at = _now(at)
    amount = money(amount)
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        _check_decision_window(case, at)
        if Negotiation.objects.filter(case=case).exists():
            raise DomainError("negotiation_used", _("This case already had its one negotiation."))
        if case.order.product.category.is_fresh:
            raise DomainError("fresh_category", _("Fresh-food cases cannot be negotiated."))
        if amount > case.amount:
            raise DomainError("amount_above_request", _("The proposal is above the requested amount."),
                              fields={"amount": [str(_("At most %(amount)s.") % {"amount": case.amount})]})
        if type == RefundType.RETURN_REFUND and not return_address.strip():
            raise DomainError("return_address_required", _("A return proposal needs a return address."),
                              fields={"return_address": [str(_("Required for a return."))]})
        if type == case.type and amount == case.amount:
            raise DomainError("proposal_unchanged", _("The proposal must change the type or lower the amount."))
        policy = RefundPolicy.current()
        negotiation = Negotiation(
            case=case, type=type, amount=amount,
            return_address=return_address.strip() if type == RefundType.RETURN_REFUND else "",
            status=N.OPEN, proposed_at=at, proposed_by=actor.user,
            expires_at=min(at + dt.timedelta(hours=policy.negotiation_answer_hours), case.merchant_deadline))
        try:
            with transaction.atomic():
                _save_with_history(negotiation, actor, "proposed")
        except IntegrityError:
            raise DomainError("negotiation_used", _("This case already had its one negotiation."))
    return negotiation


def _lock_for_answer(negotiation_id: int, at) -> tuple[RefundCase, Negotiation]:
    case_id = Negotiation.objects.filter(pk=negotiation_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise DomainError("not_found", _("Negotiation not found."), status=404)
    case = _lock_case(case_id)
    negotiation = Negotiation.objects.select_for_update().get(pk=negotiation_id)
    if negotiation.status != N.OPEN or case.status != S.PENDING or at >= negotiation.expires_at:
        raise StateConflict("negotiation_closed", _("The negotiation is closed (answer window over or case "
                                                    "decided)."))
    return case, negotiation


def negotiation_accept(*, negotiation_id: int, actor: Actor, at=None) -> RefundCase:
    """The buyer accepts: the case becomes the proposal and is agreed, no merchant step."""
    at = _now(at)
    with transaction.atomic():
        case, negotiation = _lock_for_answer(negotiation_id, at)
        _negotiation_move(negotiation, N.ACCEPTED, actor=actor, at=at)
        return _agree(case, actor=actor, at=at, type_=negotiation.type, amount=negotiation.amount,
                      return_address=negotiation.return_address, conflict_code="negotiation_closed",
                      note="accepted the negotiation")


def negotiation_reject(*, negotiation_id: int, actor: Actor, at=None) -> RefundCase:
    """The buyer rejects: the case stays pending; the merchant must still decide."""
    at = _now(at)
    with transaction.atomic():
        case, negotiation = _lock_for_answer(negotiation_id, at)
        _negotiation_move(negotiation, N.REJECTED, actor=actor, at=at)
        return case


# --- buyer actions ---------------------------------------------------------------------------
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
        if at >= case.return_ship_deadline:
            raise StateConflict("invalid_state", _("The return-shipping window closed."))
        case.tracking_no = tracking_no
        case.return_shipped_at = at
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


# --- operator judgement ----------------------------------------------------------------------
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


# --- timeouts --------------------------------------------------------------------------------
@dataclass
class SweepResult:
    negotiations_expired: int = 0
    cases_auto_agreed: int = 0
    returns_closed: int = 0
    cases_auto_refunded: int = 0
    errors: int = 0


def _claim(case_id: int, **due) -> RefundCase | None:
    """Lock one due case, or None if another sweeper holds it or it is no longer due."""
    return RefundCase.objects.select_for_update(skip_locked=True).filter(pk=case_id, **due).first()


def _sweep(candidates, act, result: SweepResult, counter: str, batch_size: int):
    """Walk candidate case ids in batches; each case in its own transaction; an error on one
    case is logged and the rest continue."""
    last_id = 0
    while True:
        ids = list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        for case_id in ids:
            try:
                with transaction.atomic():
                    if act(case_id):
                        setattr(result, counter, getattr(result, counter) + 1)
            except Exception:
                result.errors += 1
                log.exception("refund timeouts: %s failed for refund case %s", counter, case_id)
        last_id = ids[-1]


def refund_timeouts_run(*, now=None, batch_size: int = 200) -> SweepResult:
    """The timeout sweep (SPEC §3), idempotent and safe to run concurrently:
    1. negotiations past their answer window expire (the case stays pending);
    2. pending cases past the merchant deadline are agreed as originally requested;
    3. agreed returns the buyer did not ship within the window are closed;
    4. received returns not refunded within 48 hours are refunded by the platform, and a
       pending after-sales-delay violation is opened for the store."""
    now = _now(now)
    actor = Actor.job("run_refund_timeouts")
    result = SweepResult()

    def expire_negotiation(case_id):
        case = _claim(case_id)
        if case is None:
            return False
        negotiation = Negotiation.objects.select_for_update().filter(case=case, status=N.OPEN,
                                                                     expires_at__lte=now).first()
        if negotiation is None:
            return False
        _negotiation_move(negotiation, N.EXPIRED, actor=actor, at=negotiation.expires_at)
        return True

    def auto_agree(case_id):
        case = _claim(case_id, status=S.PENDING, merchant_deadline__lte=now)
        if case is None:
            return False
        negotiation = _open_negotiation(case)
        if negotiation:
            _negotiation_move(negotiation, N.EXPIRED, actor=actor, at=case.merchant_deadline)
        _agree(case, actor=actor, at=case.merchant_deadline, type_=case.requested_type,
               amount=case.requested_amount, note="merchant did not decide in time: agreed as requested")
        return True

    def close_unreturned(case_id):
        case = _claim(case_id, status=S.AWAITING_RETURN, return_shipped_at__isnull=True,
                      return_ship_deadline__lte=now)
        if case is None:
            return False
        _case_move(case, "close_unreturned", actor=actor, note="return not shipped in time",
                   closed_at=case.return_ship_deadline)
        return True

    def auto_refund(case_id):
        case = _claim(case_id, status=S.RETURN_RECEIVED, refund_deadline__lte=now)
        if case is None:
            return False
        _case_move(case, "refund_return", actor=actor, note="merchant did not refund in time", refunded_at=now)
        order_record_refund(order_id=case.order_id, amount=case.amount, at=now, reference=f"refund_case:{case.pk}")
        violation_open(store=case.store, kind=Violation.Kind.AFTER_SALES_DELAY, occurred_at=case.refund_deadline,
                       detected_by=SWEEP_JOB, reference=f"refund_case:{case.pk}",
                       detail=f"Return received {case.return_received_at:%Y-%m-%d %H:%M} UTC, not refunded by "
                              f"{case.refund_deadline:%Y-%m-%d %H:%M} UTC.",
                       dedup_key=f"refund_case:{case.pk}:after_sales_delay")
        return True

    open_negotiations = Negotiation.objects.filter(status=N.OPEN, expires_at__lte=now).values("case_id")
    _sweep(RefundCase.objects.filter(pk__in=open_negotiations), expire_negotiation, result,
           "negotiations_expired", batch_size)
    _sweep(RefundCase.objects.filter(status=S.PENDING, merchant_deadline__lte=now), auto_agree, result,
           "cases_auto_agreed", batch_size)
    _sweep(RefundCase.objects.filter(status=S.AWAITING_RETURN, return_shipped_at__isnull=True,
                                     return_ship_deadline__lte=now), close_unreturned, result,
           "returns_closed", batch_size)
    _sweep(RefundCase.objects.filter(status=S.RETURN_RECEIVED, refund_deadline__lte=now), auto_refund, result,
           "cases_auto_refunded", batch_size)
    return result


# --- automation rules ------------------------------------------------------------------------
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
