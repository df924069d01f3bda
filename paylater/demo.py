"""Demo pay-later data (called by `seed_demo`): every demo store asks to enroll (some are
refused with their reason: wallet not upgraded, grade C, no limit); enrolled stores get a
long-term activity with their eligible products (and a short-term one starting next week),
pay-later orders in every lifecycle state over the last weeks (including platform advances
and one recovered), a short-term activity the merchant ended early, fee statements for the closed
months (the demo stores' only) and an invoice requested for one. The first enrolled store also lost
orders to its limit today (three refusals, which send it `credit_limit.low`) and one to a buyer's
low score. Idempotent: a store that already has an activity is skipped, and statements are
generated only for months the demo stores have none for."""
import datetime as dt
import random
from decimal import Decimal

from config import timeutil
from config.api.errors import DomainError
from merchants.applications.services import closed_months
from merchants.models import Product

from . import selectors, services
from .models import Activity, Enrollment, FeeStatement, InvoiceRequest

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


def _refusals(store, product, now):
    """Orders intake refuses (SPEC §6), recorded as a refusal each: three above the limit within the
    hour (the third sends `credit_limit.low`) and one from a buyer whose score is too low."""
    store.refresh_from_db()
    over = (store.base_limit or Decimal("0.00")) + Decimal("1280.00")
    attempts = [(over, 95, 50), (over + Decimal("300.00"), 95, 35), (over, 88, 20), (product.price, 40, 10)]
    for n, (amount, score, minutes) in enumerate(attempts):
        try:
            services.paylater_order_intake(store_id=store.pk, product_id=product.pk, buyer_id=f"demo-pl-refused-{n}",
                                           amount=amount, paid_at=now - dt.timedelta(minutes=minutes),
                                           channel="taote", buyer_credit_score=score)
        except DomainError:
            continue  # refused, and recorded: what the demo shows


def seed(*, stores, now):
    rng = random.Random(4)
    seeded = False
    for store in stores:
        if Activity.objects.filter(store=store).exists():
            continue
        enrollments = Enrollment.objects.filter(store=store)
        if enrollments.exists() and not enrollments.filter(status=Enrollment.Status.ACTIVE).exists():
            continue  # refused at an earlier run: asking again would only record another refusal
        if not enrollments.exists():
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
            autumn = services.activity_create(store=store, name="秋季上新 先用后付", products=later,
                                              duration=Activity.Duration.SHORT_TERM, starts_at=now - 44 * D,
                                              ends_at=now - 30 * D, at=now - 44 * D)
            services.activity_end(activity_id=autumn.pk, at=now - 37 * D,
                                  reason="merchant: ended activity (已售罄)")  # the merchant's note, as it wrote it
            start = timeutil.local_midnight(timeutil.local_date(now) + 7 * D)
            services.activity_create(store=store, name="双12 先用后付", duration=Activity.Duration.SHORT_TERM,
                                     products=later, starts_at=start, ends_at=start + 7 * D, at=now)
        _orders(store, long_term, now, rng)
        if not seeded:
            _refusals(store, long_term[0], now)
        seeded = True
    if not seeded:
        return  # statements are the monthly job's from here on
    ids = [store.pk for store in stores]
    for month in closed_months(now, 2):  # calendar months, whatever today's date
        if not FeeStatement.objects.filter(store_id__in=ids, month=month).exists():
            services.fee_statements_generate(month=month, now=now, store_ids=ids)
    statement = FeeStatement.objects.filter(store_id__in=ids, fee_total__gt=0).order_by("month", "store_id").first()
    if statement and not InvoiceRequest.objects.filter(statement__store_id__in=ids).exists():
        services.invoice_request(statement=statement, title=f"{statement.store.name} 商贸有限公司",
                                 tax_id=f"91420100MA4K{statement.store_id:06d}", at=now - 2 * D)

