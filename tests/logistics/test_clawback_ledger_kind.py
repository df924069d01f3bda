"""SPEC decisions: a claw-back is an `incentive_reversal` ledger entry (−), a reinstatement an
`incentive` (+)."""
from decimal import Decimal

import pytest

from logistics.settlement import clawback_sweep
from merchants.models import LedgerEntry, Violation
from tests.factories import ViolationFactory
from tests.logistics.factories import make_orders
from tests.logistics.test_settlement import SUNDAY, day, enrolled, settle

pytestmark = pytest.mark.django_db


def kinds(store):
    return list(LedgerEntry.objects.filter(store=store).order_by("created_at", "id").values_list("kind", "amount"))


def paid_clawed_back_and_reinstated():
    """A store paid for the week, clawed back after a confirmed fake-shipping violation, then
    reinstated when it is revoked."""
    store = enrolled(counting_from=SUNDAY)
    make_orders(store, 300, day(6))
    settle()
    violation = ViolationFactory(store=store, kind=Violation.Kind.FAKE_SHIPPING,
                                 status=Violation.Status.CONFIRMED, occurred_at=day(4))
    clawback_sweep()
    Violation.objects.filter(pk=violation.pk).update(status=Violation.Status.REVOKED)
    clawback_sweep()
    return store


def test_claw_back_is_an_incentive_reversal_and_reinstatement_an_incentive():
    store = paid_clawed_back_and_reinstated()
    assert kinds(store) == [("incentive", Decimal("60.00")), ("incentive_reversal", Decimal("-60.00")),
                            ("incentive", Decimal("60.00"))]
    assert not LedgerEntry.objects.filter(store=store, kind=LedgerEntry.Kind.ADJUSTMENT).exists()


def test_incentive_memos_are_in_the_platform_language_whoever_runs_the_job(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"  # the platform's (the test settings speak English)
    with translation.override("en"):  # a job started from an English session writes Chinese data too
        store = paid_clawed_back_and_reinstated()
    memos = list(LedgerEntry.objects.filter(store=store).order_by("created_at", "id").values_list("memo", flat=True))
    assert memos == ["准时发货激励 2026-W46：300 个包裹 × ¥0.20",
                     "追回准时发货激励 2026-W46：违规已确认",
                     "准时发货激励 2026-W46：取消资格的违规已撤销"]
