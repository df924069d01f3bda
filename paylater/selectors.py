"""Reads for pay-later: derived activity/item status in SQL, product eligibility, fee rates."""
import datetime as dt
from decimal import Decimal

from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from config import timeutil
from merchants.models import Product
from merchants.stores.selectors import inherited_q

from .models import Activity, ActivityItem, Enrollment, FeeRate, Lifecycle, PaylaterPolicy


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


def fee_rate_covers_q(day) -> Q:
    """Dated fee rates covering the local date `day` (open-ended at either side)."""
    return (Q(starts_on__isnull=True) | Q(starts_on__lte=day)) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def fee_rate_for(paid_at: dt.datetime) -> Decimal:
    """The dated rate covering the local date of `paid_at` (the latest start wins when rows
    overlap); the policy's standard rate when no row covers it."""
    row = (FeeRate.objects.filter(fee_rate_covers_q(timeutil.local_date(paid_at)))
           .order_by(F("starts_on").desc(nulls_last=True), "-id").first())  # as paylater/sql.py's lock
    return row.rate if row is not None else PaylaterPolicy.current().standard_fee_rate


def products_with_paylater_active(queryset: QuerySet | None = None, *, at=None) -> QuerySet:
    """`paylater_active`: the product is in an active activity item now (the buyer-app badge)."""
    at = at or timezone.now()
    queryset = Product.objects.all() if queryset is None else queryset
    return queryset.annotate(paylater_active=Exists(
        ActivityItem.objects.filter(item_active_q(at), product_id=OuterRef("pk"))))


def platform_product(*, product_id: int, at=None) -> Product | None:
    """The product with `paylater_active` at `at` (now): `products_with_paylater_active` for one
    id (the platform's product GET). None when no such product."""
    return products_with_paylater_active(Product.objects.filter(pk=product_id), at=at or timezone.now()).first()
