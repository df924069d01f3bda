"""Writes for pay-later (SPEC §2): enrollment, order acceptance against the credit limit with
the fee, the order lifecycle, activities and items, fee statements and invoices, and the
excess-advance detector."""
import datetime as dt
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states, timeutil
from config.api.errors import DomainError, StateConflict
from config.api.idempotency import atomic_unless_in_request_transaction
from config.language import platform_text
from config.money import ZERO, money
from merchants.applications.services import activation_record
from merchants.credit.selectors import effective_limit, raised_limits
from merchants.ledger.services import ledger_post_many
from merchants.models import LedgerEntry, Order, Product, Sanction, Store, Violation
from merchants.orders.services import check_event_time
from merchants.violations.selectors import sanction_until
from merchants.violations.services import violation_open

from . import refusals, selectors
from . import sql as intake_sql
from .models import Activity, ActivityItem, Enrollment, FeeStatement, InvoiceRequest, PaylaterPolicy
from .proceeds import proceeds_settle, proceeds_settle_if_due  # noqa: F401 (proceeds_settle re-exported)

log = logging.getLogger(__name__)


# --- enrollment (开通) ----------------------------------------------------------------------
def enrollment_refusal(*, store: Store, at=None) -> str | None:
    """The first reason a store cannot enroll now, or None (SPEC §2, each with its code)."""
    at = at or timezone.now()
    if not store.wallet_upgraded:
        return "wallet_not_upgraded"
    if store.status == Store.Status.SUSPENDED:
        return "store_suspended"
    if sanction_until(store_id=store.pk, kind=Sanction.Kind.PAYLATER_SUSPENSION, at=at):
        return "paylater_suspended"
    if store.grade == Store.Grade.C:
        return "grade_not_allowed"
    if effective_limit(store=store, at=at)[0] <= 0:
        return "no_credit_limit"
    return None


REFUSAL_TEXT = {
    "wallet_not_upgraded": _("Upgrade the wallet (安心钱包) first."),
    "store_suspended": _("The store is suspended."),
    "paylater_suspended": _("The store's pay-later service is suspended."),
    "grade_not_allowed": _("Stores of grade C cannot enroll."),
    "no_credit_limit": _("The store has no credit limit yet."),
}


def enrollment_request(*, store: Store, at=None) -> Enrollment:
    """Checked at once. A refusal is recorded (attempt count, code, history) and raised; a
    refused store may try again later; an enrolled one gets 409 `already_enrolled`."""
    at = at or timezone.now()
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        enrollment = Enrollment.objects.filter(store=store).first()
        if enrollment and enrollment.status == Enrollment.Status.ACTIVE:
            raise StateConflict("already_enrolled", _("The store is already enrolled in pay-later."))
        code = enrollment_refusal(store=store, at=at)
        target = Enrollment.Status.REFUSED if code else Enrollment.Status.ACTIVE
        outcome = {"refusal_code": code or "", "attempts": (enrollment.attempts if enrollment else 0) + 1,
                   "last_attempt_at": at, "enrolled_at": None if code else at}
        reason = f"refused: {code}" if code else "enrolled"
        if enrollment is None:  # the first attempt creates the row with its outcome
            enrollment = Enrollment(store=store, status=target, **outcome)
            enrollment._change_reason = reason
            enrollment.save()
        else:
            states.transition(enrollment, target, reason=reason, **outcome)
    if code:
        # Raised after the commit so that the refused attempt stays on record.
        raise DomainError(code, REFUSAL_TEXT[code])
    return enrollment


# --- fees -----------------------------------------------------------------------------------
def fee_for(*, amount: Decimal, paid_at) -> Decimal:
    """amount × the dated rate for the local date of paid_at, half-up to the fen."""
    return money(amount * selectors.fee_rate_for(paid_at))


# --- order acceptance -----------------------------------------------------------------------
def paylater_order_accept(*, store: Store, product: Product, buyer_id: str, amount: Decimal, paid_at,
                          channel: str, buyer_credit_score: int | None = None) -> Order:
    """Accept a pay-later order or refuse it with its code (SPEC §2 "Orders"): see
    `paylater_order_intake`, which the API calls with the ids as they arrive."""
    return paylater_order_intake(store_id=store.pk, product_id=product.pk, buyer_id=buyer_id, amount=amount,
                                 paid_at=paid_at, channel=channel, buyer_credit_score=buyer_credit_score)


