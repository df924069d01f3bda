"""When the timeout sweep runs (SPEC §3 clocks): deadlines live on the rows, and each clock's due
condition is one function in refunds.selectors. `refund_timeouts_run` sweeps every clock in this
process (the management command, tests, the demo); `refund_timeouts_dispatch` is the beat's
minute, cutting each due clock into ranges for the workers. How a batch is claimed and moved is
refunds/services/sweep.py."""
from collections.abc import Callable

from django.utils import timezone

from .core import _now, log
from .sweep import CLOCKS, SweepResult, clocks_due, due_rows, sweep_clock

# (clock, now as ISO 8601 or None, batch size, since as ISO 8601, until as ISO 8601 or None) -> None
Enqueue = Callable[[str, str | None, int, str, str | None], None]


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


def refund_timeouts_dispatch(*, enqueue: Enqueue, now=None, batch_size: int = 500, max_batches: int = 200) -> dict:
    """The beat's minute: which clocks have anything due (one statement), then per due clock the
    deadlines of its due rows (one index scan, at most `batch_size × max_batches`), cut into
    ranges of `batch_size` rows, each handed to `enqueue` (the caller's queue: refunds.tasks
    passes one that queues a `sweep_refund_clock` task per range for the Celery workers).
    Disjoint ranges keep workers off each other's rows and each claim's index scan at its own
    range. Exactly-once does not rest on the dispatch: each task claims its rows (SKIP LOCKED, due
    re-checked), so a task queued twice, or left over from the previous minute, finds them moved
    and costs one probe; the last range is open-ended, so rows past the cap are swept too.
    Returns the due counts dispatched, per counter, and the number of ranges."""
    moment = now.isoformat() if now else None
    at = now or timezone.now()
    counts = {spec.counter: 0 for spec in CLOCKS.values()} | {"batches": 0}
    for clock in clocks_due(at):
        spec = CLOCKS[clock]
        deadlines = list(due_rows(clock, at).values_list(spec.deadline, flat=True)[:batch_size * max_batches])
        bounds = deadlines[::batch_size]
        for lo, hi in zip(bounds, [*bounds[1:], None]):
            if lo != hi:  # equal bounds: an empty range, its rows are in the next one
                enqueue(clock, moment, batch_size, lo.isoformat(), hi and hi.isoformat())
                counts["batches"] += 1
        counts[spec.counter] = len(deadlines)
    if counts["batches"]:
        log.info("refund timeouts: dispatched %s", counts)
    return counts
