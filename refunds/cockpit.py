"""What refunds puts on the operators' first page (see `merchants.cockpit`): cases near their
merchant deadline, escalations waiting for judgement, and the platform's refund KPIs."""
from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import timeutil
from config.money import rate
from merchants.admin_format import duration, percent
from merchants.cockpit import Bar, Chart, WorkItem
from merchants.models import Order

from .models import RefundCase, RefundPolicy
from .selectors import _hours, cases_waiting_for_return_address, due_soon_q, kpi_case_q, kpi_window

S = RefundCase.Status


def worklist() -> list[WorkItem]:
    return [
        WorkItem(_("Refund cases due within 6 hours"), "refunds.refundcase", {"due": "6h"},
                 RefundCase.objects.filter(due_soon_q(timezone.now()))),
        WorkItem(_("Escalated cases waiting for judgement"), "refunds.refundcase", {"status__exact": S.ESCALATED},
                 RefundCase.objects.filter(status=S.ESCALATED), oldest_field="escalated_at"),
        WorkItem(_("Contested returns waiting for a decision"), "refunds.refundcase",
                 {"status__exact": S.RETURN_DISPUTED}, RefundCase.objects.filter(status=S.RETURN_DISPUTED)),
        WorkItem(_("Returns waiting for a return address"), "refunds.refundcase", {"return_address": "missing"},
                 cases_waiting_for_return_address(), oldest_field="decided_at"),
    ]


def platform_kpis() -> dict:
    """The four KPIs of SPEC §3 over all stores, for the 30 local days ending today, counted
    as the per-store KPIs count them (`selectors.kpi_case_q`): two queries."""
    start, end = kpi_window(timeutil.local_date(timezone.now()))
    orders = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).count()
    q = kpi_case_q(start=start, end=end, reasons=RefundPolicy.current().reason_codes())
    spent = ExpressionWrapper(F("refunded_at") - F("opened_at"), output_field=DurationField())
    row = RefundCase.objects.filter(q["experience"] | q["refund_only"] | q["returns"] | q["seller"]).aggregate(
        experience=Count("pk", filter=q["experience"]), seller=Count("pk", filter=q["seller"]),
        refund_only_n=Count("pk", filter=q["refund_only"]), refund_only_d=Sum(spent, filter=q["refund_only"]),
        returns_n=Count("pk", filter=q["returns"]), returns_d=Sum(spent, filter=q["returns"]))
    return {"product_experience_refund_rate": rate(row["experience"], orders),
            "dispute_refund_rate": rate(row["seller"], orders),
            "refund_only_completion_hours": _hours(row["refund_only_d"], row["refund_only_n"]),
            "return_refund_completion_hours": _hours(row["returns_d"], row["returns_n"])}


def refund_kpis() -> list[Chart]:
    """Two charts (rates, hours) from one computation."""
    kpis = platform_kpis()
    rates = Chart(_("Refund rates over the platform (30 days)"), [
        Bar(str(_("product experience refund rate")), kpis["product_experience_refund_rate"] or 0,
            percent(kpis["product_experience_refund_rate"])),
        Bar(str(_("dispute refund rate")), kpis["dispute_refund_rate"] or 0, percent(kpis["dispute_refund_rate"]))])
    hours = Chart(_("Refund completion time over the platform (30 days)"), [
        Bar(str(_("refund only")), kpis["refund_only_completion_hours"] or 0,
            duration(kpis["refund_only_completion_hours"])),
        Bar(str(_("return and refund")), kpis["return_refund_completion_hours"] or 0,
            duration(kpis["return_refund_completion_hours"]))])
    return [rates, hours]