def paylater_order_intake(*, store_id: int, product_id: int, buyer_id: str, amount: Decimal, paid_at,
                          channel: str, buyer_credit_score: int | None = None) -> Order:
    """Accept a pay-later order or refuse it with its code (SPEC §2 "Orders").

    The product must be the store's; at arrival the store must be enrolled, active (not
    suspended), its pay-later service not suspended and its credit not frozen; the product in
    an active activity item at `paid_at`; the buyer's score at least the policy minimum; the
    amount within the available limit. The credit check, the order and the fee debit happen in
    one transaction holding the store row lock, so concurrent orders never over-commit.

    A refusal is recorded (SPEC §6, `paylater.refusals`) in the same transaction, which wrote
    nothing before it refused, and commits with the 400 answer. An accepted order that leaves
    less than 10% of the limit available may send `credit_limit.low`.

    Query budget (docs/paylater.md): the lock with every unlocked fact, the exposure under the
    lock, the order, its history row, the fee entry. Raises Store.DoesNotExist /
    Product.DoesNotExist for ids that name nothing (the API answers them as OrderIn does)."""
    amount = money(amount)
    # Inside the idempotency middleware's transaction for the API (claim, order or refusal, and
    # stored response commit once, decision 0033); a transaction of its own otherwise.
    with atomic_unless_in_request_transaction():
        try:
            return _intake(store_id=store_id, product_id=product_id, buyer_id=buyer_id, amount=amount,
                           paid_at=paid_at, channel=channel, buyer_credit_score=buyer_credit_score)
        except refusals.Refused as refused:
            refusals.refusal_keep(refused)
            error = refused.error
    raise error  # outside the block: raised inside it, the refusal's record would roll back


def _intake(*, store_id, product_id, buyer_id, amount, paid_at, channel, buyer_credit_score) -> Order:
    now = timezone.now()
    store = intake_sql.intake_lock_store(store_id=store_id, product_id=product_id, paid_at=paid_at, now=now)
    if store.product_store_id is None:
        raise Product.DoesNotExist(f"product {product_id}")
    # Under the lock, in a statement of its own (a fresh snapshot): the exact exposure.
    facts = intake_sql.intake_exposure(store_id=store.pk, now=now)
    raised = raised_limits(stores=[store], at=now).get(store.pk) if facts["has_approved"] else None
    limit = max(store.base_limit, raised) if raised is not None else store.base_limit
    available = max(ZERO, limit - facts["exposure"])
    defaults = PaylaterPolicy(pk=PaylaterPolicy.PK)  # the policy's defaults when no row is saved
    error = _intake_refusal(store=store, paid_at=paid_at, buyer_credit_score=buyer_credit_score, amount=amount,
                            available=available, defaults=defaults)
    if error is not None:
        raise refusals.Refused(error, store_id=store.pk, amount=amount, buyer_id=buyer_id, at=now, limit=limit,
                               available=ZERO if store.frozen_until else available)
    rate = store.fee_rate
    if rate is None:  # fee_for's rule: the dated rate, else the policy's standard rate
        rate = store.standard_rate if store.standard_rate is not None else defaults.standard_fee_rate
    order = Order(store=store, product_id=product_id, buyer_id=buyer_id, amount=amount, paid_at=paid_at,
                  channel=channel, payment_method=Order.PaymentMethod.PAYLATER, status=Order.Status.PLACED,
                  buyer_credit_score=buyer_credit_score, fee=money(amount * rate), created_at=now)
    order._change_reason = "paylater: accepted"
    order.save()  # with its history row (simple_history's post_save)
    if facts["activating"]:
        activation_record(store_id=store.pk)
    if order.fee > 0:
        # Dated at paid_at so that the month's fee entries are the month's orders (statements).
        ledger_post_many(entries=[{
            "store_id": store.pk, "kind": LedgerEntry.Kind.PAYLATER_FEE, "amount": -order.fee, "at": paid_at,
            "idempotency_key": f"order:{order.pk}:fee", "reference": f"order:{order.pk}",
            "memo": platform_text(_("pay-later fee"))}])
    refusals.limit_low_after_order(store_id=store.pk, limit=limit, available=available - amount, at=now)
    return order


