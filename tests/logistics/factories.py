import datetime as dt
from decimal import Decimal

import factory

from config import timeutil
from logistics.models import (
    AdCreditGrant,
    Enrollment,
    IncentiveTier,
    LogisticsProfile,
    SettlementBatch,
    SettlementRun,
    Shipment,
    WeeklyResult,
)
from logistics.rules import shipping_deadline
from merchants.models import Order
from tests.factories import OrderFactory, ProductFactory, StoreFactory

WEEK = dt.date(2026, 11, 9)  # 2026-W46, Monday
AFTER_WEEK = timeutil.local_at(WEEK + dt.timedelta(days=7), 20, 0, 1)  # last deadline has passed


class LogisticsProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LogisticsProfile

    store = factory.SubFactory(StoreFactory)
    official_logistics_enabled = True
    deposit_paid = Decimal("4000.00")


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    store = factory.SubFactory(StoreFactory)
    agreement_signed = True
    withholding_signed = True
    ship_from_city = "武汉"
    joined_at = factory.LazyFunction(lambda: timeutil.local_at(WEEK - dt.timedelta(days=14), 10))
    counting_from = factory.LazyAttribute(lambda o: timeutil.local_date(o.joined_at) + dt.timedelta(days=2))


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    store = factory.SelfAttribute("order.store")
    tracking_no = factory.Sequence(lambda n: f"TT{n:010d}")
    official_logistics = True
    shipped_at = factory.LazyAttribute(lambda o: o.order.paid_at + dt.timedelta(hours=1))
    deadline = factory.LazyAttribute(lambda o: shipping_deadline(o.order.paid_at))
    picked_up_at = factory.LazyAttribute(lambda o: o.shipped_at + dt.timedelta(hours=1))


def _weeks_back(n):
    return WEEK - dt.timedelta(weeks=n)


class SettlementRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementRun

    week = factory.Sequence(_weeks_back)
    status = SettlementRun.Status.SUCCEEDED
    started_at = factory.LazyAttribute(lambda o: timeutil.local_at(o.week + dt.timedelta(days=8), 2))
    finished_at = factory.LazyAttribute(lambda o: o.started_at + dt.timedelta(minutes=5))
    triggered_by = "test"
    batches_total = 1
    batches_done = 1


class SettlementBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SettlementBatch

    run = factory.SubFactory(SettlementRunFactory)
    number = factory.Sequence(lambda n: n + 1)
    store_ids = factory.List([])
    status = SettlementBatch.Status.DONE


class WeeklyResultFactory(factory.django.DjangoModelFactory):
    """A paid week at the 0.30 tier (one per store and week: weeks go back from WEEK)."""

    class Meta:
        model = WeeklyResult

    store = factory.SubFactory(StoreFactory)
    week = factory.Sequence(_weeks_back)
    counted_days = 7
    orders = 700
    on_time_orders = 665
    daily_average = Decimal("100.00")
    on_time_rate = Decimal("0.9500")
    tier = Decimal("0.30")
    parcels = 665
    amount = Decimal("199.50")
    payout = "cash"
    status = WeeklyResult.Status.PAID


class AdCreditGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdCreditGrant

    store = factory.SubFactory(StoreFactory)
    week = factory.Sequence(_weeks_back)
    amount = Decimal("50.00")


class IncentiveTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncentiveTier

    valid_from = factory.Sequence(lambda n: dt.date(2026, 1, 5) + dt.timedelta(weeks=n))
    min_daily_average = Decimal("10")
    min_on_time_rate = Decimal("0.9000")
    per_parcel = Decimal("0.10")


_seq = iter(range(10**9))


def make_orders(store, n, paid_at, *, shipped_after=dt.timedelta(hours=1), ship=True, official=True, picked=True,
                channel=Order.Channel.TAOTE, refunded_at=None, product=None):
    """n orders paid at `paid_at` (and their shipments), in two bulk inserts."""
    product = product or ProductFactory(store=store)
    orders = Order.objects.bulk_create([
        Order(store=store, product=product, buyer_id=f"b{i}", amount=Decimal("10.00"), paid_at=paid_at,
              channel=channel, payment_method=Order.PaymentMethod.STANDARD, status=Order.Status.PAID,
              refunded_at=refunded_at, refunded_amount=Decimal("10.00") if refunded_at else Decimal("0.00"))
        for i in range(n)])
    if ship:
        if orders and orders[0].pk is None:
            orders = list(Order.objects.filter(store=store, paid_at=paid_at).order_by("-id")[:n])
        shipped_at = paid_at + shipped_after
        Shipment.objects.bulk_create([
            Shipment(order=o, store=store, tracking_no=f"BULK{next(_seq):012d}", official_logistics=official,
                     shipped_at=shipped_at, deadline=shipping_deadline(paid_at),
                     picked_up_at=shipped_at + dt.timedelta(hours=1) if picked else None)
            for o in orders])
    return orders
