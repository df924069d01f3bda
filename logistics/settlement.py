"""Weekly settlement of the on-time shipping incentive (SPEC §4).

A run takes the stores that could have counted days in the week and not settled yet, splits them
into batches (one Celery task each) and records them. A batch, in one transaction: locks its row
(a re-delivered task finds it done and stops), computes every store's figures with ONE aggregate
query, bulk-inserts the results (ON CONFLICT DO NOTHING on the one-per-store-and-week unique
constraint), bulk-inserts the payouts (ledger entries with the idempotency key
`logistics:<store>:<week>` or ad-credit grants, unique per store and week), records history rows,
marks itself done and adds its totals to the run with F() updates; the batch that brings
`batches_done` to `batches_total` closes the run. There is no result backend and no chord: the
database is the coordinator. Running twice, concurrently, or after a worker died halfway leaves
exactly one result and one payout per store and week."""
import datetime as dt
import logging
import time
from decimal import Decimal

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states, timeutil
from config.api.errors import StateConflict
from config.language import platform_text
from config.money import money, rate, yuan
from merchants.ledger.services import ledger_post, ledger_post_many
from merchants.models import LedgerEntry, Violation
from merchants.webhooks.models import EventType
from merchants.webhooks.selectors import subscribers
from merchants.webhooks.services import event_emit_many

from . import selectors
from .models import (
    AdCreditGrant,
    IncentiveTier,
    LogisticsPolicy,
    PayoutMethod,
    SettlementBatch,
    SettlementRun,
    WeeklyResult,
)
from .payloads import LogisticsWeeklyResultOut

log = logging.getLogger(__name__)
JOB = "job: settle logistics incentives"


def previous_week(now: dt.datetime | None = None) -> dt.date:
    return timeutil.week_monday(timeutil.local_date(now or timezone.now())) - dt.timedelta(days=7)


def tiers_for_week(monday: dt.date) -> list[IncentiveTier]:
    """The dated tiers in force on the week's Monday, best first."""
    return list(IncentiveTier.objects.filter(valid_from__lte=monday)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=monday))
                .order_by("-per_parcel", "-min_daily_average"))


def evaluate(figures: selectors.WeekFigures, tiers: list[IncentiveTier]) -> dict:
    """Figures → result fields. Y = orders ÷ counted days and the rate are compared as exact
    fractions (orders ≥ Y_min × days, on-time ≥ rate_min × orders), never rounded first."""
    days, orders, on_time = figures.counted_days, figures.orders, figures.on_time_orders
    tier = None
    if days and orders:
        tier = next((t for t in tiers if orders >= t.min_daily_average * days
                     and on_time >= t.min_on_time_rate * orders), None)
    amount = money(tier.per_parcel * figures.parcels) if tier else Decimal("0.00")
    if figures.disqualified:
        status = WeeklyResult.Status.DISQUALIFIED
    elif amount > 0:
        status = WeeklyResult.Status.PAID
    else:
        status = WeeklyResult.Status.NO_INCENTIVE
    return {
        "counted_days": days, "orders": orders, "on_time_orders": on_time, "parcels": figures.parcels,
        "daily_average": money(Decimal(orders) / days) if days else None,
        "on_time_rate": rate(on_time, orders),
        "tier": tier.per_parcel if tier else None,
        "amount": amount if status == WeeklyResult.Status.PAID else Decimal("0.00"),
        "status": status,
    }


# --- runs -----------------------------------------------------------------------------------------
def settlement_start(*, week: dt.date, now: dt.datetime | None = None, triggered_by: str = "",
                     inline: bool = False) -> SettlementRun:
    """Settle a finished week (refused before its last deadline, Monday 20:00 local, has passed).

    `inline` processes the batches in this process (the command's default, tests); otherwise each
    batch is a Celery task so more workers settle faster."""
    run, batch_ids = settlement_prepare(week=week, now=now, triggered_by=triggered_by)
    if inline:
        for batch_id in batch_ids:
            settlement_batch_process(batch_id=batch_id)
    else:
        for batch_id in batch_ids:
            settle_batch.delay(batch_id)
    run.refresh_from_db()
    return run


