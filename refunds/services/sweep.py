"""The set-based timeout sweep (issue 16, decision 0032). Each clock of SPEC §3 is swept in
batches:

1. **claim** — one statement locks up to `batch_size` due rows through the clock's index,
   oldest deadline first, `FOR UPDATE SKIP LOCKED`: two sweepers (threads, Celery workers)
   never take the same case, and a case another transaction holds (a merchant acting on it)
   is left for the next batch. The due condition is the clock's `*_due_q` in refunds.selectors,
   re-checked by PostgreSQL on the locked row, so a case moved meanwhile is not claimed.
2. **apply** — the whole batch moves in a few statements: `config.states.bulk_transition` (one
   UPDATE, one history INSERT per target), `order_record_refunds` (orders, their history and
   ledger debits), `violation_open_many` (after-sales-delay violations, idempotent on their
   dedup key) and the webhook events in bulk.
3. **fallback** — if the batch fails, it is rolled back and its cases go one at a time through
   the same claim and the same moves with one id each (`sweep_one_at_a_time`): each timeout
   outcome is written once, and the case that fails is logged and stays due, the others move.

With nothing due a clock costs its claim statement: one index probe, whatever the table size.
When the sweep runs (the command, the beat's dispatch) is refunds/services/timeouts.py."""
import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery

from config import sql, states
from merchants.models import Violation
from merchants.orders.services import order_record_refunds
from merchants.violations.services import violation_open_many

from .. import events, selectors
from ..models import Negotiation, RefundCase, RefundPolicy, RefundRules, RefundType
from .core import SWEEP_JOB, Actor, N, _reason, log

ACTOR = Actor.job("run_refund_timeouts")


@dataclass
class SweepResult:
    negotiations_expired: int = 0
    cases_auto_agreed: int = 0
    returns_closed: int = 0
    cases_auto_refunded: int = 0
    unconfirmed_returns_refunded: int = 0
    errors: int = 0


AGREE_NOTE = "merchant did not decide in time: agreed as requested"
UNCONFIRMED_NOTE = "merchant did not confirm the returned parcel in time"


@dataclass(frozen=True)
class Clock:
    counter: str       # the SweepResult field it counts in
    due: object        # (now) -> Q, the one rule in refunds.selectors
    deadline: str      # the column its index orders the due rows by


CLOCKS = {
    "negotiation_expiry": Clock("negotiations_expired", selectors.negotiation_expired_q, "expires_at"),
    "decision": Clock("cases_auto_agreed", selectors.decision_due_q, "merchant_deadline"),
    "return_ship": Clock("returns_closed", selectors.return_ship_due_q, "return_ship_deadline"),
    "refund": Clock("cases_auto_refunded", selectors.refund_due_q, "refund_deadline"),
    "receipt_confirm": Clock("unconfirmed_returns_refunded", selectors.receipt_confirm_due_q,
                             "receipt_confirm_deadline"),
}


def due_rows(clock: str, now):
    """The due rows of a clock, oldest deadline first (the order its index keeps): negotiations
    for `negotiation_expiry`, refund cases for the others."""
    spec = CLOCKS[clock]
    model = Negotiation if clock == "negotiation_expiry" else RefundCase
    return model.objects.filter(spec.due(now)).order_by(spec.deadline)


def clocks_due(now) -> list[str]:
    """The clocks with anything due, in one statement of one `EXISTS` index probe per clock (a
    sweep with nothing due costs this one round trip)."""
    parts, params = [], []
    for clock in CLOCKS:
        sql, args = due_rows(clock, now).values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS({sql})")
        params.extend(args)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [clock for clock, due in zip(CLOCKS, cursor.fetchone()) if due]


def _in_range(rows, clock: str, since, until):
    deadline = CLOCKS[clock].deadline
    if since is not None:
        rows = rows.filter(**{f"{deadline}__gte": since})
    return rows if until is None else rows.filter(**{f"{deadline}__lt": until})


