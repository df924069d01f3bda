"""The negotiation tool (协商, 代客修改退款单, SPEC §3): one proposal per case, ever; the
buyer accepts (the case becomes the proposal, agreed) or rejects it (the case stays pending)."""
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError, StateConflict
from config.money import money
from merchants.stores.selectors import category_is

from ..models import Negotiation, RefundCase, RefundPolicy, RefundType
from .core import Actor, N, S, _agree, _check_decision_window, _lock_case, _negotiation_move, _now, _save_with_history


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
        if category_is("is_fresh", case.order.product.category_id):
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
