"""Demo logistics data (called by `seed_demo`): three stores join the on-time shipping plan five
weeks back and ship two finished weeks, which are settled by the real settlement, so every branch
of SPEC §4 shows:

- the week before last is paid in ad credit (the policy's payout method is switched to ad credit
  for that settlement and back, each switch in the policy's history): store 01 earns the 0.20 tier;
  store 02 earns it too, then a fake-shipping violation of that week is confirmed and the claw-back
  sweep revokes its grant (disqualified, clawed back);
- last week is paid in cash: store 01 ships over 1,000 a day (~90% on time) and earns the 0.30
  tier; store 02 is too small for a tier; store 03 earned the 0.20 tier but a fake-shipping
  violation of that week was confirmed before settlement, so the week is disqualified. Store 03
  also has parcels still awaiting a pickup scan after 24 hours (flagged for follow-up).

Idempotent: nothing is done once a demo store is enrolled. Platform-wide steps (a settlement run,
the claw-back sweep) run only when no other store would be affected; otherwise the weekly jobs do
them. Orders and shipments are bulk-inserted (fast)."""
import datetime as dt
from decimal import Decimal

from django.db import transaction

from config import timeutil
from config.api.errors import DomainError
from merchants.models import Order, Product, Violation
from merchants.stores.services import product_create
from merchants.violations.services import violation_confirm, violation_open

from . import services
from .models import Enrollment, LogisticsPolicy, PayoutMethod, Shipment, WeeklyResult, normalise_city
from .rules import shipping_deadline
from .selectors import week_finishes_at
from .settlement import adjustment_candidates, clawback_sweep, previous_week, settlement_start

H = dt.timedelta(hours=1)
# per week (0 = last week, 1 = the week before): store index → (orders per day, every n-th shipped late)
PLAN = {
    1: {0: (320, 10), 1: (320, 10)},
    0: {0: (1100, 10), 1: (40, 3), 2: (320, 10)},
}
# a fake-shipping violation in the week: store index → (week, confirmed after the settlement?)
FAKE_SHIPPING = {1: (1, True), 2: (0, False)}


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


def _fake_shipping(store, monday, at=None):
    """A fake-shipping violation found on a parcel of that week (Wednesday), confirmed at `at`."""
    occurred = timeutil.local_at(monday + dt.timedelta(days=2), 15)
    violation, created = violation_open(
        store=store, kind=Violation.Kind.FAKE_SHIPPING, occurred_at=occurred, detected_by="demo",
        reference=f"DEMO{store.pk}F{monday:%m%d}", dedup_key=f"demo:fake-shipping:{store.pk}",
        detail="运单号已揽收但 72 小时无物流轨迹，与买家收货地址不符")
    if created and at is not None:
        violation_confirm(violation_id=violation.pk, at=at, note="物流公司核实：该运单未实际揽收")
    return violation


def _only_demo_stores_enrolled(stores) -> bool:
    return not Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).exclude(store__in=stores).exists()


def _settle(week, now, method):
    """Settle `week` paid by `method`: the policy is switched for this settlement and back."""
    policy = LogisticsPolicy.current()
    before = policy.payout_method
    if method != before:
        policy.payout_method = method
        policy._change_reason = ("job: seed_demo — payout method switched for the settlement "
                                 f"({timeutil.week_name(week)})")
        policy.save()
    try:
        settlement_start(week=week, now=now, triggered_by="seed_demo", inline=True)
    finally:
        if method != before:
            policy.payout_method = before
            policy._change_reason = ("job: seed_demo — payout method restored after the settlement "
                                      f"({timeutil.week_name(week)})")
            policy.save()


def seed(*, stores, now):
    stores = list(stores)[:3]
    if not stores or Enrollment.objects.filter(store__in=stores).exists():
        return
    policy = LogisticsPolicy.current()
    regions = policy.region_names()
    open_city = sorted(regions)[0] if regions else "武汉"
    last_week = previous_week(now)
    if now <= week_finishes_at(last_week):  # Monday before 20:00: the latest finished week is older
        last_week -= dt.timedelta(days=7)
    weeks = {0: last_week, 1: last_week - dt.timedelta(days=7)}
    enrolled = []
    for store in stores:
        services.logistics_profile_set(store=store, official_logistics_enabled=True,
                                       deposit_paid=policy.deposit_required)
        city = store.city if normalise_city(store.city) in regions else open_city
        try:
            services.enrollment_create(store=store, agreement_signed=True, withholding_signed=True,
                                       ship_from_city=city, now=now - dt.timedelta(days=35))
        except DomainError:
            continue
        enrolled.append(store)
    index = {store.pk: n for n, store in enumerate(stores)}
    for back in (1, 0):
        for store in enrolled:
            if index[store.pk] in PLAN[back]:
                per_day, late_every = PLAN[back][index[store.pk]]
                _week_of_orders(store, weeks[back], per_day, late_every, now, tag=f"{store.pk}w{back}")
    if len(enrolled) == len(stores) and _only_demo_stores_enrolled(stores):
        with transaction.atomic():
            _settle(weeks[1], now, PayoutMethod.AD_CREDIT)
        for n, (back, after_settlement) in FAKE_SHIPPING.items():
            if after_settlement:  # confirmed now, after its week was paid: the sweep claws it back
                _fake_shipping(stores[n], weeks[back], at=now)
        clawback, reinstate = adjustment_candidates(now)
        demo_results = WeeklyResult.objects.filter(store__in=stores)
        if set(clawback) | set(reinstate) <= set(demo_results.values_list("pk", flat=True)):
            clawback_sweep(now=now)
        for n, (back, after_settlement) in FAKE_SHIPPING.items():
            if not after_settlement:
                _fake_shipping(stores[n], weeks[back], at=week_finishes_at(weeks[back]) - 2 * H)
        with transaction.atomic():
            _settle(weeks[0], now, PayoutMethod.CASH)
    if enrolled:
        _awaiting_pickup(enrolled[-1], now)


def _awaiting_pickup(store, now):
    """Parcels shipped 30 and 10 hours ago with no pickup scan: the first needs follow-up."""
    product = _product(store)
    for hours in (32, 12):
        order = Order.objects.create(store=store, product=product, buyer_id=f"demo-{store.pk}-p{hours}",
                                     amount=Decimal("19.90"), paid_at=now - hours * H, channel=Order.Channel.TAOTE,
                                     payment_method=Order.PaymentMethod.STANDARD, status=Order.Status.PAID)
        services.shipment_create(order=order, tracking_no=f"DEMOP{order.pk:09d}", official_logistics=True,
                                 now=now - (hours - 2) * H)
