"""Limit-increase applications (提额申请, SPEC §1): refusals, deadline, pre-assessment,
review, two-step activation, masking."""
import datetime as dt
import logging
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from config import timeutil
from config.api.errors import DomainError, StateConflict
from merchants.applications.services import (
    activation_record,
    application_approve,
    application_reject,
    application_submit,
)
from merchants.applications.workdays import add_working_days
from merchants.credit.selectors import store_credit
from merchants.models import CreditApplication, Order, Sanction, Store
from tests.factories import OrderFactory, ProductFactory, StoreFactory, StoreMetricsFactory
from tests.merchants.factories import CreditApplicationFactory, CreditEvaluationFactory, HolidayFactory

pytestmark = pytest.mark.django_db
TZ = timeutil.platform_tz()
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=TZ)  # a Friday, 15:00 local
SENSITIVE = {"business_license_no": "91420100MA4KXYZ12Q", "legal_rep_id_no": "42010219900101123X",
             "bank_account": "6222020200112233445"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop():
    return StoreFactory(base_limit=Decimal("15000.00"))


def submit(store, requested="50000.00", at=None):
    return application_submit(store=store, requested_limit=Decimal(requested), at=at, **SENSITIVE)


def refused(store, code, **kw):
    with pytest.raises(DomainError) as err:
        submit(store, **kw)
    assert err.value.code == code
    return err.value


# --- refusals ---------------------------------------------------------------------------------
def test_a_third_application_in_the_same_calendar_year_is_refused_whatever_became_of_the_others(shop):
    CreditApplicationFactory(store=shop, status="rejected", submitted_at=dt.datetime(2026, 1, 1, 0, 0, tzinfo=TZ))
    CreditApplicationFactory(store=shop, status="approved", granted_limit=Decimal("16000"),
                             effective_limit_at_approval=Decimal("15000"), decided_at=NOW - dt.timedelta(days=30),
                             submitted_at=NOW - dt.timedelta(days=40))
    refused(shop, "annual_application_limit")


def test_applications_of_last_year_do_not_count(shop):
    for _ in range(2):
        CreditApplicationFactory(store=shop, status="rejected",
                                 submitted_at=dt.datetime(2025, 12, 31, 23, 59, tzinfo=TZ))
    assert submit(shop).status == "pending"


def test_dsr_below_45_in_each_of_the_last_3_closed_months_is_refused(shop):
    for month in (8, 9, 10):
        StoreMetricsFactory(store=shop, month=dt.date(2026, month, 1), dsr_score=Decimal("4.49"))
    refused(shop, "dsr_below_threshold")


def test_dsr_exactly_45_in_one_month_is_not_below(shop):
    StoreMetricsFactory(store=shop, month=dt.date(2026, 8, 1), dsr_score=Decimal("4.40"))
    StoreMetricsFactory(store=shop, month=dt.date(2026, 9, 1), dsr_score=Decimal("4.50"))
    StoreMetricsFactory(store=shop, month=dt.date(2026, 10, 1), dsr_score=Decimal("4.40"))
    assert submit(shop).status == "pending"


def test_a_month_without_dsr_does_not_count_as_below(shop):
    StoreMetricsFactory(store=shop, month=dt.date(2026, 9, 1), dsr_score=Decimal("4.00"))
    StoreMetricsFactory(store=shop, month=dt.date(2026, 10, 1), dsr_score=Decimal("4.00"))
    assert submit(shop).status == "pending"  # August has no metrics at all


def test_a_raise_ban_in_force_refuses(shop):
    Sanction.objects.create(store=shop, kind="raise_ban", starts_at=NOW - dt.timedelta(days=1),
                            ends_at=NOW + dt.timedelta(days=1))
    refused(shop, "raise_banned")


def test_an_expired_raise_ban_does_not_refuse(shop):
    Sanction.objects.create(store=shop, kind="raise_ban", starts_at=NOW - dt.timedelta(days=200), ends_at=NOW)
    assert submit(shop).status == "pending"


def test_another_pending_application_refuses(shop):
    submit(shop)
    refused(shop, "application_pending")


def test_a_suspended_store_is_refused(shop):
    shop.status = Store.Status.SUSPENDED
    shop.save()
    refused(shop, "store_suspended")


def test_requested_limit_must_be_above_the_current_effective_limit(shop):
    refused(shop, "requested_limit_not_above_current", requested="15000.00")
    assert submit(shop, requested="15000.01").status == "pending"


# --- deadline ---------------------------------------------------------------------------------
def test_due_five_working_days_later_skipping_the_weekend(shop):
    app = submit(shop)
    assert app.due_at == dt.datetime(2026, 11, 27, 15, 0, tzinfo=TZ)  # next Friday


def test_a_saturday_submission_is_due_on_friday():
    assert add_working_days(dt.datetime(2026, 11, 21, 10, 0, tzinfo=TZ), 5) == dt.datetime(2026, 11, 27, 10,
                                                                                           tzinfo=TZ)


def test_holidays_are_skipped_and_worked_weekend_days_count():
    HolidayFactory(date=dt.date(2026, 11, 23), name="holiday")  # Monday off
    assert add_working_days(NOW, 5) == dt.datetime(2026, 11, 30, 15, 0, tzinfo=TZ)
    HolidayFactory(date=dt.date(2026, 11, 22), name="调休", working_day=True)  # Sunday worked
    assert add_working_days(NOW, 5) == dt.datetime(2026, 11, 27, 15, 0, tzinfo=TZ)


def test_the_review_deadline_is_policy(shop):
    from merchants.models import CreditApplicationPolicy

    policy = CreditApplicationPolicy.current()
    policy.review_working_days = 3
    policy.save()
    assert submit(shop).due_at == dt.datetime(2026, 11, 25, 15, 0, tzinfo=TZ)


# --- pre-assessment -----------------------------------------------------------------------------
def test_pre_assessment_recommends_and_suggests_a_limit(shop):
    for month in (8, 9, 10):
        StoreMetricsFactory(store=shop, month=dt.date(2026, month, 1), monthly_sales=Decimal("30000.00"))
    CreditEvaluationFactory(store=shop, month=dt.date(2026, 10, 1), score=Decimal("80"),
                            monthly_sales=Decimal("30000.00"))
    app = submit(shop, requested="500000.00")
    # 2 × 30000 × (3 + 1.6) = 276000
    assert app.recommendation == "approve" and app.suggested_limit == Decimal("276000.00")
    assert [r["month"] for r in app.operating_data] == ["2026-10", "2026-09", "2026-08"]


def test_pre_assessment_recommends_reject_for_a_weak_store(shop):
    app = submit(shop)
    assert app.recommendation == "reject" and app.suggested_limit == Decimal("15000.00")
    assert "score below" in app.assessment_notes


def test_pre_assessment_notes_are_written_in_the_platform_language_with_yuan(shop, settings):
    """The reviewer reads them whoever submitted: 月均销售额 ¥30,000.00, not 'average monthly sales 30000.00'."""
    settings.LANGUAGE_CODE = "zh-hans"
    for month in (8, 9, 10):
        StoreMetricsFactory(store=shop, month=dt.date(2026, month, 1), monthly_sales=Decimal("30000.00"))
    CreditEvaluationFactory(store=shop, month=dt.date(2026, 10, 1), score=Decimal("80"),
                            monthly_sales=Decimal("30000.00"))
    notes = submit(shop, requested="500000.00").assessment_notes
    assert notes.startswith("S=80") and "（最近一次评估 2026-10）" in notes
    assert "月均销售额 ¥30,000.00" in notes and "额度上限 ¥276,000.00" in notes and "当前有效额度 ¥" in notes
    assert "average" not in notes


# --- review -----------------------------------------------------------------------------------------
def test_approve_records_the_grant_and_the_effective_limit_at_approval(shop):
    app = application_approve(application_id=submit(shop).pk, granted_limit=Decimal("35000.00"))
    assert app.status == "approved" and app.increase == Decimal("20000.00")
    assert app.effective_limit_at_approval == Decimal("15000.00") and app.decided_at == NOW
    with pytest.raises(StateConflict):
        application_reject(application_id=app.pk, reason="late")
    assert list(app.history.order_by("history_id").values_list("status", flat=True)) == ["pending", "approved"]


def test_a_grant_not_above_the_effective_limit_is_refused(shop):
    app = submit(shop)
    with pytest.raises(DomainError) as err:
        application_approve(application_id=app.pk, granted_limit=Decimal("15000.00"))
    assert err.value.code == "granted_not_above_current"


def test_reject_needs_a_reason_and_frees_the_store_for_a_new_application(shop):
    app = submit(shop)
    with pytest.raises(DomainError):
        application_reject(application_id=app.pk, reason=" ")
    application_reject(application_id=app.pk, reason="documents unreadable")
    assert CreditApplication.objects.get(pk=app.pk).reject_reason == "documents unreadable"
    assert submit(shop).status == "pending"


# --- activation -------------------------------------------------------------------------------------
def paylater_order(store, amount, at, status=Order.Status.PLACED):
    """A pay-later order as the pay-later app accepts it: the order, then the activation check."""
    order = OrderFactory(product=ProductFactory(store=store), amount=Decimal(amount), paid_at=at,
                         payment_method="paylater", status=status)
    activation_record(store_id=store.pk)
    return order


def test_activation_half_at_exactly_10pct_and_all_at_exactly_20pct(shop):
    app = application_approve(application_id=submit(shop).pk, granted_limit=Decimal("35000.00"))  # +20000
    paylater_order(shop, "1000.00", NOW)  # at approval: not "after"
    paylater_order(shop, "5000.00", NOW + dt.timedelta(minutes=1), status=Order.Status.CANCELLED)
    paylater_order(shop, "1999.99", NOW + dt.timedelta(minutes=2))
    OrderFactory(product=ProductFactory(store=shop), amount=Decimal("9000.00"), paid_at=NOW + dt.timedelta(minutes=2))
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert store_credit(store=shop).effective_limit == Decimal("15000.00")
        paylater_order(shop, "0.01", NOW + dt.timedelta(minutes=3))  # volume 2000.00 = 10%
        assert store_credit(store=shop).effective_limit == Decimal("25000.00")
        paylater_order(shop, "1999.99", NOW + dt.timedelta(minutes=4))
        assert store_credit(store=shop).effective_limit == Decimal("25000.00")
        paylater_order(shop, "0.01", NOW + dt.timedelta(minutes=5), status=Order.Status.PAID)  # 4000.00 = 20%
        credit = store_credit(store=shop)
        assert credit.effective_limit == Decimal("35000.00") and credit.raised_limit == Decimal("35000.00")
    app.refresh_from_db()
    assert app.step1_at == NOW + dt.timedelta(minutes=3) and app.step2_at == NOW + dt.timedelta(minutes=5)
    assert app.history.order_by("-history_id").first().history_change_reason.startswith("rule: activation")


def test_a_recorded_step_stays_when_an_order_is_cancelled_later(shop):
    application_approve(application_id=submit(shop).pk, granted_limit=Decimal("35000.00"))
    order = paylater_order(shop, "2000.00", NOW + dt.timedelta(minutes=1))
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert store_credit(store=shop).effective_limit == Decimal("25000.00")
        order.status = Order.Status.CANCELLED
        order.save()
        assert store_credit(store=shop).effective_limit == Decimal("25000.00")


def test_a_raise_never_lowers_the_limit_below_the_base(shop):
    application_approve(application_id=submit(shop).pk, granted_limit=Decimal("35000.00"))
    paylater_order(shop, "4000.00", NOW + dt.timedelta(minutes=1))
    shop.base_limit = Decimal("90000.00")
    shop.save()
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert store_credit(store=shop).effective_limit == Decimal("90000.00")


# --- protection of sensitive numbers -------------------------------------------------------------------
def test_sensitive_numbers_are_encrypted_at_rest_and_masked_in_str_and_logs(shop, caplog):
    with caplog.at_level(logging.DEBUG):
        app = submit(shop)
    with connection.cursor() as cur:
        cur.execute("SELECT business_license_no, legal_rep_id_no, bank_account FROM merchants_creditapplication "
                    "WHERE id = %s", [app.pk])
        raw = cur.fetchone()
        cur.execute("SELECT business_license_no, legal_rep_id_no, bank_account "
                    "FROM merchants_historicalcreditapplication WHERE id = %s", [app.pk])
        raw_history = cur.fetchone()
    for stored, plain in [*zip(raw, SENSITIVE.values()), *zip(raw_history, SENSITIVE.values())]:
        assert plain not in stored and stored.startswith("fernet:")
    app = CreditApplication.objects.get(pk=app.pk)
    assert app.bank_account == SENSITIVE["bank_account"]  # decrypted for the code that needs it
    assert app.bank_account_masked == "***************3445"
    for text in (str(app), repr(app), caplog.text):
        for plain in SENSITIVE.values():
            assert plain not in text
