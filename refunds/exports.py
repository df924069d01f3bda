"""What the per-store refund KPI list exports (merchants/exports.py): the four KPIs of SPEC §3
over the 30 local days ending on the export's date (in its file name), as the list shows them
(`StoreRefundKpiAdmin` annotates them in SQL: one query for the whole export)."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, hours_col, number, rate_col, text

from .selectors import kpis_from_row


def _kpi(name):
    return lambda store: kpis_from_row(store)[name]


STORE_REFUND_KPIS = Export("refund-kpis", (
    number(_("store ID"), "id"),
    text(_("store"), "name"),
    choice(_("grade"), "grade"),
    choice(_("status"), "status"),
    number(_("orders paid (30 days)"), "kpi_orders_paid"),
    rate_col(_("product experience refund rate"), _kpi("product_experience_refund_rate")),
    hours_col(_("refund-only completion"), _kpi("refund_only_completion_hours")),
    hours_col(_("return completion"), _kpi("return_refund_completion_hours")),
    rate_col(_("dispute refund rate"), _kpi("dispute_refund_rate")),
))