def _intake_refusal(*, store, paid_at, buyer_credit_score, amount, available, defaults) -> DomainError | None:
    """The first reason intake refuses the order (SPEC §2 "Orders"), as the error it answers."""
    if store.product_store_id != store.pk:
        return DomainError("product_not_in_store", _("The product does not belong to this store."),
                           fields={"product": [str(_("Not a product of this store."))]})
    try:
        check_event_time(paid_at)
    except DomainError as error:
        return error
    if not store.enrolled:
        return DomainError("paylater_not_enrolled", _("The store is not enrolled in pay-later."))
    if store.status == Store.Status.SUSPENDED:
        return DomainError("store_suspended", _("The store is suspended."))
    if store.suspended_until:
        return DomainError("paylater_suspended", _("The store's pay-later service is suspended."))
    if store.frozen_until:
        return DomainError("store_frozen", _("The store's credit is frozen."))
    if not store.product_active:
        return DomainError("product_not_in_activity",
                           _("The product is not in an active pay-later activity at paid_at."))
    min_score = store.min_score if store.min_score is not None else defaults.min_buyer_credit_score
    if buyer_credit_score is None or buyer_credit_score < min_score:
        return DomainError("buyer_not_eligible", _("The buyer's credit score is too low for pay-later."),
                           fields={"buyer_credit_score": [str(_("At least %(min)s is required.")
                                                              % {"min": min_score})]})
    if amount > available:
        return DomainError("credit_limit_exceeded",
                           _("The order exceeds the available pay-later limit (%(available)s).")
                           % {"available": f"{available:.2f}"})
    return None


# --- order lifecycle ------------------------------------------------------------------------
S = Order.Status
# action (an event of Order.EVENTS, the order's one transition table) → the timestamp it sets;
# a recovered advance stays `advanced` with advance_recovered_at set (no longer exposure).
# Cancellation by a full refund is done by merchants.orders.order_record_refund.
STAMPS = {"confirm_receipt": "receipt_confirmed_at", "charge": "charged_at", "advance": "advanced_at",
          "recover_advance": "advance_recovered_at"}
PREVIOUS_TIME = {"confirm_receipt": "paid_at", "charge": "receipt_confirmed_at",
                 "advance": "receipt_confirmed_at", "recover_advance": "advanced_at"}


def order_transition(*, order_id: int, action: str, at, reason: str = "", field: str = "at") -> Order:
    """Move a pay-later order along Order.TRANSITIONS; a wrong state is 409 `invalid_state`. Each
    move writes one history row with its reason; completion settles the proceeds when due."""
    sources, target = Order.EVENTS[action]
    stamp = STAMPS[action]
    check_event_time(at, field=field)
    with transaction.atomic():
        order = (Order.objects.select_for_update()
                 .filter(pk=order_id, payment_method=Order.PaymentMethod.PAYLATER).first())
        if order is None:
            raise DomainError("not_found", _("No such pay-later order."), status=404)
        if order.status not in sources or getattr(order, stamp) is not None:
            raise StateConflict("invalid_state", _("A %(status)s order cannot do this.")
                                % {"status": order.get_status_display()})
        previous = getattr(order, PREVIOUS_TIME[action])
        if previous and at < previous:
            raise DomainError("timestamp_out_of_order", _("%(field)s is before the previous step.") % {"field": field},
                              fields={field: [str(_("Must not be before %(previous)s.")
                                                  % {"previous": timeutil.local(previous).isoformat()})]})
        states.transition(order, target, sources=sources, reason=reason or f"paylater: {action}",
                          update_fields=[stamp], **{stamp: at})
        if target in (S.PAID, S.ADVANCED) and action != "recover_advance":
            proceeds_settle_if_due(order=order, completed_at=at)
    return order


def order_confirm_receipt(*, order_id: int, confirmed_at) -> Order:
    return order_transition(order_id=order_id, action="confirm_receipt", at=confirmed_at, field="confirmed_at",
                            reason="platform: receipt confirmed")


def order_consumer_charge(*, order_id: int, succeeded: bool, at) -> Order:
    """The consumer was charged after receipt; if that failed the platform advances the full
    price to the merchant (平台垫付)."""
    if succeeded:
        return order_transition(order_id=order_id, action="charge", at=at, reason="platform: consumer charged")
    return order_transition(order_id=order_id, action="advance", at=at,
                            reason="platform: consumer charge failed, platform advance")