def claim(clock: str, now, *, limit: int, exclude=(), since=None, until=None, ids=None) -> tuple[list[int], object]:
    """Lock up to `limit` due cases of the clock with a deadline in [since, until) (inside the
    caller's transaction), skipping rows another transaction holds; returns their ids and the
    last deadline claimed (None: nothing due), where the next claim starts. Starting there, not
    at the oldest deadline, keeps the index scan from walking again over the entries of the rows
    already moved (dead until vacuum): without it a long backlog costs quadratic time. A
    negotiation is claimed with its case (the case is what every other path locks first; SKIP
    LOCKED never waits, so no deadlock).

    `ids`: only those cases, still due, in primary-key order (`sweep_clock`'s slices of the due
    ids, and one id at a time for a failed batch)."""
    deadline = CLOCKS[clock].deadline
    rows = _in_range(due_rows(clock, now), clock, since, until).select_for_update(skip_locked=True)
    case = "pk" if clock != "negotiation_expiry" else "case_id"
    if ids is not None:
        rows = rows.filter(_of_ids(ids, case)).order_by("pk")
    if exclude:
        rows = rows.exclude(_of_ids(exclude, case))
    claimed = list(rows.values_list(case, deadline)[:limit])
    if clock != "negotiation_expiry":
        return [pk for pk, _ in claimed], (claimed[-1][1] if claimed else None)
    if not claimed:
        return [], None
    return (list(RefundCase.objects.select_for_update(skip_locked=True).filter(_of_ids([c for c, _ in claimed]))
                 .values_list("pk", flat=True)), claimed[-1][1])


def _of_ids(ids, field: str = "pk") -> Q:
    """The sweep's batches, bound the project's one way (`config.sql.ids_q`)."""
    return sql.ids_q(field, ids)


def _move(ids, event: str, note: str = "", **fields) -> list[int]:
    """The claimed cases `ids` (locked by this batch's claim) that the event allows, moved: one
    UPDATE with their history rows, no second locking read."""
    if not ids:
        return []
    sources, target = RefundCase.EVENTS[event]
    return states.bulk_transition(RefundCase.objects.filter(_of_ids(ids)), target, sources=sources,
                                  reason=_reason(ACTOR, note), locked=True, **fields)


def _cases(ids) -> list[RefundCase]:
    """The moved cases, read back in id order for their orders, events and violations."""
    return list(RefundCase.objects.filter(_of_ids(ids)).order_by("pk"))


def _refund_orders(cases, at=None) -> None:
    order_record_refunds(refunds=[{"order_id": c.order_id, "amount": c.amount, "at": at or c.refunded_at,
                                   "reference": f"refund_case:{c.pk}"} for c in cases])


def _expire_negotiations(ids, now) -> int:
    due = Negotiation.objects.filter(selectors.negotiation_expired_q(now), _of_ids(ids, "case_id"))
    moved = states.bulk_transition(due, N.EXPIRED, reason=_reason(ACTOR), closed_at=F("expires_at"))
    events.negotiations_answered(Negotiation.objects.filter(_of_ids(moved)).select_related("case"))
    return len(moved)