def settlement_prepare(*, week: dt.date, now: dt.datetime | None = None,
                       triggered_by: str = "") -> tuple[SettlementRun, list[int]]:
    """Refuse an unfinished week, claw back what needs it, and record the run with its batches:
    the stores that could have counted days and are not settled yet, in sorted slices."""
    now = now or timezone.now()
    if now <= selectors.week_finishes_at(week):
        raise StateConflict("week_not_finished",
                            _("Week %(week)s cannot be settled before its last deadline, %(at)s.")
                            % {"week": timeutil.week_name(week),
                               "at": timeutil.local(selectors.week_finishes_at(week)).strftime("%Y-%m-%d %H:%M")})
    clawbacks = clawback_sweep(now=now)
    size = max(1, LogisticsPolicy.current().settlement_batch_size)
    store_ids = selectors.stores_to_settle(week)
    chunks = [store_ids[i:i + size] for i in range(0, len(store_ids), size)]
    with transaction.atomic():
        run = SettlementRun(week=week, started_at=now, triggered_by=triggered_by[:100],
                            batches_total=len(chunks), clawbacks=clawbacks)
        run._change_reason = JOB
        run.save()
        queued = timezone.now()  # real time, not the `now` a command may pretend: the watchdog's clock
        SettlementBatch.objects.bulk_create(
            [SettlementBatch(run=run, number=n + 1, store_ids=chunk, dispatched_at=queued, dispatches=1)
             for n, chunk in enumerate(chunks)])
        if not chunks:
            _finish(run.pk)
    log.info("settlement run %s for %s: %s stores in %s batches", run.pk, run.week_name, len(store_ids),
             len(chunks))
    return run, list(SettlementBatch.objects.filter(run=run).order_by("number").values_list("pk", flat=True))


def settlement_batch_process(*, batch_id: int) -> None:
    """Settle one batch exactly once; an error rolls the batch back and is recorded on the run."""
    try:
        with transaction.atomic():
            batch = (SettlementBatch.objects.select_for_update(of=("self",)).select_related("run")
                     .filter(pk=batch_id, status=SettlementBatch.Status.PENDING).first())
            if batch is None:
                return  # done already (a re-delivered task) or unknown
            if settings.SETTLEMENT_BATCH_TEST_PAUSE:  # 0 outside the worker-kill test
                time.sleep(settings.SETTLEMENT_BATCH_TEST_PAUSE)
            stores, parcels, total = _settle(batch)
            states.transition(batch, SettlementBatch.Status.DONE, reason=JOB, update_fields=[], stores=stores,
                              parcels=parcels, total=total, finished_at=timezone.now())
            _count(batch.run_id, stores=stores, parcels=parcels, total=total)
    except Exception as exc:  # recorded, the run goes on; a rerun settles what is left
        log.exception("settlement batch %s failed", batch_id)
        with transaction.atomic():
            updated = states.bulk_transition(
                SettlementBatch.objects.filter(pk=batch_id), SettlementBatch.Status.FAILED, reason=f"{JOB} — failed",
                error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now())
            if updated:
                run_id = SettlementBatch.objects.filter(pk=batch_id).values_list("run_id", flat=True).get()
                _count(run_id, failed=True, error=f"batch {batch_id}: {type(exc).__name__}: {exc}")


# The Celery task of one batch lives beside the function it runs, so that `settlement_start` and
# the watchdog (`recovery`) can queue it without importing `tasks` (which imports them). Acknowledged
# only once done, and re-queued when the worker process running it dies (the global settings say so
# too; stated here because settlement depends on it). Idempotent: a duplicate finds the batch done
# and returns.
@shared_task(name="logistics.tasks.settle_batch", acks_late=True, reject_on_worker_lost=True)
def settle_batch(batch_id: int):
    settlement_batch_process(batch_id=int(batch_id))


