"""The shipping rules of SPEC §4, each in one place: `shipping_deadline` computes an order's
deadline when it ships, `on_time_q` decides whether it shipped on time, and
`refunded_before_shipping_q` which orders leave the denominator. The ORM filters, the admin
(filter and column), the API and the weekly settlement's raw SQL (`*_sql`, rendered from the
same Q) all go through them."""
import datetime as dt

from django.db.models import BooleanField, ExpressionWrapper, F, Q

from config import timeutil
from config.sql import q_as_sql
from merchants.models import Order

from .models import LogisticsPolicy, Shipment

SAME_DAY_CUTOFF = dt.time(17, 0)  # paid before this (exclusive) ships the same day
SHIP_BY_HOUR = 20  # local; the deadline itself is on time


def shipping_deadline(paid_at: dt.datetime) -> dt.datetime:
    """SPEC §4 shipping deadline: paid before 17:00 local (17:00:00 is not before) → 20:00 the
    same day, else 20:00 the next day; shipping at the deadline itself is on time."""
    paid_local = timeutil.local(paid_at)
    day = paid_local.date()
    if paid_local.time() >= SAME_DAY_CUTOFF:
        day += dt.timedelta(days=1)
    return timeutil.local_at(day, SHIP_BY_HOUR)


def on_time_q(*, shipment: str = "", order: str = "order__") -> Q:
    """SPEC §4 on-time test: a Taote-channel order, shipped with official logistics at or before
    its deadline, with a pickup scan (揽收). `shipment` and `order` are the lookup paths to the
    shipment and its order from the queryset's model: from a Shipment the defaults, from an
    Order `on_time_q(shipment="shipment__", order="")`."""
    return Q(**{f"{order}channel": Order.Channel.TAOTE,
                f"{shipment}official_logistics": True,
                f"{shipment}picked_up_at__isnull": False,
                f"{shipment}shipped_at__lte": F(f"{shipment}deadline")})


def on_time_expression(**paths) -> ExpressionWrapper:
    """`on_time_q` as a boolean column, to annotate instead of computing per row in Python."""
    return ExpressionWrapper(on_time_q(**paths), output_field=BooleanField())


def on_time_sql(*, shipment_alias: str, order_alias: str) -> tuple[str, dict]:
    """`on_time_q` rendered for hand-written SQL where the shipment and its order are reachable
    as `shipment_alias` and `order_alias`: (condition, named parameters)."""
    return q_as_sql(Shipment, on_time_q(), param_prefix="on_time_",
                    aliases={Shipment._meta.db_table: shipment_alias, Order._meta.db_table: order_alias})


def refunded_before_shipping_q(*, shipment: str = "shipment__") -> Q:
    """SPEC §4 denominator: an order refunded before it shipped (or refunded and never shipped)
    is not counted. On Order; `shipment` is the lookup path to its shipment. (A shipment always
    has `shipped_at`, so a null one means there is none.)"""
    return Q(refunded_at__isnull=False) & (Q(**{f"{shipment}shipped_at__isnull": True})
                                           | Q(refunded_at__lt=F(f"{shipment}shipped_at")))


def refunded_before_shipping_sql(*, order_alias: str, shipment_alias: str) -> tuple[str, dict]:
    """`refunded_before_shipping_q` rendered for hand-written SQL where the order is
    `order_alias` and its shipment (if any, a LEFT JOIN) `shipment_alias`."""
    return q_as_sql(Order, refunded_before_shipping_q(), param_prefix="refunded_",
                    aliases={Order._meta.db_table: order_alias, Shipment._meta.db_table: shipment_alias})


def may_still_be_on_time_q(*, open_from: dt.datetime, shipment: str = "shipment__") -> Q:
    """On Order (this week so far, SPEC §5): not on time yet, but it still can be — not shipped
    while its deadline has not passed (paid at or after `open_from`, `week_to_date.open_from`),
    or shipped with official logistics by its deadline and waiting for its pickup scan. Neither
    branch is on time (`on_time_q` needs a shipment with a scan), so the two never overlap."""
    return (Q(**{f"{shipment}isnull": True}, paid_at__gte=open_from)
            | Q(**{f"{shipment}official_logistics": True, f"{shipment}picked_up_at__isnull": True,
                   f"{shipment}shipped_at__lte": F(f"{shipment}deadline")}))


def awaiting_follow_up_q(now) -> Q:
    """On Shipment: shipped with no pickup scan after the policy's hours (24 by default) at `now`:
    flagged for follow-up (主动跟单, SPEC §4)."""
    cutoff = now - dt.timedelta(hours=LogisticsPolicy.current().pickup_followup_hours)
    return Q(picked_up_at__isnull=True, shipped_at__lte=cutoff)
