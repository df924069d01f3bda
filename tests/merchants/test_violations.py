"""Violations and penalties (SPEC §1): confirm applies the policy, dismiss nothing, revoke
reverses everything."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from config.api.errors import DomainError, StateConflict
from merchants.credit.selectors import store_credit
from merchants.ledger.selectors import wallet_balance
from merchants.ledger.services import wallet_topup
from merchants.models import LedgerEntry, PenaltyRule, Sanction, Store, Violation
from merchants.violations.selectors import sanction_until
from merchants.violations.services import violation_confirm, violation_dismiss, violation_open, violation_revoke
from tests.factories import StoreFactory, ViolationFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 local


@pytest.fixture
def shop():
    return StoreFactory(base_limit=Decimal("20000.00"), grade=Store.Grade.B)


def confirm(v, at=T0):
    with time_machine.travel(at, tick=False):
        return violation_confirm(violation_id=v.pk)


def test_fake_transactions_fine_50pct_freeze_30_days_no_raise_6_months_grade_c(shop):
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_TRANSACTIONS, occurred_at=T0))
    shop.refresh_from_db()
    assert v.status == Violation.Status.CONFIRMED and v.confirmed_at == T0
    fine = LedgerEntry.objects.get(idempotency_key=f"violation:{v.pk}:fine")
    assert fine.kind == "fine" and fine.amount == Decimal("-10000.00")
    assert wallet_balance(store_id=shop.pk) == Decimal("-10000.00")  # a wallet may go negative
    assert sanction_until(store_id=shop.pk, kind="credit_freeze", at=T0) == T0 + dt.timedelta(days=30)
    assert sanction_until(store_id=shop.pk, kind="raise_ban", at=T0) == dt.datetime(2027, 5, 10, 2,
                                                                                   tzinfo=dt.timezone.utc)
    assert shop.grade == "C" and v.grade_before == "B" and v.grade_after == "C"


def test_excess_advance_fine_30pct_freeze_15_days_paylater_suspended_3_months(shop):
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.EXCESS_ADVANCE))
    assert v.fine_amount == Decimal("6000.00")
    assert sanction_until(store_id=shop.pk, kind="credit_freeze", at=T0) == T0 + dt.timedelta(days=15)
    assert sanction_until(store_id=shop.pk, kind="paylater_suspension", at=T0) == dt.datetime(
        2027, 2, 10, 2, tzinfo=dt.timezone.utc)
    assert Store.objects.get(pk=shop.pk).grade == "B"


def test_after_sales_delay_fine_20pct_freeze_7_days_grade_one_step_down(shop):
    shop.grade = "A"
    shop.save()
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.AFTER_SALES_DELAY))
    assert v.fine_amount == Decimal("4000.00")
    assert sanction_until(store_id=shop.pk, kind="credit_freeze", at=T0) == T0 + dt.timedelta(days=7)
    assert Store.objects.get(pk=shop.pk).grade == "B"


def test_fake_shipping_has_no_fine_and_no_freeze(shop):
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_SHIPPING))
    assert v.fine_amount == 0 and not LedgerEntry.objects.filter(store=shop).exists()
    assert not Sanction.objects.filter(store=shop).exists()
    assert v.penalty["no_logistics_incentive_that_week"] is True


def test_freeze_is_derived_from_dates_and_makes_available_zero(shop):
    confirm(ViolationFactory(store=shop, kind=Violation.Kind.AFTER_SALES_DELAY))
    assert store_credit(store=shop, at=T0 + dt.timedelta(days=6)).available == 0
    later = store_credit(store=shop, at=T0 + dt.timedelta(days=7))  # [start, end): over at the end
    assert later.frozen_until is None and later.available == Decimal("20000.00")


def test_overlapping_freezes_end_at_the_latest_end(shop):
    confirm(ViolationFactory(store=shop, kind=Violation.Kind.EXCESS_ADVANCE))  # 15 days
    confirm(ViolationFactory(store=shop, kind=Violation.Kind.AFTER_SALES_DELAY), at=T0 + dt.timedelta(days=1))
    assert sanction_until(store_id=shop.pk, kind="credit_freeze", at=T0 + dt.timedelta(days=2)) == \
        T0 + dt.timedelta(days=15)


def test_fine_is_on_the_effective_limit_at_confirmation_and_follows_the_policy(shop):
    rule = PenaltyRule.for_kind(Violation.Kind.AFTER_SALES_DELAY)
    rule.fine_rate = Decimal("0.1234")
    rule.save()
    shop.base_limit = Decimal("1000.05")
    shop.save()
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.AFTER_SALES_DELAY))
    assert v.fine_amount == Decimal("123.41")  # 123.406 half-up
    assert v.limit_at_confirmation == Decimal("1000.05")


def test_dismiss_applies_nothing(shop):
    v = ViolationFactory(store=shop, kind=Violation.Kind.FAKE_TRANSACTIONS)
    violation_dismiss(violation_id=v.pk, note="duplicate report")
    v.refresh_from_db()
    assert v.status == "dismissed" and v.confirmed_at is None and v.penalty == {}
    assert not LedgerEntry.objects.exists() and not Sanction.objects.exists()
    assert Store.objects.get(pk=shop.pk).grade == "B"


def test_illegal_transitions_are_refused(shop):
    v = ViolationFactory(store=shop)
    violation_dismiss(violation_id=v.pk)
    with pytest.raises(StateConflict):
        violation_confirm(violation_id=v.pk)
    with pytest.raises(StateConflict):
        violation_revoke(violation_id=v.pk, reason="x")
    pending = ViolationFactory(store=shop)
    with pytest.raises(StateConflict):
        violation_revoke(violation_id=pending.pk, reason="x")
    confirmed = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_SHIPPING))
    with pytest.raises(StateConflict):
        violation_confirm(violation_id=confirmed.pk)
    with pytest.raises(StateConflict):
        violation_dismiss(violation_id=confirmed.pk)


def test_revoke_needs_a_reason(shop):
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_SHIPPING))
    with pytest.raises(DomainError) as err:
        violation_revoke(violation_id=v.pk, reason="  ")
    assert err.value.code == "reason_required"


def test_revoke_round_trip_leaves_the_wallet_where_it_started_and_keeps_history(shop):
    wallet_topup(store=shop, amount=Decimal("500.00"), idempotency_key="t1")
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_TRANSACTIONS))
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        violation_revoke(violation_id=v.pk, reason="appeal accepted: orders were real")
        v.refresh_from_db()
        assert wallet_balance(store_id=shop.pk) == Decimal("500.00")
        assert LedgerEntry.objects.get(idempotency_key=f"violation:{v.pk}:fine_reversal").amount == \
            Decimal("10000.00")
        assert store_credit(store=shop).frozen_until is None
        assert sanction_until(store_id=shop.pk, kind="raise_ban") is None
    assert Store.objects.get(pk=shop.pk).grade == "B" and v.grade_restored is True
    assert v.status == "revoked" and v.revoke_reason.startswith("appeal")
    assert Sanction.objects.filter(violation=v, revoked_at__isnull=False).count() == 2
    statuses = list(v.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[-2:] == ["confirmed", "revoked"]
    assert v.history.order_by("-history_id").first().history_change_reason.startswith("revoked: appeal")


def test_revoke_does_not_restore_a_grade_a_later_change_touched(shop):
    v = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_TRANSACTIONS))  # B → C
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        shop.refresh_from_db()
        shop.grade = "A"  # an operator regraded later
        shop.save()
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        shop.grade = "C"
        shop.save()
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        violation_revoke(violation_id=v.pk, reason="mistake")
    v.refresh_from_db()
    assert v.grade_restored is False and Store.objects.get(pk=shop.pk).grade == "C"


def test_revoke_replays_a_later_violation_that_changed_nothing_at_its_time(shop):
    first = confirm(ViolationFactory(store=shop, kind=Violation.Kind.FAKE_TRANSACTIONS))  # B → C
    second = confirm(ViolationFactory(store=shop, kind=Violation.Kind.AFTER_SALES_DELAY),
                     at=T0 + dt.timedelta(days=1))  # already C: no change
    assert second.grade_after == ""
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        violation_revoke(violation_id=first.pk, reason="mistake")
    # SPEC decisions: replayed from B without the first, the after-sales delay lowers one step.
    assert Store.objects.get(pk=shop.pk).grade == "C"


def test_confirm_twice_never_fines_twice(shop):
    v = ViolationFactory(store=shop, kind=Violation.Kind.EXCESS_ADVANCE)
    confirm(v)
    with pytest.raises(StateConflict):
        confirm(v)
    assert LedgerEntry.objects.filter(kind="fine").count() == 1


def test_violation_open_is_idempotent_on_the_dedup_key(shop):
    a, created = violation_open(store=shop, kind="after_sales_delay", occurred_at=timezone.now(),
                                detected_by="rule: 48h refund", dedup_key="refund-case:7")
    b, again = violation_open(store=shop, kind="after_sales_delay", occurred_at=timezone.now(),
                              detected_by="rule: 48h refund", dedup_key="refund-case:7")
    assert created and not again and a.pk == b.pk and a.status == "pending_review"


# --- merchant API ------------------------------------------------------------------------------
def test_merchant_sees_own_violations_with_the_penalty(merchant_api, store, other_store):
    store.base_limit = Decimal("10000.00")
    store.save()
    v = confirm(ViolationFactory(store=store, kind=Violation.Kind.EXCESS_ADVANCE, occurred_at=T0))
    ViolationFactory(store=other_store)
    body = merchant_api.get("/api/v1/merchant/violations/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == v.pk and row["kind"] == "excess_advance" and row["status"] == "confirmed"
    assert row["confirmed_at"] == "2026-11-10T10:00:00+08:00"
    assert row["penalty"]["fine"] == "3000.00" and row["penalty"]["fine_rate"] == "0.3000"
    assert row["penalty"]["credit_frozen_until"] == "2026-11-25T10:00:00+08:00"
    assert row["penalty"]["paylater_suspended_until"] == "2027-02-10T10:00:00+08:00"
    assert row["penalty"]["reversed"] is False
    assert merchant_api.get(f"/api/v1/merchant/violations/{ViolationFactory(store=other_store).pk}/").status_code \
        == 404
    assert merchant_api.post("/api/v1/merchant/violations/", {}, format="json").status_code == 405


def test_violation_list_filters_and_pending_has_no_penalty(merchant_api, store):
    ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING)
    body = merchant_api.get("/api/v1/merchant/violations/?status=pending_review").json()
    assert body["count"] == 1 and body["results"][0]["penalty"] is None
    assert merchant_api.get("/api/v1/merchant/violations/?status=nonsense").status_code == 400
