"""What the refund lists export (merchants/exports.py). The per-store refund KPI list: the four
KPIs of SPEC §3 over the 30 local days ending on the export's date (in its file name), as the list
shows them (`StoreRefundKpiAdmin` annotates them in SQL: one query for the whole export). The
refund case list: each case with its amounts in yuan, its clocks in Beijing time, its outcome and
its negotiation."""
from django.utils.translation import gettext_lazy as _

from merchants.exports import Export, choice, hours_col, money_col, number, rate_col, text, time_col

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


def _negotiation(attribute):
    def get(case):
        negotiation = getattr(case, "negotiation", None)  # reverse one-to-one: absent unless proposed
        if negotiation is None:
            return None
        return negotiation.get_status_display() if attribute == "status" else getattr(negotiation, attribute)

    return get


REFUND_CASES = Export("refund-cases", (
    number(_("case ID"), "id"),
    number(_("order ID"), "order_id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    text(_("buyer id"), "buyer_id"),
    choice(_("type"), "type"),
    choice(_("reason"), "reason"),
    money_col(_("requested amount"), "requested_amount"),
    money_col(_("amount"), "amount"),
    choice(_("status"), "status"),
    time_col(_("opened at"), "opened_at"),
    time_col(_("merchant decision deadline"), "merchant_deadline"),
    time_col(_("decided at"), "decided_at"),
    text(_("return tracking number"), "tracking_no"),
    time_col(_("return shipped at"), "return_shipped_at"),
    time_col(_("return received at"), "return_received_at"),
    time_col(_("refunded at"), "refunded_at"),
    text(_("rejection reason"), "reject_reason"),
    time_col(_("escalated at"), "escalated_at"),
    choice(_("judgement"), "judgement"),
    time_col(_("judged at"), "judged_at"),
    time_col(_("closed at"), "closed_at"),
    text(_("negotiation"), _negotiation("status")),
    money_col(_("proposed amount"), _negotiation("amount")),
), select_related=("store", "negotiation"))