def _auto_agree(ids, now) -> int:
    """Agreed as originally requested at the deadline (refunds.services.core._agree, by set):
    refund-only cases are refunded; returns take the store's default address, or wait for one
    (SPEC decisions); an open negotiation closes as expired at the deadline."""
    rows = list(RefundCase.objects.filter(_of_ids(ids)).values_list("pk", "store_id", "requested_type"))
    with_address = set(RefundRules.objects.filter(_of_ids({store for _, store, _ in rows}, "store_id"))
                       .exclude(return_address="").values_list("store_id", flat=True))
    refund_only = [pk for pk, _, type_ in rows if type_ == RefundType.REFUND_ONLY]
    returns = [pk for pk, store, type_ in rows if type_ != RefundType.REFUND_ONLY and store in with_address]
    unaddressed = [pk for pk, store, type_ in rows if type_ != RefundType.REFUND_ONLY and store not in with_address]
    deadline = Subquery(RefundCase.objects.filter(pk=OuterRef("case_id")).values("merchant_deadline")[:1])
    expired = states.bulk_transition(Negotiation.objects.filter(_of_ids(ids, "case_id"), status=N.OPEN), N.EXPIRED,
                                     reason=_reason(ACTOR), closed_at=deadline)
    events.negotiations_answered(Negotiation.objects.filter(_of_ids(expired)).select_related("case"))
    agreed = {"type": F("requested_type"), "amount": F("requested_amount"), "decided_at": F("merchant_deadline")}
    refunded = _cases(_move(refund_only, "agree_refund_only", AGREE_NOTE, refunded_at=F("merchant_deadline"), **agreed))
    _refund_orders(refunded)
    events.cases_moved(refunded, "agree_refund_only")
    days = dt.timedelta(days=RefundPolicy.current().return_ship_days) if returns else None
    address = Subquery(RefundRules.objects.filter(store_id=OuterRef("store_id")).values("return_address")[:1])
    moved = _move(returns, "agree_return", AGREE_NOTE, return_address=address,
                  return_address_set_at=F("merchant_deadline"), return_ship_deadline=F("merchant_deadline") + days,
                  **agreed) if returns else []
    moved += _move(unaddressed, "agree_return", f"{AGREE_NOTE}; no return address", return_address="",
                   return_ship_deadline=None, **agreed) if unaddressed else []
    events.cases_moved(_cases(moved), "agree_return")
    return len(refunded) + len(moved)


def _close_unreturned(ids, now) -> int:
    return len(_move(ids, "close_unreturned", "return not shipped in time", closed_at=F("return_ship_deadline")))


def _auto_refund(ids, now) -> int:
    cases = _cases(_move(ids, "refund_return", "merchant did not refund in time", refunded_at=now))
    _refund_orders(cases)
    events.cases_moved(cases, "refund_return")
    violation_open_many(findings=[
        {"store_id": c.store_id, "kind": Violation.Kind.AFTER_SALES_DELAY, "occurred_at": c.refund_deadline,
         "detected_by": SWEEP_JOB, "reference": f"refund_case:{c.pk}", "detail": after_sales_delay_detail(c),
         "dedup_key": f"refund_case:{c.pk}:after_sales_delay"} for c in cases])
    return len(cases)


def refund_unconfirmed_returns(ids, now) -> int:
    """Returned parcel never confirmed (SPEC decisions): shipped returns the merchant did not
    confirm within 10 days (policy) are refunded to the buyer by the sweep, with no violation."""
    cases = _cases(_move(ids, "refund_unconfirmed_return", UNCONFIRMED_NOTE, refunded_at=now))
    _refund_orders(cases)
    events.cases_moved(cases, "refund_unconfirmed_return")
    return len(cases)


APPLY = {"negotiation_expiry": _expire_negotiations, "decision": _auto_agree, "return_ship": _close_unreturned,
         "refund": _auto_refund, "receipt_confirm": refund_unconfirmed_returns}


def after_sales_delay_detail(case: RefundCase) -> str:
    return (f"Return received {case.return_received_at:%Y-%m-%d %H:%M} UTC, not refunded by "
            f"{case.refund_deadline:%Y-%m-%d %H:%M} UTC.")


def _count(result: SweepResult, clock: str, moved: int) -> None:
    counter = CLOCKS[clock].counter
    setattr(result, counter, getattr(result, counter) + moved)


def sweep_batch(clock: str, *, now, batch_size: int, result: SweepResult, exclude=(), since=None,
                until=None, of=None) -> tuple[list[int], object]:
    """Claim one batch of the clock (among the ids `of`, if given) and move it; a failing batch is
    rolled back and its cases go one at a time. Returns the claimed ids and the last deadline
    claimed (None: nothing due)."""
    ids, last = [], None
    try:
        with transaction.atomic():
            ids, last = claim(clock, now, limit=batch_size, exclude=exclude, since=since, until=until, ids=of)
            moved = APPLY[clock](ids, now) if ids else 0
    except Exception:
        if not ids:
            raise
        log.warning("refund timeouts: a batch of %s %s cases failed; moving them one at a time", len(ids), clock,
                    exc_info=True)
        sweep_one_at_a_time(clock, ids, now=now, result=result)
        return ids, last
    _count(result, clock, moved)
    return ids, last


