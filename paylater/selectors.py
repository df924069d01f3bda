"""Reads for pay-later: derived activity/item status in SQL, product eligibility, fee rates."""
import datetime as dt
from decimal import Decimal

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from config import timeutil
from config.money import money
from merchants.models import Product
from merchants.stores.selectors import inherited_q

from .models import Activity, ActivityItem, Enrollment, FeeRate, Lifecycle, PaylaterPolicy
from .sql import intake_exposure_row


# --- derived status (SPEC §2: "status is derived", never a flag a job flips) ----------------
def activity_ended_q(at, prefix: str = "") -> Q:
    """The activity (at `prefix`) has ended at `at`: ended by hand, or past its end."""
    p = prefix
    return Q(**{f"{p}ended_at__isnull": False, f"{p}ended_at__lte": at}) | Q(
        **{f"{p}ends_at__isnull": False, f"{p}ends_at__lte": at})


def item_ended_q(at, prefix: str = "") -> Q:
    """The item (at `prefix`) has ended at `at`: by hand, or because its activity ended."""
    p = prefix
    return Q(**{f"{p}ended_at__isnull": False, f"{p}ended_at__lte": at}) | activity_ended_q(at, f"{p}activity__")


def item_active_q(at, prefix: str = "") -> Q:
    """The item is active at `at`: its activity has started and neither has ended."""
    return Q(**{f"{prefix}activity__starts_at__lte": at}) & ~item_ended_q(at, prefix)


def activity_status_expr(at=None, prefix: str = ""):
    at = at or timezone.now()
    return Case(
        When(activity_ended_q(at, prefix), then=Value(Lifecycle.ENDED)),
        When(**{f"{prefix}starts_at__gt": at}, then=Value(Lifecycle.NOT_STARTED)),
        default=Value(Lifecycle.ACTIVE), output_field=CharField())


def item_status_expr(at=None):
    at = at or timezone.now()
    return Case(
        When(item_ended_q(at), then=Value(Lifecycle.ENDED)),
        When(activity__starts_at__gt=at, then=Value(Lifecycle.NOT_STARTED)),
        default=Value(Lifecycle.ACTIVE), output_field=CharField())


def activities_with_status(queryset: QuerySet | None = None, *, at=None) -> QuerySet:
    queryset = Activity.objects.all() if queryset is None else queryset
    return queryset.annotate(status=activity_status_expr(at))


def items_with_status(queryset: QuerySet | None = None, *, at=None) -> QuerySet:
    queryset = ActivityItem.objects.all() if queryset is None else queryset
    return queryset.annotate(status=item_status_expr(at))


def open_items_q(at=None) -> Q:
    """Items that have not ended at `at` (not started or active)."""
    return ~item_ended_q(at or timezone.now())


def product_active_at(*, product_id: int, at) -> bool:
    """The product is in an active activity item at `at` (pay-later acceptance rule)."""
    return ActivityItem.objects.filter(item_active_q(at), product_id=product_id).exists()


# --- eligibility ---------------------------------------------------------------------------
def category_excluded_q(prefix: str = "category__") -> Q:
    """The category or one of its ancestors is flagged `paylater_excluded` (SPEC §1, inherited)."""
    return inherited_q("paylater_excluded", prefix)


def ineligible_reason_expr(*, at=None, price_cap: Decimal | None = None):
    """SQL for why a product cannot be added to an activity now (null = eligible). SPEC §2:
    category not excluded, price BELOW the cap, not already in an item that has not ended."""
    at = at or timezone.now()
    if price_cap is None:
        price_cap = PaylaterPolicy.current().price_cap
    in_open_item = Exists(ActivityItem.objects.filter(open_items_q(at), product_id=OuterRef("pk")))
    return Case(
        When(category_excluded_q(), then=Value("category_excluded")),
        When(price__gte=price_cap, then=Value("price_above_cap")),
        When(in_open_item, then=Value("already_in_activity")),
        default=Value(None), output_field=CharField(null=True))


def products_with_eligibility(queryset: QuerySet | None = None, *, at=None) -> QuerySet:
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.annotate(ineligible_reason=ineligible_reason_expr(at=at)).annotate(
        paylater_eligible=Case(When(ineligible_reason__isnull=True, then=Value(True)), default=Value(False)))