def order_advance_recovered(*, order_id: int, at) -> Order:
    return order_transition(order_id=order_id, action="recover_advance", at=at,
                            reason="platform: advance recovered")


# --- activities -----------------------------------------------------------------------------
def _lock_products(product_ids) -> dict[int, Product]:
    """Lock the product rows (in id order, no deadlocks) so that two requests cannot both put
    one product into items that have not ended."""
    return {p.pk: p for p in Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")}


def activity_create(*, store: Store, name: str, duration: str, products: list[Product], starts_at=None,
                    ends_at=None, at=None) -> Activity:
    """All or nothing (SPEC §2): one ineligible product refuses the whole request with a
    reason per product in `fields.products`."""
    at = at or timezone.now()
    if not selectors.is_enrolled(store_id=store.pk):
        raise DomainError("paylater_not_enrolled", _("The store is not enrolled in pay-later."))
    # An activity never starts before it is created: a backdated start would make orders paid
    # before the product joined look accepted.
    starts_at = max(starts_at, at) if starts_at else at
    if duration == Activity.Duration.LONG_TERM:
        ends_at = None
    else:
        if ends_at is None or starts_at >= ends_at:
            raise DomainError("invalid", _("A short-term activity needs starts_at before ends_at."),
                              fields={"ends_at": [str(_("Must be after starts_at."))]})
        if ends_at <= at:
            raise DomainError("invalid", _("ends_at is in the past."),
                              fields={"ends_at": [str(_("Must be in the future."))]})
    ids = sorted({p.pk for p in products})
    foreign = [p.pk for p in products if p.store_id != store.pk]
    if foreign:
        raise DomainError("invalid", _("Products must belong to the store."),
                          fields={"products": {str(pk): "not_in_store" for pk in foreign}})
    with transaction.atomic():
        _lock_products(ids)
        reasons = dict(selectors.products_with_eligibility(Product.objects.filter(pk__in=ids), at=at)
                       .filter(ineligible_reason__isnull=False).values_list("pk", "ineligible_reason"))
        if reasons:
            raise DomainError("products_ineligible", _("Some products cannot join a pay-later activity."),
                              fields={"products": {str(pk): reason for pk, reason in sorted(reasons.items())}})
        activity = Activity(store=store, name=name, duration=duration, starts_at=starts_at, ends_at=ends_at,
                            created_at=at)
        activity._change_reason = "merchant: created"
        activity.save()
        for pk in ids:
            item = ActivityItem(activity=activity, product_id=pk, created_at=at)
            item._change_reason = "merchant: added"
            item.save()
    return activity


def activity_end(*, activity_id: int, at=None, reason: str = "merchant: ended activity") -> Activity:
    """End the whole activity now: it and all its items still open end at `at`."""
    at = at or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity_id)
        if selectors.activities_with_status(Activity.objects.filter(pk=activity.pk), at=at).get().status \
                == "ended":
            raise StateConflict("invalid_state", _("The activity has already ended."))
        activity.ended_at = at
        activity._change_reason = reason
        activity.save(update_fields=["ended_at"])
        for item in activity.items.select_for_update().filter(ended_at__isnull=True):
            item.ended_at = at
            item._change_reason = reason
            item.save(update_fields=["ended_at"])
    return activity


def activity_item_end(*, item_id: int, at=None, reason: str = "merchant: ended item") -> ActivityItem:
    """End one item; the activity's other items are untouched."""
    at = at or timezone.now()
    with transaction.atomic():
        item = ActivityItem.objects.select_for_update().get(pk=item_id)
        if selectors.items_with_status(ActivityItem.objects.filter(pk=item.pk), at=at).get().status == "ended":
            raise StateConflict("invalid_state", _("The item has already ended."))
        item.ended_at = at
        item._change_reason = reason
        item.save(update_fields=["ended_at"])
    return item


