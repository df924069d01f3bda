"""The timeout sweep (SPEC §3 clocks): deadlines live on the rows, and each clock's due
condition is one function in refunds.selectors. The sweep is set-based (refunds/services/sweep.py:
a batch of due cases is claimed through its index and moved in a few statements); this module
holds its entry point and the one-case-at-a-time moves a failing batch falls back to, so a case
whose data makes its move fail is logged and left due while the rest of its batch moves."""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from merchants.models import Violation
from merchants.orders.services import order_record_refund
from merchants.violations.services import violation_open

from .. import selectors
from ..models import Negotiation, RefundCase
from .core import SWEEP_JOB, Actor, N, _agree, _case_move, _negotiation_move, _now, _open_negotiation, log

ACTOR = Actor.job("run_refund_timeouts")


@dataclass
class SweepResult:
    negotiations_expired: int = 0
    cases_auto_agreed: int = 0
    returns_closed: int = 0
    cases_auto_refunded: int = 0
    unconfirmed_returns_refunded: int = 0
    errors: int = 0


def _claim(case_id: int, due: Q = Q()) -> RefundCase | None:
    """Lock one due case, or None if another sweeper holds it or it is no longer due."""
    return RefundCase.objects.select_for_update(skip_locked=True).filter(due, pk=case_id).first()


def expire_negotiation_one(case_id: int, now, actor: Actor = ACTOR) -> bool:
    case = _claim(case_id)
    if case is None:
        return False
    negotiation = Negotiation.objects.select_for_update().filter(selectors.negotiation_expired_q(now),
                                                                 case=case).first()
    if negotiation is None:
        return False
    _negotiation_move(negotiation, N.EXPIRED, actor=actor, at=negotiation.expires_at)
    return True


def auto_agree_one(case_id: int, now, actor: Actor = ACTOR) -> bool:
    case = _claim(case_id, selectors.decision_due_q(now))
    if case is None:
        return False
    negotiation = _open_negotiation(case)
    if negotiation:
        _negotiation_move(negotiation, N.EXPIRED, actor=actor, at=case.merchant_deadline)
    _agree(case, actor=actor, at=case.merchant_deadline, type_=case.requested_type,
           amount=case.requested_amount, note="merchant did not decide in time: agreed as requested")
    return True


def close_unreturned_one(case_id: int, now, actor: Actor = ACTOR) -> bool:
    case = _claim(case_id, selectors.return_ship_due_q(now))
    if case is None:
        return False
    _case_move(case, "close_unreturned", actor=actor, note="return not shipped in time",
               closed_at=case.return_ship_deadline)
    return True


def after_sales_delay_detail(case: RefundCase) -> str:
    return (f"Return received {case.return_received_at:%Y-%m-%d %H:%M} UTC, not refunded by "
            f"{case.refund_deadline:%Y-%m-%d %H:%M} UTC.")


def auto_refund_one(case_id: int, now, actor: Actor = ACTOR) -> bool:
    case = _claim(case_id, selectors.refund_due_q(now))
    if case is None:
        return False
    _case_move(case, "refund_return", actor=actor, note="merchant did not refund in time", refunded_at=now)
    order_record_refund(order_id=case.order_id, amount=case.amount, at=now, reference=f"refund_case:{case.pk}")
    violation_open(store=case.store, kind=Violation.Kind.AFTER_SALES_DELAY, occurred_at=case.refund_deadline,
                   detected_by=SWEEP_JOB, reference=f"refund_case:{case.pk}", detail=after_sales_delay_detail(case),
                   dedup_key=f"refund_case:{case.pk}:after_sales_delay")
    return True


def sweep_one_at_a_time(clock: str, case_ids, *, now, result: SweepResult) -> None:
    """The fallback of a failing batch: each case in its own transaction; an error on one case
    is logged (with its id) and counted, the case stays due, and the rest continue."""
    from .sweep import CLOCKS, ONE_AT_A_TIME

    act, counter = ONE_AT_A_TIME[clock], CLOCKS[clock].counter
    for case_id in case_ids:
        try:
            with transaction.atomic():
                if act(case_id, now):
                    setattr(result, counter, getattr(result, counter) + 1)
        except Exception:
            result.errors += 1
            log.exception("refund timeouts: %s failed for refund case %s", counter, case_id)


def refund_timeouts_run(*, now=None, batch_size: int = 200) -> SweepResult:
    """The timeout sweep (SPEC §3), idempotent and safe to run concurrently, in this process
    (the management command, tests; Celery workers drain the same batches through
    `refunds.tasks`):
    1. negotiations past their answer window expire (the case stays pending);
    2. pending cases past the merchant deadline are agreed as originally requested;
    3. agreed returns the buyer did not ship within the window are closed;
    4. received returns not refunded within 48 hours are refunded by the platform, and a
       pending after-sales-delay violation is opened for the store;
    5. shipped returns the merchant did not confirm within 10 days are refunded by the platform,
       with no violation (refunds/returns.py)."""
    from .sweep import CLOCKS, clocks_due, sweep_clock

    now = _now(now)
    result = SweepResult()
    due = clocks_due(now)  # one statement; with nothing due, the whole sweep
    if not due:
        return result
    clocks = list(CLOCKS)
    # From the first due clock on, each clock is probed by its own claim: a clock's move can make
    # a later clock due in the same run (a case agreed late may be past its ship-back window too).
    for clock in clocks[clocks.index(due[0]):]:
        sweep_clock(clock, now=now, batch_size=batch_size, result=result)
    return result