# --- enrollment and fees -------------------------------------------------------------------
def is_enrolled(*, store_id: int) -> bool:
    return Enrollment.objects.filter(store_id=store_id, status=Enrollment.Status.ACTIVE).exists()


def fee_rate_for(paid_at: dt.datetime) -> Decimal:
    """The dated rate covering the local date of `paid_at` (the latest start wins when rows
    overlap); the policy's standard rate when no row covers it."""
    day = timeutil.local_date(paid_at)
    row = (FeeRate.objects.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day),
                                  Q(ends_on__isnull=True) | Q(ends_on__gte=day))
           .order_by(F("starts_on").desc(nulls_last=True), "-id").first())
    return row.rate if row is not None else PaylaterPolicy.current().standard_fee_rate


def products_with_paylater_active(queryset: QuerySet | None = None, *, at=None) -> QuerySet:
    """`paylater_active`: the product is in an active activity item now (the buyer-app badge)."""
    at = at or timezone.now()
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.annotate(paylater_active=Exists(
        ActivityItem.objects.filter(item_active_q(at), product_id=OuterRef("pk"))))


# --- order intake ------------------------------------------------------------------------------
# Acceptance reads everything it checks in TWO statements (issue 16, the intake query budget,
# docs/paylater.md): the store row lock with the facts no lock protects, then, once the lock is
# held, the facts the lock serialises. A new statement takes a new snapshot, so the second one
# sees every order the previous lock holder committed; a subquery of the locking SELECT would
# read the older snapshot, taken before it waited, and over-commit the limit.
def _intake_lock_queryset(*, store_id, product_id, paid_at, day, now):
    from django.db.models import Subquery

    from merchants.models import Sanction, Store
    from merchants.violations.selectors import sanction_until_subquery

    rate = (FeeRate.objects.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day),
                                   Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .order_by(F("starts_on").desc(nulls_last=True), "-id").values("rate")[:1])
    policy = PaylaterPolicy.objects.filter(pk=PaylaterPolicy.PK)
    return Store.objects.select_for_update(of=("self",)).annotate(
        product_store_id=Subquery(Product.objects.filter(pk=product_id).values("store_id")),
        enrolled=Exists(Enrollment.objects.filter(store_id=OuterRef("pk"), status=Enrollment.Status.ACTIVE)),
        suspended_until=sanction_until_subquery(Sanction.Kind.PAYLATER_SUSPENSION, now),
        frozen_until=sanction_until_subquery(Sanction.Kind.CREDIT_FREEZE, now),
        product_active=Exists(ActivityItem.objects.filter(item_active_q(paid_at), product_id=product_id)),
        fee_rate=Subquery(rate),
        min_score=Subquery(policy.values("min_buyer_credit_score")),
        standard_rate=Subquery(policy.values("standard_fee_rate")),
    ).filter(pk=store_id)


def intake_lock_store(*, store_id: int, product_id: int, paid_at, now):
    """The store, locked FOR UPDATE, annotated with: product_store_id (None: no such product),
    enrolled, suspended_until, frozen_until, product_active, fee_rate (None when no dated rate
    covers paid_at), min_score / standard_rate (None without a saved policy row). Raises
    Store.DoesNotExist. One statement: the queryset above, as the ORM runs it."""
    return _intake_lock_queryset(store_id=store_id, product_id=product_id, paid_at=paid_at,
                                 day=timeutil.local_date(paid_at), now=now).get()


def platform_product(*, product_id: int, at=None) -> Product | None:
    """The product with `paylater_active` at `at` (now): `products_with_paylater_active` for one
    id (the platform's product GET). None when no such product."""
    return products_with_paylater_active(Product.objects.filter(pk=product_id), at=at or timezone.now()).first()


def intake_exposure(*, store_id: int, now) -> dict:
    """Read under the store lock, in one statement: exposure (the index-only sum, see
    merchants.orders.models), has_approved (an approved limit increase: only then are raised
    limits read) and activating (one still short of step 2: only then is it refreshed). A prepared
    statement (paylater.sql, decision 0048): its planning cost more than its execution."""
    facts = intake_exposure_row(store_id=store_id, now=now)
    return {**facts, "exposure": money(facts["exposure"])}
