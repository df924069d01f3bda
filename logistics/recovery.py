"""Settlement runs recover by themselves (issue "Hardening": jobs that recover).

A batch task is acknowledged late: when its worker process dies, the worker's parent re-queues it
at once. When the whole worker dies, Redis re-delivers the task only after its visibility timeout
(an hour). The watchdog closes that gap: a run is *stuck* when it is still running, has pending
batches queued more than SETTLEMENT_STUCK_MINUTES ago, and no batch of it finished within that time.
The sweep (beat, every 5 minutes; `manage.py settlement_watchdog`) queues those batches again. It is
idempotent: a batch locks its row and settles only while pending, so a late duplicate does nothing,
and a batch a live worker is settling right now is locked, so the sweep skips it."""
import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from config import timeutil

from .models import SettlementBatch, SettlementRun
from .settlement import settle_batch

log = logging.getLogger(__name__)


def _cutoff(now: dt.datetime | None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(minutes=settings.SETTLEMENT_STUCK_MINUTES)


def _overdue(cutoff: dt.datetime) -> Q:
    return Q(status=SettlementBatch.Status.PENDING) & (Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff))


def stuck_runs(*, now: dt.datetime | None = None) -> QuerySet[SettlementRun]:
    """Running runs with overdue pending batches and no batch finished since the cut-off."""
    cutoff = _cutoff(now)
    return (SettlementRun.objects.filter(status=SettlementRun.Status.RUNNING)
            .filter(Exists(SettlementBatch.objects.filter(_overdue(cutoff), run=OuterRef("pk"))))
            .exclude(Exists(SettlementBatch.objects.filter(run=OuterRef("pk"), finished_at__gte=cutoff)))
            .order_by("started_at", "pk"))


def needs_attention_q(now: dt.datetime | None = None) -> Q:
    """On SettlementRun: failed, or stuck (above): what the operators' first page counts."""
    return Q(status=SettlementRun.Status.FAILED) | Q(pk__in=stuck_runs(now=now).values("pk"))


def settlement_watchdog_sweep(*, now: dt.datetime | None = None) -> int:
    """Queue again the overdue pending batches of stuck runs; returns how many were queued."""
    now = now or timezone.now()
    cutoff = _cutoff(now)
    queued = 0
    for run in stuck_runs(now=now):
        with transaction.atomic():
            # SKIP LOCKED: a batch whose row is locked is being settled by a live worker right now.
            ids = list(SettlementBatch.objects.select_for_update(skip_locked=True)
                       .filter(_overdue(cutoff), run=run).order_by("number").values_list("pk", flat=True))
            if not ids:
                continue
            SettlementBatch.objects.filter(pk__in=ids).update(dispatched_at=now, dispatches=F("dispatches") + 1)
            for batch_id in ids:
                transaction.on_commit(lambda batch_id=batch_id: settle_batch.delay(batch_id))
        log.warning("settlement run %s (%s) made no progress for %s minutes: queued %s batches again",
                    run.pk, run.week_name, settings.SETTLEMENT_STUCK_MINUTES, len(ids))
        queued += len(ids)
    return queued


def settlement_health() -> dict:
    """For /healthz: not ok while a run is stuck (the watchdog should rescue it within minutes)."""
    runs = list(stuck_runs().values("pk", "week", "batches_done", "batches_total", "started_at"))
    return {"ok": not runs, "stuck_after_minutes": settings.SETTLEMENT_STUCK_MINUTES,
            "stuck_runs": [{"id": r["pk"], "week": timeutil.week_name(r["week"]), "batches_done": r["batches_done"],
                            "batches_total": r["batches_total"],
                            "started_at": timezone.localtime(r["started_at"]).isoformat()} for r in runs]}
