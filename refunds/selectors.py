"""Reads for refunds: the clocks of SPEC §3 (when a case or negotiation is due), the four KPIs
and the dispute/return rates the credit score uses. Everything is SQL aggregation: one query
per call, whatever the number of stores or cases (each KPI is a correlated aggregate subquery
on the store row)."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from config import timeutil
from config.money import rate
from merchants.credit.bulk import provider_values
from merchants.models import Order, Store

from .models import Negotiation, RefundCase, RefundPolicy, RefundType, return_address_missing_q

HOURS = Decimal("0.01")
WINDOW_DAYS = 30
S = RefundCase.Status


# --- clocks: each one rule, used by the timeout sweep (services) and the admin's filters ------------
# A deadline is the first instant the window is closed (windows are half-open [start, deadline)),
# so a clock is due at its deadline itself.
def negotiation_expired_q(at) -> Q:
    """On Negotiation: an open proposal whose answer window (min(proposed + 36 h, case deadline))
    has closed at `at`; the sweep expires it and the case stays pending."""
    return Q(status=Negotiation.Status.OPEN, expires_at__lte=at)


def decision_due_q(at) -> Q:
    """On RefundCase: pending past the merchant's 36-hour decision deadline at `at`; the sweep
    agrees it as originally requested."""
    return Q(status=S.PENDING, merchant_deadline__lte=at)


def return_ship_due_q(at) -> Q:
    """On RefundCase: an agreed return the buyer has not shipped back within the 7-day window at
    `at`; the sweep closes the case."""
    return Q(status=S.AWAITING_RETURN, return_shipped_at__isnull=True, return_ship_deadline__lte=at)


def refund_due_q(at) -> Q:
    """On RefundCase: a received return the merchant has not refunded within 48 hours at `at`;
    the sweep refunds it and opens an after-sales-delay violation."""
    return Q(status=S.RETURN_RECEIVED, refund_deadline__lte=at)


DUE_SOON_HOURS = 6


def due_soon_q(at) -> Q:
    """On RefundCase: pending, the merchant's decision deadline within the next 6 hours at `at`
    (the operators' "due soon" worklist; not yet overdue)."""
    return Q(status=S.PENDING, merchant_deadline__gt=at, merchant_deadline__lte=at + dt.timedelta(hours=DUE_SOON_HOURS))


def receipt_confirm_due_q(at) -> Q:
    """On RefundCase: a return the buyer shipped whose receipt the merchant has not confirmed
    within 10 days (policy) at `at`; the sweep refunds the buyer, with no violation (SPEC
    decisions)."""
    return Q(status=S.AWAITING_RETURN, return_shipped_at__isnull=False, receipt_confirm_deadline__lte=at)


def case_overdue_q(at) -> Q:
    """On RefundCase: any of the case's own clocks has run out at `at` and the sweep has not
    applied it yet (or keeps failing)."""
    return decision_due_q(at) | return_ship_due_q(at) | receipt_confirm_due_q(at) | refund_due_q(at)


def kpi_window(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the 30 local days ending on `as_of`, inclusive."""
    return (timeutil.local_midnight(as_of - dt.timedelta(days=WINDOW_DAYS - 1)),
            timeutil.local_midnight(as_of + dt.timedelta(days=1)))


def _count(qs):
    return Coalesce(Subquery(qs.order_by().values("store").annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def _duration(qs, start: str = "opened_at", end: str = "refunded_at"):
    spent = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
    return Subquery(qs.order_by().values("store").annotate(d=Sum(spent)).values("d")[:1],
                    output_field=DurationField())


def kpi_case_q(*, start: dt.datetime, end: dt.datetime, reasons: list[str]) -> dict[str, Q]:
    """Which cases each KPI counts over [start, end) (SPEC decisions, KPI windows): the
    product-experience rate counts cases *opened* in the window (first on their order, a policy
    reason); the completion hours cases *refunded* in it (wherever they were opened, never
    escalated, by final type); the dispute rate cases *judged* seller-responsible in it. One
    definition for the per-store KPIs and the platform's."""
    completed = Q(status=RefundCase.Status.REFUNDED, refunded_at__gte=start, refunded_at__lt=end,
                  escalated_at__isnull=True)
    return {"experience": Q(opened_at__gte=start, opened_at__lt=end, first_on_order=True, reason__in=reasons),
            "refund_only": completed & Q(type=RefundType.REFUND_ONLY),
            "returns": completed & Q(type=RefundType.RETURN_REFUND),
            "seller": Q(judgement=RefundCase.Judgement.SELLER, judged_at__gte=start, judged_at__lt=end)}


def kpi_annotations(*, start: dt.datetime, end: dt.datetime, reasons: list[str]) -> dict:
    """Annotations for a Store queryset: the KPI numerators and denominators for [start, end)
    (cases by `kpi_case_q`, orders by `paid_at`)."""
    cases = RefundCase.objects.filter(store=OuterRef("pk"))
    q = kpi_case_q(start=start, end=end, reasons=reasons)
    orders = Order.objects.filter(store=OuterRef("pk"), paid_at__gte=start, paid_at__lt=end)
    refund_only, returns = cases.filter(q["refund_only"]), cases.filter(q["returns"])
    return {
        "kpi_orders_paid": _count(orders),
        "kpi_experience_cases": _count(cases.filter(q["experience"])),
        "kpi_refund_only_count": _count(refund_only),
        "kpi_refund_only_duration": _duration(refund_only),
        "kpi_return_count": _count(returns),
        "kpi_return_duration": _duration(returns),
        "kpi_seller_responsible": _count(cases.filter(q["seller"])),
    }


# SPEC §6, return time by stage: the five stages of a return-and-refund case, each from one moment
# to the next, and whether it is one of the merchant's three.
RETURN_STAGES = {
    "agree": ("opened_at", "decided_at", True),
    "buyer_mailing": ("decided_at", "return_shipped_at", False),
    "transit": ("return_shipped_at", "return_delivered_at", False),
    "inspection": ("return_delivered_at", "return_received_at", True),
    "refund": ("return_received_at", "refunded_at", True),
}


def return_stage_annotations(*, start: dt.datetime, end: dt.datetime, reasons: list[str]) -> dict:
    """Annotations for a Store queryset: per stage of `RETURN_STAGES`, the total time and the
    number of cases, over the cases of the return-and-refund completion hours (`kpi_case_q`
    "returns"); a case counts in a stage only when both its moments are known."""
    returns = RefundCase.objects.filter(store=OuterRef("pk")).filter(
        kpi_case_q(start=start, end=end, reasons=reasons)["returns"])
    annotations = {}
    for name, (since, until, _merchant) in RETURN_STAGES.items():
        known = returns.filter(**{f"{since}__isnull": False, f"{until}__isnull": False})
        annotations[f"kpi_stage_{name}_count"] = _count(known)
        annotations[f"kpi_stage_{name}_duration"] = _duration(known, since, until)
    return annotations


def stages_from_row(row) -> dict:
    """{stage: {hours, cases, merchant}} from an object (or dict) carrying
    `return_stage_annotations`; hours null with no case."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return {name: {"hours": _hours(get(f"kpi_stage_{name}_duration"), get(f"kpi_stage_{name}_count")),
                   "cases": get(f"kpi_stage_{name}_count"), "merchant": merchant}
            for name, (_since, _until, merchant) in RETURN_STAGES.items()}


def _hours(total: dt.timedelta | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    seconds = Decimal(total.days * 86400 + total.seconds) + Decimal(total.microseconds) / Decimal(10 ** 6)
    return (seconds / Decimal(3600) / Decimal(count)).quantize(HOURS, rounding=ROUND_HALF_UP)


def kpis_from_row(row) -> dict:
    """The four KPIs from an object (or dict) carrying `kpi_annotations`; null on a zero
    denominator."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return {
        "product_experience_refund_rate": rate(get("kpi_experience_cases"), get("kpi_orders_paid")),
        "refund_only_completion_hours": _hours(get("kpi_refund_only_duration"), get("kpi_refund_only_count")),
        "return_refund_completion_hours": _hours(get("kpi_return_duration"), get("kpi_return_count")),
        "dispute_refund_rate": rate(get("kpi_seller_responsible"), get("kpi_orders_paid")),
    }


def store_refund_kpis(*, store_ids: list[int], as_of: dt.date) -> dict[int, dict]:
    """{store_id: {as_of, window_start, four KPIs, return_refund_stages}} in one query."""
    start, end = kpi_window(as_of)
    reasons = RefundPolicy.current().reason_codes()
    annotations = {**kpi_annotations(start=start, end=end, reasons=reasons),
                   **return_stage_annotations(start=start, end=end, reasons=reasons)}
    rows = Store.objects.filter(pk__in=store_ids).annotate(**annotations).values("pk", *annotations)
    window_start = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    return {row["pk"]: {"as_of": as_of, "window_start": window_start, **kpis_from_row(row),
                        "return_refund_stages": stages_from_row(row)} for row in rows}


CREDIT_METRIC_NAMES = ("dispute_rate", "return_rate")


def credit_metrics(store_ids: list[int], month_first_day: dt.date) -> dict[int, dict]:
    """`credit_metrics_sql` run for these stores: {store_id: {dispute_rate, return_rate}}."""
    return provider_values(credit_metrics_sql, CREDIT_METRIC_NAMES, store_ids, month_first_day)


def credit_metrics_sql(month_first_day: dt.date) -> tuple[str, dict]:
    """Risk-control inputs for the credit score (registered with merchants.registry) for one
    local calendar month, as one SELECT (store_id, dispute_rate, return_rate) for the stores of
    `%(store_ids)s::bigint[]` that the evaluation joins into its statement:
    - dispute_rate = cases opened in the month later judged seller-responsible ÷ orders paid;
    - return_rate = return-and-refund cases (final type, not cancelled by the buyer) opened in
      the month ÷ orders paid.
    4 places, half-up, capped at 1 (cases and orders are counted by different dates); no row
    (no value) when no order was paid that month."""
    start, end = timeutil.month_bounds(month_first_day)
    sql = f"""
        SELECT o.store_id,
          LEAST(ROUND(COALESCE(c.disputes, 0)::numeric / o.n, 4), 1.0000) AS dispute_rate,
          LEAST(ROUND(COALESCE(c.returns, 0)::numeric / o.n, 4), 1.0000) AS return_rate
        FROM (SELECT store_id, COUNT(*) AS n FROM {Order._meta.db_table}
              WHERE store_id = ANY(%(store_ids)s::bigint[])
                AND paid_at >= %(refunds_start)s AND paid_at < %(refunds_end)s
              GROUP BY store_id) o
        LEFT JOIN (SELECT store_id,
                     COUNT(*) FILTER (WHERE judgement = %(refunds_seller)s) AS disputes,
                     COUNT(*) FILTER (WHERE type = %(refunds_return)s AND status <> %(refunds_cancelled)s) AS returns
                   FROM {RefundCase._meta.db_table}
                   WHERE store_id = ANY(%(store_ids)s::bigint[]) AND opened_at >= %(refunds_start)s
                     AND opened_at < %(refunds_end)s
                   GROUP BY store_id) c ON c.store_id = o.store_id"""
    return sql, {"refunds_start": start, "refunds_end": end, "refunds_seller": RefundCase.Judgement.SELLER.value,
                 "refunds_return": RefundType.RETURN_REFUND.value,
                 "refunds_cancelled": RefundCase.Status.CANCELLED.value}




def cases_waiting_for_return_address(store_ids: list[int] | None = None):
    """The operators' worklist entry "returns waiting for an address" (SPEC decisions); its
    changelist link is `/admin/refunds/refundcase/?return_address=missing`."""
    qs = RefundCase.objects.filter(return_address_missing_q())
    return qs if store_ids is None else qs.filter(store_id__in=store_ids)
