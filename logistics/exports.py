"""What the weekly logistics results and the settlement runs export (merchants/exports.py):
the finance team's weekly payout report and the run log it reconciles against; and the shipments,
each with whether it was on time and whether it needs a follow-up (as the list annotates them)."""
from django.utils.translation import gettext_lazy as _

from config import timeutil
from merchants.exports import Export, choice, date_col, decimal, money_col, number, rate_col, text, time_col, yes_no

WEEKLY_RESULTS = Export("weekly-results", (
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    text(_("week"), lambda result: timeutil.week_name(result.week)),
    date_col(_("week (Monday)"), "week"),
    number(_("counted days"), "counted_days"),
    decimal(_("daily average (Y)"), "daily_average"),
    number(_("orders (denominator)"), "orders"),
    number(_("on-time orders"), "on_time_orders"),
    rate_col(_("on-time rate"), "on_time_rate"),
    money_col(_("tier per parcel"), "tier"),
    number(_("picked-up parcels"), "parcels"),
    money_col(_("amount"), "amount"),
    choice(_("payout method"), "payout"),
    choice(_("status"), "status"),
    time_col(_("settled at"), "settled_at"),
    time_col(_("clawed back at"), "clawed_back_at"),
), select_related=("store",))

SETTLEMENT_RUNS = Export("settlement-runs", (
    number(_("run"), "id"),
    text(_("week"), "week_name"),
    choice(_("status"), "status"),
    time_col(_("started at"), "started_at"),
    time_col(_("finished at"), "finished_at"),
    text(_("triggered by"), "triggered_by"),
    number(_("batches"), "batches_total"),
    number(_("batches done"), "batches_done"),
    number(_("batches failed"), "batches_failed"),
    number(_("stores settled"), "stores"),
    number(_("parcels paid"), "parcels"),
    money_col(_("total paid"), "total"),
    number(_("claw-backs"), "clawbacks"),
    text(_("errors"), "errors"),
))

SHIPMENTS = Export("shipments", (
    number(_("shipment ID"), "id"),
    text(_("tracking number"), "tracking_no"),
    number(_("order ID"), "order_id"),
    number(_("store ID"), "store_id"),
    text(_("store"), "store.name"),
    yes_no(_("official logistics"), "official_logistics"),
    time_col(_("shipped at"), "shipped_at"),
    time_col(_("shipping deadline"), "deadline"),
    time_col(_("picked up at"), "picked_up_at"),
    yes_no(_("on time"), "on_time"),
    yes_no(_("follow up"), "_follow_up"),
), select_related=("store",))