# --- fee statements and invoices ------------------------------------------------------------
def fee_statements_generate(*, month: dt.date, now=None, store_ids: list[int] | None = None) -> int:
    """One statement per store with pay-later fees or orders in a CLOSED month (SPEC §2).
    Order count = pay-later orders by local paid_at; fee total = the month's `paylater_fee`
    ledger entries (dated at paid_at). Set-based; an upsert on (store, month) makes re-runs
    and concurrent runs idempotent. Returns the number of statements written. `store_ids`:
    only these stores (the demo seeds its own stores' statements, no other store's)."""
    now = now or timezone.now()
    month = month.replace(day=1)
    if not timeutil.month_is_closed(month, now):
        raise DomainError("month_not_closed", _("Statements exist only for closed months; %(month)s is open.")
                          % {"month": f"{month:%Y-%m}"})
    start, end = timeutil.month_bounds(month)
    only = {} if store_ids is None else {"store_id__in": store_ids}
    counts = dict(Order.objects.filter(payment_method=Order.PaymentMethod.PAYLATER, paid_at__gte=start,
                                       paid_at__lt=end, **only)
                  .order_by().values("store_id").annotate(n=Count("id")).values_list("store_id", "n"))
    fees = dict(LedgerEntry.objects.filter(kind=LedgerEntry.Kind.PAYLATER_FEE, created_at__gte=start,
                                           created_at__lt=end, **only)
                .order_by().values("store_id").annotate(total=Sum("amount")).values_list("store_id", "total"))
    rows = [FeeStatement(store_id=store_id, month=month, order_count=counts.get(store_id, 0),
                         fee_total=-(fees.get(store_id) or ZERO), generated_at=now)
            for store_id in sorted(set(counts) | set(fees))]
    FeeStatement.objects.bulk_create(rows, update_conflicts=True, unique_fields=["store", "month"],
                                     update_fields=["order_count", "fee_total", "generated_at"])
    return len(rows)


def invoice_request(*, statement: FeeStatement, title: str, tax_id: str, at=None) -> InvoiceRequest:
    """Once per statement: a second request is 409 `invoice_already_requested` (the unique
    statement column backs this up under concurrency)."""
    conflict = StateConflict("invoice_already_requested", _("An invoice was already requested for this statement."))
    if InvoiceRequest.objects.filter(statement=statement).exists():
        raise conflict
    try:
        with transaction.atomic():
            invoice = InvoiceRequest(statement=statement, title=title, tax_id=tax_id, requested_at=at or timezone.now())
            invoice._change_reason = "merchant: requested"
            invoice.save()
    except IntegrityError:
        raise conflict
    return invoice


def invoice_mark_issued(*, invoice_id: int, invoice_number: str, user=None, at=None) -> InvoiceRequest:
    number = (invoice_number or "").strip()
    if not number:
        raise DomainError("invalid", _("An invoice number is required."))
    with transaction.atomic():
        invoice = InvoiceRequest.objects.select_for_update().get(pk=invoice_id)
        states.transition(invoice, InvoiceRequest.Status.ISSUED, reason=f"operator: issued {number}", user=user,
                          message=_("The invoice was already issued."),
                          invoice_number=number, issued_at=at or timezone.now())
    return invoice


# --- excess-advance detector ----------------------------------------------------------------
def excess_advances_detect(*, day: dt.date) -> list[Violation]:
    """Stores whose platform advances (by local `advanced_at`) in one local day exceed the
    policy limit get one pending excess-advance violation for that day, however often this
    runs (dedup key per store and day). Returns the violations opened now."""
    limit = PaylaterPolicy.current().excess_advance_daily_limit
    start, end = timeutil.day_bounds(day)
    rows = (Order.objects.filter(payment_method=Order.PaymentMethod.PAYLATER, advanced_at__gte=start,
                                 advanced_at__lt=end)
            .order_by().values("store_id").annotate(total=Sum("amount"), n=Count("id"), last=Max("advanced_at"))
            .filter(total__gt=limit))
    opened = []
    for row in rows:
        try:
            violation, created = violation_open(
                store=Store.objects.get(pk=row["store_id"]), kind=Violation.Kind.EXCESS_ADVANCE,
                occurred_at=row["last"], detected_by="rule: excess advance detector",
                reference=f"date:{day.isoformat()}",
                detail=f"{row['n']} platform advances totalling {row['total']:.2f} on {day.isoformat()} "
                       f"(limit {limit:.2f})",
                dedup_key=f"excess_advance:{row['store_id']}:{day.isoformat()}")
        except Exception:  # one store's failure must not stop the others
            log.exception("excess advance detector failed for store %s on %s", row["store_id"], day)
            continue
        if created:
            opened.append(violation)
    return opened

