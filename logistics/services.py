"""Writes for the logistics plan: store setup, enrollment, shipments and pickup scans (SPEC §4).
Settlement lives in `logistics.settlement`."""
import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import states, timeutil
from config.api.errors import DomainError, StateConflict
from config.money import money
from merchants.models import Order, Store
from merchants.orders.services import check_event_time

from .models import Enrollment, LogisticsPolicy, LogisticsProfile, Shipment, normalise_city
from .rules import shipping_deadline

COUNTING_DELAY_DAYS = 2  # T+2


# --- store setup (reported by the platform's logistics service) -----------------------------
def logistics_profile_set(*, store: Store, official_logistics_enabled: bool, deposit_paid: Decimal,
                          user=None) -> LogisticsProfile:
    with transaction.atomic():
        profile, _created = LogisticsProfile.objects.select_for_update().get_or_create(store=store)
        profile.official_logistics_enabled = official_logistics_enabled
        profile.deposit_paid = money(deposit_paid)
        profile._change_reason = "logistics setup"
        profile.save()
    return profile


# --- enrollment -------------------------------------------------------------------------------
def enrollment_create(*, store: Store, agreement_signed: bool, withholding_signed: bool, ship_from_city: str,
                      now: dt.datetime | None = None, user=None) -> Enrollment:
    """Join the plan (SPEC §4). The four prerequisites are checked in the order of the source's
    sign-up steps and the first one missing is reported; counting starts T+2 local days later."""
    now = now or timezone.now()
    policy = LogisticsPolicy.current()
    with transaction.atomic():
        Store.objects.select_for_update().filter(pk=store.pk).first()  # serialise joins of one store
        if Enrollment.objects.filter(store=store, status=Enrollment.Status.ACTIVE).exists():
            raise StateConflict("already_enrolled", _("The store is already enrolled in the plan."))
        profile = LogisticsProfile.objects.filter(store=store).first()
        if profile is None or not profile.official_logistics_enabled:
            raise DomainError("official_logistics_required", _("Official logistics is not enabled for this store."))
        if not agreement_signed:
            raise DomainError("agreement_required", _("The service agreement must be signed."),
                              fields={"agreement_signed": [str(_("Must be true."))]})
        if not withholding_signed:
            raise DomainError("withholding_required", _("The withholding agreement (支付宝代扣) must be signed."),
                              fields={"withholding_signed": [str(_("Must be true."))]})
        required = policy.deposit_required
        if profile.deposit_paid < required:
            raise DomainError("deposit_insufficient",
                              _("Deposit paid %(paid)s is below the required %(required)s.")
                              % {"paid": profile.deposit_paid, "required": required})
        if normalise_city(ship_from_city) not in policy.region_names():
            raise DomainError("region_not_open", _("The plan is not open for this ship-from city yet."),
                              fields={"ship_from_city": [str(_("Not an open region."))]})
        enrollment = Enrollment(
            store=store, agreement_signed=True, withholding_signed=True, ship_from_city=ship_from_city.strip(),
            joined_at=now, counting_from=timeutil.local_date(now) + dt.timedelta(days=COUNTING_DELAY_DAYS))
        enrollment._change_reason = "joined"
        if user is not None:
            enrollment._history_user = user
        try:
            with transaction.atomic():
                enrollment.save()
        except IntegrityError:  # a concurrent join won (one active enrollment per store)
            raise StateConflict("already_enrolled", _("The store is already enrolled in the plan."))
    return enrollment


def enrollment_transition(*, enrollment: Enrollment, to: str, at: dt.datetime, reason: str,
                          user=None) -> Enrollment:
    """The one way an enrollment changes status; illegal moves are refused (409)."""
    with transaction.atomic():
        current = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        stamps = {"cancelled_at": at} if to == Enrollment.Status.CANCELLED else {}
        states.transition(current, to, reason=reason, user=user,
                          message=lambda e, to: _("An enrollment that is %(status)s cannot become %(to)s.")
                          % {"status": e.get_status_display(), "to": to}, **stamps)
    return current


def enrollment_cancel(*, enrollment: Enrollment, now: dt.datetime | None = None, user=None,
                      reason: str = "cancelled by merchant") -> Enrollment:
    """Leave the plan: the day of cancellation and later do not count; rejoining starts a new T+2.
    The merchant leaves through the API; an operator's cancellation says so in `reason`."""
    return enrollment_transition(enrollment=enrollment, to=Enrollment.Status.CANCELLED, at=now or timezone.now(),
                                 reason=reason, user=user)


# --- shipments --------------------------------------------------------------------------------
def shipment_create(*, order: Order, tracking_no: str, official_logistics: bool,
                    now: dt.datetime | None = None) -> Shipment:
    """The merchant ships an order now; once per order (409 `already_shipped`)."""
    now = now or timezone.now()
    tracking_no = tracking_no.strip()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if Shipment.objects.filter(order=order).exists():
            raise StateConflict("already_shipped", _("This order has already been shipped."))
        if order.status == Order.Status.CANCELLED or order.refunded_at is not None:
            raise StateConflict("invalid_state", _("A cancelled or fully refunded order cannot be shipped."))
        if Shipment.objects.filter(tracking_no=tracking_no).exists():
            raise DomainError("tracking_no_in_use", _("This tracking number is already used by another shipment."),
                              fields={"tracking_no": [str(_("Already used."))]})
        try:
            with transaction.atomic():
                return Shipment.objects.create(order=order, store_id=order.store_id, tracking_no=tracking_no,
                                               official_logistics=official_logistics, shipped_at=now,
                                               deadline=shipping_deadline(order.paid_at), created_at=now)
        except IntegrityError:
            raise DomainError("tracking_no_in_use", _("This tracking number is already used by another shipment."),
                              fields={"tracking_no": [str(_("Already used."))]})


def shipment_record_pickup(*, shipment: Shipment, picked_up_at: dt.datetime) -> Shipment:
    """A carrier's pickup scan (揽收). The first scan counts; repeating it changes nothing."""
    check_event_time(picked_up_at, field="picked_up_at")
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().select_related("order").get(pk=shipment.pk)
        if shipment.picked_up_at is not None:
            return shipment
        if picked_up_at < shipment.shipped_at:
            raise DomainError("pickup_before_shipment", _("A parcel cannot be picked up before it was shipped."),
                              fields={"picked_up_at": [str(_("Earlier than shipped_at."))]})
        shipment.picked_up_at = picked_up_at
        shipment.pickup_recorded_at = timezone.now()
        shipment.save(update_fields=["picked_up_at", "pickup_recorded_at"])
    return shipment