def _count(run_id: int, *, stores=0, parcels=0, total=Decimal("0.00"), failed=False, error="") -> None:
    """Add a finished batch to its run; the batch that completes the count closes the run. The
    run row is locked until this transaction commits, so exactly one batch sees itself last."""
    run = SettlementRun.objects.select_for_update().get(pk=run_id)
    SettlementRun.objects.filter(pk=run_id).update(
        batches_done=F("batches_done") + 1, batches_failed=F("batches_failed") + int(failed),
        stores=F("stores") + stores, parcels=F("parcels") + parcels, total=F("total") + total)
    if error:
        run.errors = (run.errors + "\n" + error).strip()[-10000:]
        run.save(update_fields=["errors"])
    run.refresh_from_db()
    if run.batches_done >= run.batches_total:
        _finish(run_id)


def _finish(run_id: int) -> None:
    run = SettlementRun.objects.select_for_update().get(pk=run_id)
    if run.status != SettlementRun.Status.RUNNING:
        return
    states.transition(run, SettlementRun.Status.FAILED if run.batches_failed else SettlementRun.Status.SUCCEEDED,
                      reason=JOB, finished_at=timezone.now())


def _settle(batch: SettlementBatch) -> tuple[int, int, Decimal]:
    """One aggregate query for the figures, then bulk writes. Returns what this batch settled."""
    run, week = batch.run, batch.run.week
    now = timezone.now()
    figures = selectors.week_figures(week, batch.store_ids)
    tiers = tiers_for_week(week)
    method = LogisticsPolicy.current().payout_method
    rows = []
    for f in figures:
        values = evaluate(f, tiers)
        if values["status"] == WeeklyResult.Status.PAID:
            values["payout"] = method
        rows.append(WeeklyResult(store_id=f.store_id, week=week, run=run, settled_at=now, **values))
    WeeklyResult.objects.bulk_create(rows, ignore_conflicts=True)
    # Ours are the rows this run inserted; a store another run settled first keeps its result. A
    # run's batches are disjoint ranges of the sorted store ids, so the range selects this batch.
    mine = WeeklyResult.objects.filter(week=week, run=run, store_id__gte=min(batch.store_ids),
                                       store_id__lte=max(batch.store_ids))
    stores = mine.count()
    if not stores:
        return 0, 0, Decimal("0.00")
    _history_rows(mine, now)
    paid = list(mine.filter(status=WeeklyResult.Status.PAID)
                .values_list("store_id", "amount", "parcels", "tier", "payout"))
    name = timeutil.week_name(week)
    # One statement per batch; the ledger's unique idempotency key means a payout can never be
    # posted twice, even by two runs racing.
    ledger_post_many(entries=[
        {"store_id": store_id, "kind": LedgerEntry.Kind.INCENTIVE, "amount": amount, "at": now,
         "idempotency_key": f"logistics:{store_id}:{name}", "reference": f"logistics-week:{name}",
         "memo": platform_text(_("on-time shipping incentive %(week)s: %(parcels)s parcels × %(tier)s"),
                               week=name, parcels=parcels, tier=yuan(tier))}
        for store_id, amount, parcels, tier, payout in paid if payout == PayoutMethod.CASH])
    grants = [AdCreditGrant(store_id=store_id, week=week, amount=amount, granted_at=now)
              for store_id, amount, parcels, tier, payout in paid if payout == PayoutMethod.AD_CREDIT]
    if grants:
        AdCreditGrant.objects.bulk_create(grants, ignore_conflicts=True)
    _emit_week_settled(mine, now)
    return stores, sum(p[2] for p in paid), sum((p[1] for p in paid), Decimal("0.00"))


