"""This week so far (SPEC §5) for the on-time shipping plan: the current week's figures up to now,
from the settlement's own aggregate (`selectors.week_figures`, limited to the days that have
begun) and its own tier evaluation (`settlement.evaluate`), so on Monday after 20:00 the figures
of the week just finished equal its settlement's.

- counted days, orders (the denominator) and on-time orders: exactly as the settlement counts
  them, as of now;
- open: orders of counted days not on time yet that still can be (`rules.may_still_be_on_time_q`):
  not shipped while their deadline has not passed (deadline ≥ now, the deadline being
  inclusive), or shipped by their deadline with official logistics and waiting for the pickup
  scan;
- late: the rest (not on time, and no longer can be);
- on-time rate so far: on time ÷ decided (on time + late); best rate: the open ones all on time,
  worst: all late (÷ orders so far; orders still to come are unknown and not guessed);
- daily average: orders ÷ counted days so far; projected tier: the settlement's tiers applied to
  the figures so far, the open orders counted at the on-time rate so far (all on time when none
  is decided yet)."""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from config import timeutil
from config.money import money, rate
from merchants.models import Order

from . import selectors
from .rules import may_still_be_on_time_q, refunded_before_shipping_q, shipping_deadline
from .settlement import evaluate, tiers_for_week


@dataclass
class WeekToDate:
    week: dt.date
    as_of: dt.datetime
    counted_days: int
    orders: int
    on_time_orders: int
    late_orders: int
    open_orders: int
    on_time_rate: Decimal | None
    best_rate: Decimal | None
    worst_rate: Decimal | None
    daily_average: Decimal | None
    projected_tier: Decimal | None


def open_from(as_of: dt.datetime) -> dt.datetime:
    """The earliest payment time whose shipping deadline (SPEC §4, `shipping_deadline`) has not
    passed at `as_of`: deadlines are 20:00 local, for orders paid from 17:00 the day before."""
    today = timeutil.local_date(as_of)
    yesterday_1700 = timeutil.local_at(today - dt.timedelta(days=1), 17)
    return yesterday_1700 if shipping_deadline(yesterday_1700) >= as_of else timeutil.local_at(today, 17)


def week_to_date(*, store_id: int, as_of: dt.datetime | None = None, week: dt.date | None = None) -> WeekToDate:
    """The week containing `as_of` (now by default) up to `as_of`: two queries."""
    as_of = as_of or timezone.now()
    week = week or timeutil.week_monday(timeutil.local_date(as_of))
    through = min(timeutil.local_date(as_of), week + dt.timedelta(days=6))
    figures = selectors.week_figures(week, [store_id], through=through)[0]
    counted = Q(pk__in=[])
    for i, flag in enumerate(figures.counted):
        if flag:
            start, end = timeutil.day_bounds(week + dt.timedelta(days=i))
            counted |= Q(paid_at__gte=start, paid_at__lt=end)
    pending = may_still_be_on_time_q(open_from=open_from(as_of))
    agg = (Order.objects.filter(counted, store_id=store_id, channel=Order.Channel.TAOTE)
           .exclude(refunded_before_shipping_q())
           .aggregate(open=Count("id", filter=pending)))
    orders, on_time = figures.orders, figures.on_time_orders
    open_orders = agg["open"]
    late = orders - on_time - open_orders
    decided = on_time + late
    projected_on_time = on_time + (Decimal(open_orders) * on_time / decided if decided else open_orders)
    projected = evaluate(selectors.WeekFigures(store_id=store_id, counted_days=figures.counted_days, orders=orders,
                                               on_time_orders=projected_on_time, parcels=0, disqualified=False),
                         tiers_for_week(week))
    return WeekToDate(
        week=week, as_of=as_of, counted_days=figures.counted_days, orders=orders, on_time_orders=on_time,
        late_orders=late, open_orders=open_orders, on_time_rate=rate(on_time, decided),
        best_rate=rate(on_time + open_orders, orders), worst_rate=rate(on_time, orders),
        daily_average=money(Decimal(orders) / figures.counted_days) if figures.counted_days else None,
        projected_tier=projected["tier"])
