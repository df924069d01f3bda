"""Contesting a returned parcel (SPEC §6, seed 003: returns with items missing or not resellable).

Within the 48 hours after confirming receipt (the refund window, *policy*; 48 h exactly is still
within: "以内" includes the number), instead of refunding, the merchant contests with a reason, a
statement and at least one evidence file of its own already on the case. The case becomes
`return_disputed`: no clock runs on that status (the sweep's refund clock selects
`return_received` only), so neither the platform's refund nor an after-sales-delay violation can
follow while it is disputed. The operator decides with a note: `full_refund` (the case amount
refunded), `partial_refund` (an amount above zero and below the case's, refunded; the rest is
not) or `no_refund` (the case is closed). Both moves emit their webhook events through the case's
transition function (refunds.events)."""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError, StateConflict
from config.money import money, yuan
from merchants.orders.services import order_record_refund

from ..models import Contest, ContestDecision, ContestReason, EvidenceFile, EvidenceSide, RefundCase
from .core import Actor, _case_move, _lock_case, _now, _save_with_history

S = RefundCase.Status
STATEMENT_MAX_LENGTH = 5000


def contest_window_open(case: RefundCase, at) -> bool:
    """Within the 48 hours after receipt, the end included: [received, refund deadline]."""
    return case.refund_deadline is not None and at <= case.refund_deadline


def refund_case_contest(*, case_id: int, actor: Actor, reason: str, statement: str, store_ids=None,
                        at=None) -> RefundCase:
    """The merchant contests a received return (409 `invalid_state` in any other status, 409
    `contest_window_closed` after the 48 hours, 400 `evidence_required` without a merchant file)."""
    at = _now(at)
    statement = (statement or "").strip()
    if reason not in ContestReason.values:
        raise DomainError("invalid", _("Unknown contest reason."), fields={"reason": [str(_("Not a valid choice."))]})
    if not statement:
        raise DomainError("invalid", _("A contest needs a statement."), fields={"statement": [str(_("Required."))]})
    if len(statement) > STATEMENT_MAX_LENGTH:
        raise DomainError("invalid", _("The statement is too long."),
                          fields={"statement": [str(_("At most %(n)s characters.") % {"n": STATEMENT_MAX_LENGTH})]})
    with transaction.atomic():
        case = _lock_case(case_id, store_ids=store_ids)
        if case.status != S.RETURN_RECEIVED:
            raise StateConflict("invalid_state", _("Only a received return can be contested; the case is %(status)s.")
                                % {"status": case.get_status_display()})
        if not contest_window_open(case, at):
            raise StateConflict("contest_window_closed", _("The 48 hours after receipt ended at %(deadline)s.")
                                % {"deadline": case.refund_deadline})
        if not EvidenceFile.objects.filter(evidence__case=case, evidence__side=EvidenceSide.MERCHANT).exists():
            raise DomainError("evidence_required", _("Add at least one evidence file to the case before contesting."))
        try:
            with transaction.atomic():
                contest = Contest(case=case, reason=reason, statement=statement, contested_at=at,
                                  contested_by=actor.user if getattr(actor.user, "pk", None) else None)
                _save_with_history(contest, actor, "contested")
        except IntegrityError:  # one contest per case (the OneToOne); the lock makes this unreachable
            raise StateConflict("invalid_state", _("This case was contested already."))
        case.contest = contest
        return _case_move(case, "contest", actor=actor, note=f"return contested ({reason})")


DECISION_EVENTS = {ContestDecision.FULL_REFUND: "decide_contest_full_refund",
                   ContestDecision.PARTIAL_REFUND: "decide_contest_partial_refund",
                   ContestDecision.NO_REFUND: "decide_contest_no_refund"}


def contest_refund_amount(case: RefundCase, decision: str, amount=None) -> Decimal:
    """What a decision refunds (the confirmation page previews it with this): the case amount,
    the operator's amount (above zero, below the case's), or nothing."""
    if decision == ContestDecision.FULL_REFUND:
        return case.amount
    if decision == ContestDecision.NO_REFUND:
        return Decimal("0.00")
    if amount in (None, ""):
        raise DomainError("amount_required", _("A partial refund needs an amount."),
                          fields={"amount": [str(_("Required for a partial refund."))]})
    amount = money(amount)
    if not Decimal("0") < amount < case.amount:
        raise DomainError("invalid_amount", _("A partial refund is above ¥0.00 and below the case amount %(amount)s.")
                          % {"amount": yuan(case.amount)},
                          fields={"amount": [str(_("Between ¥0.01 and %(max)s.")
                                                  % {"max": yuan(case.amount - Decimal("0.01"))})]})
    return amount


def refund_case_contest_decide(*, case_id: int, actor: Actor, decision: str, note: str, amount=None,
                               at=None) -> RefundCase:
    """The operator's decision on a contested return, with a note (kept on the contest and in the
    case history)."""
    at = _now(at)
    note = (note or "").strip()
    if decision not in DECISION_EVENTS:
        raise DomainError("invalid", _("Unknown decision."), fields={"decision": [str(_("Not a valid choice."))]})
    if not note:
        raise DomainError("note_required", _("A decision needs a note."), fields={"note": [str(_("Required."))]})
    with transaction.atomic():
        case = _lock_case(case_id)
        if case.status != S.RETURN_DISPUTED:
            raise StateConflict("invalid_state", _("The case is %(status)s, not a contested return.")
                                % {"status": case.get_status_display()})
        refunded = contest_refund_amount(case, decision, amount)
        contest = Contest.objects.select_for_update().get(case=case)
        contest.decision = decision
        contest.refunded_amount = refunded
        contest.decision_note = note
        contest.decided_at = at
        contest.decided_by = actor.user if getattr(actor.user, "pk", None) else None
        _save_with_history(contest, actor, f"decided: {decision}")
        case.contest = contest
        text = f"contest decided: {decision} {refunded}: {note}"
        if decision == ContestDecision.NO_REFUND:
            return _case_move(case, DECISION_EVENTS[decision], actor=actor, note=text, closed_at=at)
        _case_move(case, DECISION_EVENTS[decision], actor=actor, note=text, refunded_at=at)
        order_record_refund(order_id=case.order_id, amount=refunded, at=at, reference=f"refund_case:{case.pk}")
        return case