def _emit_week_settled(mine, now) -> None:
    """`logistics.week_settled` for each store of the batch that subscribed (SPEC §5), in the
    batch's transaction: one query when nobody listens, two more when someone does."""
    listening = subscribers(store_ids=mine.values_list("store_id", flat=True), type=EventType.LOGISTICS_WEEK_SETTLED)
    if listening:
        event_emit_many(events=[(r.store_id, EventType.LOGISTICS_WEEK_SETTLED, LogisticsWeeklyResultOut(r).data)
                                for r in mine.filter(store_id__in=listening)], at=now)


def _history_rows(queryset, now) -> None:
    """History rows for bulk-inserted results (simple_history records nothing for bulk_create),
    written by one INSERT … SELECT instead of building an object per row."""
    history = WeeklyResult.history.model
    columns = [f.column for f in WeeklyResult._meta.concrete_fields]
    select_sql, params = queryset.values_list(*[f.attname for f in WeeklyResult._meta.concrete_fields]) \
        .query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({target}, history_date, history_change_reason, "
            f"history_type, history_user_id) SELECT src.*, %s, %s, %s, NULL FROM ({select_sql}) src",
            [connection.ops.adapt_datetimefield_value(now), JOB, "+", *params])


# --- claw-backs and reinstatements ---------------------------------------------------------------
REVIEW_WEEKS = 26  # how far back revoked violations still reinstate a payout


def _disqualified_weeks(store_ids, first_week: dt.date, last_week: dt.date) -> set[tuple[int, dt.date]]:
    """(store, week) pairs with a fake-transactions or fake-shipping violation that occurred in the
    week and is confirmed now. Violations are few: read them, map each to its week."""
    start, _end = timeutil.week_bounds(first_week)
    _start, end = timeutil.week_bounds(last_week)
    pairs = (Violation.objects.filter(kind__in=selectors.DISQUALIFYING_KINDS, status=Violation.Status.CONFIRMED,
                                      store_id__in=store_ids, occurred_at__gte=start, occurred_at__lt=end)
             .values_list("store_id", "occurred_at"))
    return {(store_id, timeutil.week_monday(timeutil.local_date(at))) for store_id, at in pairs}


def adjustment_candidates(now: dt.datetime) -> tuple[list[int], list[int]]:
    """(paid results to claw back, disqualified results to reinstate), in three queries."""
    paid_stores = (Violation.objects.filter(kind__in=selectors.DISQUALIFYING_KINDS, status=Violation.Status.CONFIRMED,
                                            store__logistics_results__status=WeeklyResult.Status.PAID)
                   .values_list("store_id", "occurred_at").distinct())
    q = Q()
    for store_id, occurred_at in paid_stores:
        q |= Q(store_id=store_id, week=timeutil.week_monday(timeutil.local_date(occurred_at)))
    clawback = list(WeeklyResult.objects.filter(q, status=WeeklyResult.Status.PAID).values_list("pk", flat=True)) \
        if q else []
    since = timeutil.week_monday(timeutil.local_date(now)) - dt.timedelta(weeks=REVIEW_WEEKS)
    blocked = list(WeeklyResult.objects.filter(status=WeeklyResult.Status.DISQUALIFIED, tier__isnull=False,
                                               parcels__gt=0, week__gte=since)
                   .values_list("pk", "store_id", "week"))
    if not blocked:
        return clawback, []
    still = _disqualified_weeks({s for _pk, s, _w in blocked}, min(w for *_x, w in blocked),
                                max(w for *_x, w in blocked))
    return clawback, [pk for pk, store_id, week in blocked if (store_id, week) not in still]


def weekly_result_transition(*, result: WeeklyResult, to: str, reason: str) -> WeeklyResult:
    """The one way a weekly result changes status; illegal moves are refused (409)."""
    return states.transition(result, to, reason=reason,
                             message=lambda r, to: _("A %(status)s result cannot become %(to)s.")
                             % {"status": r.get_status_display(), "to": to})