def sweep_one_at_a_time(clock: str, case_ids, *, now, result: SweepResult) -> None:
    """The fallback of a failing batch: each case in its own transaction, through the same claim
    and moves as a batch of one, so there is no second way to time a case out. An error on one case
    is logged (with its id) and counted, the case stays due, and the rest continue."""
    for case_id in case_ids:
        try:
            with transaction.atomic():
                ids, _last = claim(clock, now, limit=1, ids=[case_id])
                moved = APPLY[clock](ids, now) if ids else 0
        except Exception:
            result.errors += 1
            log.exception("refund timeouts: %s failed for refund case %s", CLOCKS[clock].counter, case_id)
            continue
        _count(result, clock, moved)


def due_ids(clock: str, now, *, since=None, until=None) -> list[int]:
    """The ids of a refund-case clock's due cases with a deadline in [since, until), in primary-key
    order: one scan of the clock's index."""
    return list(_in_range(due_rows(clock, now), clock, since, until).order_by("pk").values_list("pk", flat=True))


def sweep_clock(clock: str, *, now, batch_size: int, result: SweepResult, since=None, until=None) -> None:
    """Batches of the clock, deadlines in [since, until), until none is due. A case that failed on
    its own in this sweep is not claimed again by it (it stays due for the next sweep); a row
    another sweeper holds is its to move.

    Refund cases are moved in primary-key order: one statement lists the due ids, then each batch
    claims the next `batch_size` of them (still due, SKIP LOCKED). Due cases are scattered over
    the table (their deadlines follow no physical order); taken oldest deadline first, every batch
    of 500 read and wrote 500 pages spread over the whole heap and over each index that follows
    the id (primary key, order, buyer), which stop fitting the buffers as the table grows: 10×
    the cases cost 20× the time (issue 16). In id order consecutive batches touch neighbouring
    pages. A pass that claimed every id it listed ends the clock: moving a case never makes another
    due on the same clock, and what an earlier clock of the run made due was listed already. A pass
    that left some (held by another transaction, or moved meanwhile) lists the due ids again, until
    a pass claims nothing. Listing again after a complete pass walked the index entries of every
    row just moved (dead until vacuum), one heap visit each: at 1,000,000 cases a tenth of the sweep.

    Negotiations are claimed oldest deadline first, each claim starting at the last deadline the
    previous one took (rows moved meanwhile are no longer due, so ties are safe)."""
    if clock != "negotiation_expiry":
        return _sweep_in_id_order(clock, now=now, batch_size=batch_size, result=result, since=since, until=until)
    failed_before = result.errors
    tried: set[int] = set()
    while True:
        ids, last = sweep_batch(clock, now=now, batch_size=batch_size, result=result, exclude=tried, since=since,
                                until=until)
        if last is None:
            return
        since = last
        if result.errors != failed_before:  # remember this batch's ids so a failing case is not claimed again
            tried.update(ids)
            failed_before = result.errors


def _sweep_in_id_order(clock: str, *, now, batch_size: int, result: SweepResult, since, until) -> None:
    failed_before = result.errors
    tried: set[int] = set()
    while True:
        ids = [pk for pk in due_ids(clock, now, since=since, until=until) if pk not in tried]
        claimed_any, claimed_all = False, True
        for start in range(0, len(ids), batch_size):
            listed = ids[start:start + batch_size]
            claimed, _last = sweep_batch(clock, now=now, batch_size=batch_size, result=result, since=since,
                                         until=until, of=listed)
            claimed_any = claimed_any or bool(claimed)
            claimed_all = claimed_all and len(claimed) == len(listed)
            if result.errors != failed_before:  # this batch's ids are not claimed again
                tried.update(claimed)
                failed_before = result.errors
        if not claimed_any or claimed_all:
            return
