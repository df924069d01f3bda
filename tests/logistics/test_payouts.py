"""Weekly settlement: payouts (cash or ad credit), disqualification by a fake-transactions or
fake-shipping violation of the week, claw-backs and reinstatements (SPEC §4)."""
import datetime as dt
from decimal import Decimal

import pytest

from logistics.models import AdCreditGrant, LogisticsPolicy, PayoutMethod, WeeklyResult
from logistics.settlement import clawback_sweep, settlement_start
from merchants.models import LedgerEntry, Violation
from tests.factories import ViolationFactory
from tests.logistics.factories import AFTER_WEEK, WEEK, make_orders
from tests.logistics.weeks import SUNDAY, day, enrolled, result, settle

pytestmark = pytest.mark.django_db


# --- payouts and disqualification ------------------------------------------------------------------
def test_cash_payout_is_an_incentive_ledger_credit():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    entry = LedgerEntry.objects.get(store=store, kind=LedgerEntry.Kind.INCENTIVE)
    assert entry.amount == Decimal("60.00")
    assert entry.idempotency_key == f"logistics:{store.pk}:2026-W46"
    assert result(store).payout == PayoutMethod.CASH


def test_ad_credit_payout_by_policy_grants_instead_of_cash():
    policy = LogisticsPolicy.current()
    policy.payout_method = PayoutMethod.AD_CREDIT
    policy.save()
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    assert AdCreditGrant.objects.get(store=store, week=WEEK).amount == Decimal("60.00")
    assert not LedgerEntry.objects.filter(store=store).exists()
    assert result(store).payout == PayoutMethod.AD_CREDIT


@pytest.mark.parametrize("kind, status, occurred, disqualified", [
    (Violation.Kind.FAKE_SHIPPING, Violation.Status.CONFIRMED, 3, True),
    (Violation.Kind.FAKE_TRANSACTIONS, Violation.Status.CONFIRMED, 0, True),
    (Violation.Kind.FAKE_SHIPPING, Violation.Status.PENDING_REVIEW, 3, False),
    (Violation.Kind.FAKE_SHIPPING, Violation.Status.REVOKED, 3, False),
    (Violation.Kind.AFTER_SALES_DELAY, Violation.Status.CONFIRMED, 3, False),
    (Violation.Kind.FAKE_SHIPPING, Violation.Status.CONFIRMED, 7, False),  # next week
])
def test_confirmed_fake_violation_in_the_week_disqualifies(kind, status, occurred, disqualified):
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    ViolationFactory(store=store, kind=kind, status=status, occurred_at=day(occurred, 0, 0, 0))
    settle()
    r = result(store)
    assert (r.status == WeeklyResult.Status.DISQUALIFIED) is disqualified
    assert LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.INCENTIVE).exists() is not disqualified


def test_violation_confirmed_after_payout_is_clawed_back_once():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    violation = ViolationFactory(store=store, kind=Violation.Kind.FAKE_TRANSACTIONS,
                                 status=Violation.Status.CONFIRMED, occurred_at=day(2))
    assert clawback_sweep() == 1
    assert clawback_sweep() == 0
    r = result(store)
    assert r.status == WeeklyResult.Status.DISQUALIFIED and r.clawed_back_at is not None
    debit = LedgerEntry.objects.get(store=store, idempotency_key=f"logistics:{store.pk}:2026-W46:clawback")
    assert debit.amount == Decimal("-60.00")
    assert sum(LedgerEntry.objects.filter(store=store).values_list("amount", flat=True)) == 0
    assert [h.status for h in r.history.order_by("history_date")] == ["paid", "disqualified"]
    assert violation.pk


def test_revoking_the_violation_pays_the_clawed_back_week_again_once():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    violation = ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING,
                                 status=Violation.Status.CONFIRMED, occurred_at=day(4))
    clawback_sweep()
    Violation.objects.filter(pk=violation.pk).update(status=Violation.Status.REVOKED)
    assert clawback_sweep() == 1
    assert clawback_sweep() == 0
    r = result(store)
    assert (r.status, r.amount, r.clawbacks) == (WeeklyResult.Status.PAID, Decimal("60.00"), 1)
    assert LedgerEntry.objects.get(idempotency_key=f"logistics:{store.pk}:2026-W46:reinstated:1").amount == 60
    assert sum(LedgerEntry.objects.filter(store=store).values_list("amount", flat=True)) == Decimal("60.00")
    # confirmed again (another violation): clawed back a second time, with its own key
    ViolationFactory(store=store, kind=Violation.Kind.FAKE_TRANSACTIONS, status=Violation.Status.CONFIRMED,
                     occurred_at=day(5))
    assert clawback_sweep() == 1
    assert LedgerEntry.objects.filter(idempotency_key=f"logistics:{store.pk}:2026-W46:clawback:2").exists()
    assert sum(LedgerEntry.objects.filter(store=store).values_list("amount", flat=True)) == 0
    assert [h.status for h in r.history.order_by("history_date", "history_id")] == [
        "paid", "disqualified", "paid", "disqualified"]


def test_revoking_the_violation_pays_a_week_disqualified_at_settlement():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    violation = ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING,
                                 status=Violation.Status.CONFIRMED, occurred_at=day(1))
    settle()
    assert result(store).status == WeeklyResult.Status.DISQUALIFIED and result(store).amount == 0
    Violation.objects.filter(pk=violation.pk).update(status=Violation.Status.REVOKED)
    assert clawback_sweep() == 1
    r = result(store)
    assert (r.status, r.amount, r.payout) == (WeeklyResult.Status.PAID, Decimal("60.00"), PayoutMethod.CASH)
    assert LedgerEntry.objects.get(store=store).idempotency_key == f"logistics:{store.pk}:2026-W46"


def test_a_week_without_a_tier_is_not_paid_when_its_violation_is_revoked():
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 10, day(6))
    violation = ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING,
                                 status=Violation.Status.CONFIRMED, occurred_at=day(1))
    settle()
    Violation.objects.filter(pk=violation.pk).update(status=Violation.Status.REVOKED)
    assert clawback_sweep() == 0
    assert result(store).status == WeeklyResult.Status.DISQUALIFIED


def test_ad_credit_claw_back_revokes_the_grant():
    policy = LogisticsPolicy.current()
    policy.payout_method = PayoutMethod.AD_CREDIT
    policy.save()
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING, status=Violation.Status.CONFIRMED,
                     occurred_at=day(6))
    settlement_start(week=WEEK - dt.timedelta(days=7), now=AFTER_WEEK, inline=True)  # each run sweeps too
    assert AdCreditGrant.objects.get(store=store).revoked_at is not None
    assert not LedgerEntry.objects.filter(store=store).exists()