def _claw_back(result: WeeklyResult, now: dt.datetime) -> None:
    name = timeutil.week_name(result.week)
    result.clawed_back_at = now
    result.clawbacks += 1
    weekly_result_transition(result=result, to=WeeklyResult.Status.DISQUALIFIED,
                             reason="rule: claw back incentive after a confirmed violation")
    if result.payout == PayoutMethod.CASH:
        suffix = "" if result.clawbacks == 1 else f":{result.clawbacks}"
        ledger_post(store=result.store, kind=LedgerEntry.Kind.INCENTIVE_REVERSAL, amount=-result.amount, at=now,
                    idempotency_key=f"{result.ledger_key}:clawback{suffix}", reference=f"logistics-week:{name}",
                    memo=platform_text(_("claw-back of the on-time shipping incentive %(week)s: violation confirmed"),
                                      week=name))
    else:
        for grant in AdCreditGrant.objects.select_for_update().filter(store_id=result.store_id, week=result.week,
                                                                      revoked_at__isnull=True):
            grant.revoked_at = now
            grant._change_reason = "rule: claw back incentive after a confirmed violation"
            grant.save()


def _reinstate(result: WeeklyResult, now: dt.datetime) -> None:
    """Every disqualifying violation of the week was revoked: pay (again) what the week earned."""
    name = timeutil.week_name(result.week)
    first_payout = result.payout is None
    if first_payout:  # disqualified at settlement: never paid
        result.amount = money(result.tier * result.parcels)
        result.payout = LogisticsPolicy.current().payout_method
    weekly_result_transition(result=result, to=WeeklyResult.Status.PAID,
                             reason="rule: reinstate incentive after the violation was revoked")
    if result.payout == PayoutMethod.CASH:
        key = result.ledger_key if first_payout else f"{result.ledger_key}:reinstated:{result.clawbacks}"
        ledger_post(store=result.store, kind=LedgerEntry.Kind.INCENTIVE, amount=result.amount, at=now,
                    idempotency_key=key, reference=f"logistics-week:{name}",
                    memo=platform_text(_("on-time shipping incentive %(week)s: disqualifying violation revoked"),
                                      week=name))
    else:
        grant, created = AdCreditGrant.objects.select_for_update().get_or_create(
            store_id=result.store_id, week=result.week, defaults={"amount": result.amount, "granted_at": now})
        if not created and grant.revoked_at is not None:
            grant.revoked_at = None
            grant._change_reason = "rule: reinstate incentive after the violation was revoked"
            grant.save()


def clawback_sweep(*, now: dt.datetime | None = None) -> int:
    """Claw back payouts a later-confirmed violation disqualifies (a ledger debit, or the ad-credit
    grant revoked), and pay again weeks whose disqualifying violations were all revoked since
    (SPEC: revoking a violation reverses what it applied). One small transaction per result,
    re-checked under its row lock; an error is logged and the rest go on. Idempotent: ledger keys
    are unique and each result changes only from the status the rule expects."""
    now = now or timezone.now()
    clawback, reinstate = adjustment_candidates(now)
    done = 0
    for pk, expected, apply in [(pk, WeeklyResult.Status.PAID, _claw_back) for pk in clawback] + \
            [(pk, WeeklyResult.Status.DISQUALIFIED, _reinstate) for pk in reinstate]:
        try:
            with transaction.atomic():
                result = (WeeklyResult.objects.select_for_update(skip_locked=True, of=("self",))
                          .filter(pk=pk, status=expected).select_related("store").first())
                if result is None:
                    continue
                disqualified = (result.store_id, result.week) in _disqualified_weeks(
                    [result.store_id], result.week, result.week)
                if disqualified != (expected == WeeklyResult.Status.PAID):
                    continue  # the violation changed meanwhile
                apply(result, now)
                done += 1
        except Exception:
            log.exception("incentive adjustment of weekly result %s failed", pk)
    return done
