"""Demo pay-later data (called by `seed_demo`): every demo store asks to enroll (some are
refused with their reason: wallet not upgraded, grade C, no limit); enrolled stores get a
long-term activity with their eligible products (and a short-term one starting next week),
pay-later orders in every lifecycle state over the last weeks — including platform advances
and one recovered — and fee statements for the closed months. Idempotent: a store that
already has an activity is skipped."""
import datetime as dt
import random

from config import timeutil
from config.api.errors import DomainError
from merchants.models import Product

from . import selectors, services
from .models import Activity, Enrollment

D = dt.timedelta(days=1)


def _orders(store, products, now, rng):
    """Pay-later orders paid over the last 40 days, moved along the lifecycle by age."""
    for n in range(rng.randint(6, 12)):
        product = rng.choice(products)
        paid_at = now - dt.timedelta(days=rng.randint(0, 40), hours=rng.randint(1, 12))
        try:
            order = services.paylater_order_accept(store=store, product=product, buyer_id=f"demo-pl-buyer-{n}",
                                                   amount=product.price, paid_at=paid_at, channel="taote",
                                                   buyer_credit_score=rng.choice([82, 88, 95, 120]))
        except DomainError:  # e.g. the limit is used up: the demo keeps what fits
            continue
        age = (now - paid_at).days
        if age < 3:
            continue  # still placed
        services.order_confirm_receipt(order_id=order.pk, confirmed_at=paid_at + 3 * D)
        if age < 6:
            continue  # receipt confirmed, the consumer not charged yet
        charged_at = paid_at + 5 * D
        if rng.random() < 0.8:
            services.order_consumer_charge(order_id=order.pk, succeeded=True, at=charged_at)
        else:
            services.order_consumer_charge(order_id=order.pk, succeeded=False, at=charged_at)
            if age > 20:
                services.order_advance_recovered(order_id=order.pk, at=charged_at + 10 * D)


def seed(*, stores, now):
    rng = random.Random(4)
    for store in stores:
        if Activity.objects.filter(store=store).exists():
            continue
        if not Enrollment.objects.filter(store=store, status=Enrollment.Status.ACTIVE).exists():
            try:
                services.enrollment_request(store=store, at=now - 45 * D)
            except DomainError:
                continue  # refused: shown in the admin with its reason
        eligible = list(selectors.products_with_eligibility(Product.objects.filter(store=store), at=now)
                        .filter(paylater_eligible=True).order_by("id"))
        if not eligible:
            continue
        long_term, later = eligible[: max(1, len(eligible) - 1)], eligible[max(1, len(eligible) - 1):]
        services.activity_create(store=store, name="先用后付 长期活动", duration=Activity.Duration.LONG_TERM,
                                 products=long_term, starts_at=now - 60 * D, at=now - 60 * D)
        if later:
            start = timeutil.local_midnight(timeutil.local_date(now) + 7 * D)
            services.activity_create(store=store, name="双12 先用后付", duration=Activity.Duration.SHORT_TERM,
                                     products=later, starts_at=start, ends_at=start + 7 * D, at=now)
        _orders(store, long_term, now, rng)
    for back in (1, 2):
        month = timeutil.previous_month(now - dt.timedelta(days=31 * (back - 1)))
        services.fee_statements_generate(month=month, now=now)

