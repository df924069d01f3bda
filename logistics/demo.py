"""Demo logistics data (called by `seed_demo`): three stores join the on-time shipping plan three
weeks back; last week one ships enough (Y ≥ 300, ~90% on time) to earn the 0.20 tier, one is
too small for a tier, and the third has parcels still awaiting a pickup scan after 24 hours
(flagged for follow-up). Last week is then settled if its last deadline has passed. Idempotent:
stores already enrolled are skipped. Orders and shipments are bulk-inserted (fast)."""
import datetime as dt
from decimal import Decimal

from config import timeutil
from config.api.errors import DomainError
from merchants.models import Order, Product
from merchants.stores.services import product_create

from . import services
from .models import Enrollment, LogisticsPolicy, SettlementRun, Shipment, normalise_city
from .rules import shipping_deadline
from .selectors import week_finishes_at
from .settlement import previous_week, settlement_start

H = dt.timedelta(hours=1)
PLAN = [  # (orders per day last week, share shipped late)
    (320, 10),
    (40, 3),
    (25, 5),
]


def _product(store):
    return (Product.objects.filter(store=store).order_by("id").first()
            or product_create(store=store, title=f"{store.name} 日用好物", category=store.main_category,
                              price=Decimal("19.90")))


def _week_of_orders(store, monday, per_day, late_every, now, tag):
    product = _product(store)
    orders = []
    for d in range(7):
        for i in range(per_day):
            paid = timeutil.local_at(monday + dt.timedelta(days=d), 8) + dt.timedelta(seconds=(i * 47) % 46000)
            if paid < now:
                orders.append(Order(store=store, product=product, buyer_id=f"demo-{tag}-{d}-{i}",
                                    amount=Decimal("19.90"),
                                    paid_at=paid, channel=Order.Channel.TAOTE,
                                    payment_method=Order.PaymentMethod.STANDARD, status=Order.Status.PAID))
    Order.objects.bulk_create(orders, batch_size=1000)
    orders = list(Order.objects.filter(store=store, buyer_id__startswith=f"demo-{tag}-"))
    shipments = []
    for n, order in enumerate(orders):
        deadline = shipping_deadline(order.paid_at)
        shipped = deadline + H if late_every and n % late_every == 0 else order.paid_at + 2 * H
        if shipped > now:
            continue
        picked = shipped + 3 * H if shipped + 3 * H < now else None
        shipments.append(Shipment(order=order, store=store, tracking_no=f"DEMO{tag}{order.pk:09d}",
                                  official_logistics=True, shipped_at=shipped, deadline=deadline,
                                  picked_up_at=picked, created_at=shipped))
    Shipment.objects.bulk_create(shipments, batch_size=1000, ignore_conflicts=True)


def seed(*, stores, now):
    stores = list(stores)[:len(PLAN)]
    open_city = sorted(LogisticsPolicy.current().region_names())[0] if LogisticsPolicy.current().region_names() \
        else "武汉"
    last_week = previous_week(now)
    if now <= week_finishes_at(last_week):  # Monday before 20:00: the latest finished week is older
        last_week -= dt.timedelta(days=7)
    for store, (per_day, late_every) in zip(stores, PLAN):
        if Enrollment.objects.filter(store=store).exists():
            continue
        services.logistics_profile_set(store=store, official_logistics_enabled=True,
                                       deposit_paid=LogisticsPolicy.current().deposit_required)
        city = store.city if normalise_city(store.city) in LogisticsPolicy.current().region_names() else open_city
        try:
            services.enrollment_create(store=store, agreement_signed=True, withholding_signed=True,
                                       ship_from_city=city, now=now - dt.timedelta(days=21))
        except DomainError:
            continue
        _week_of_orders(store, last_week, per_day, late_every, now, tag=f"{store.pk}w")
        if store is stores[-1]:
            _awaiting_pickup(store, now)
    if not SettlementRun.objects.filter(week=last_week).exists():
        settlement_start(week=last_week, now=now, triggered_by="seed_demo", inline=True)


def _awaiting_pickup(store, now):
    """Parcels shipped 30 and 10 hours ago with no pickup scan: the first needs follow-up."""
    product = _product(store)
    for hours in (32, 12):
        order = Order.objects.create(store=store, product=product, buyer_id=f"demo-{store.pk}-p{hours}",
                                     amount=Decimal("19.90"), paid_at=now - hours * H, channel=Order.Channel.TAOTE,
                                     payment_method=Order.PaymentMethod.STANDARD, status=Order.Status.PAID)
        services.shipment_create(order=order, tracking_no=f"DEMOP{order.pk:09d}", official_logistics=True,
                                 now=now - (hours - 2) * H)
