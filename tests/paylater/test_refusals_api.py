"""The merchant's view of orders lost to the limit (API.md "Second wave"), the operators' list with
its export, and the refused amount where limits are decided (SPEC §6)."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from config import timeutil
from merchants.credit.advisor import credit_advice
from paylater.models import Refusal
from tests.exports import csv_rows, same_rows, xlsx_rows
from tests.merchants.factories import CreditEvaluationFactory

from .factories import PaylaterOrderFactory

DAY = dt.date(2026, 11, 20)
NOW = timeutil.local_at(DAY, 12)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def refusal(store, amount, code="credit_limit_exceeded", available="100.00", at=NOW, buyer_id="b1"):
    return Refusal.objects.create(store=store, amount=Decimal(amount), code=code,
                                  available=None if available is None else Decimal(available), buyer_id=buyer_id,
                                  at=at)


def summary(api, store, **params):
    return api.get(f"/api/v1/merchant/stores/{store.pk}/paylater-refusals/", params)


@pytest.mark.django_db
def test_the_summary_counts_attempts_refusals_per_code_and_the_largest_shortfall(merchant_api, store, now):
    for _ in range(3):
        PaylaterOrderFactory(store=store, amount=Decimal("50.00"), created_at=NOW - dt.timedelta(days=2))
    refusal(store, "300.00", available="100.00")  # short by 200
    refusal(store, "150.00", available="20.00")  # short by 130
    refusal(store, "40.00", code="buyer_not_eligible", available="500.00")
    # outside the 30 local days: the 31st day back, 23:59 local
    refusal(store, "999.00", at=timeutil.local_at(DAY - dt.timedelta(days=30), 23, 59))
    body = summary(merchant_api, store).json()
    assert body == {
        "days": 30, "since": timeutil.local_midnight(DAY - dt.timedelta(days=29)).isoformat(),
        "attempts": 6, "refused": 3, "refused_amount": "490.00", "refused_rate": "0.5000",
        "by_code": [{"code": "credit_limit_exceeded", "count": 2, "amount": "450.00"},
                    {"code": "buyer_not_eligible", "count": 1, "amount": "40.00"}],
        "largest_shortfall": "200.00"}


@pytest.mark.django_db
def test_a_store_with_no_attempts_has_no_rate_and_no_shortfall(merchant_api, store, now):
    body = summary(merchant_api, store, days=1).json()
    assert body["attempts"] == 0 and body["refused_rate"] is None and body["largest_shortfall"] is None
    assert body["refused_amount"] == "0.00" and body["by_code"] == []
    assert body["since"] == timeutil.local_midnight(DAY).isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "91", "x"])
def test_days_outside_1_to_90_is_refused(merchant_api, store, days):
    for path in ("", "list/"):
        resp = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/paylater-refusals/{path}", {"days": days})
        assert resp.status_code == 400 and resp.json()["code"] == "invalid" and "days" in resp.json()["fields"]


@pytest.mark.django_db
def test_days_90_is_accepted(merchant_api, store, now):
    refusal(store, "10.00", at=timeutil.local_midnight(DAY - dt.timedelta(days=89)))
    assert summary(merchant_api, store, days=90).json()["refused"] == 1
    assert summary(merchant_api, store, days=89).json()["refused"] == 0


@pytest.mark.django_db
def test_another_merchants_store_is_not_found(merchant_api, other_store):
    refusal(other_store, "10.00")
    for path in ("", "list/"):
        resp = merchant_api.get(f"/api/v1/merchant/stores/{other_store.pk}/paylater-refusals/{path}")
        assert resp.status_code == 404


@pytest.mark.django_db
def test_the_platform_cannot_read_a_merchants_refusals(platform_api, store):
    assert platform_api.get(f"/api/v1/merchant/stores/{store.pk}/paylater-refusals/").status_code == 403


@pytest.mark.django_db
def test_the_list_is_paginated_newest_first(merchant_api, store, now):
    older = refusal(store, "10.00", at=NOW - dt.timedelta(hours=3), buyer_id="first")
    newer = refusal(store, "20.00", code="store_frozen", available="0.00", at=NOW - dt.timedelta(hours=1))
    refusal(store, "30.00", at=NOW - dt.timedelta(days=40))  # outside the default 30 days
    body = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/paylater-refusals/list/").json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": newer.pk, "amount": "20.00", "code": "store_frozen", "available": "0.00",
         "at": timeutil.local(newer.at).isoformat(), "buyer_id": "b1"},
        {"id": older.pk, "amount": "10.00", "code": "credit_limit_exceeded", "available": "100.00",
         "at": timeutil.local(older.at).isoformat(), "buyer_id": "first"}]
    page = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/paylater-refusals/list/", {"page_size": 1}).json()
    assert [r["id"] for r in page["results"]] == [newer.pk] and page["next"]


@pytest.mark.django_db
def test_the_schema_documents_both_endpoints_with_their_errors(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    base = "/api/v1/merchant/stores/{id}/paylater-refusals/"
    for path in (base, base + "list/"):
        get = schema["paths"][path]["get"]
        assert {"200", "400", "401", "404"} <= set(get["responses"]), path
        assert any(p["name"] == "days" for p in get["parameters"]), path


# --- where limits are decided ------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_credit_advisor_shows_the_30_day_refused_amount(merchant_api, store, now):
    CreditEvaluationFactory(store=store)
    refusal(store, "300.00")
    refusal(store, "45.50", code="buyer_not_eligible")
    refusal(store, "999.00", at=NOW - dt.timedelta(days=31))
    assert credit_advice(store=store).refused_30d == Decimal("345.50")
    body = merchant_api.get(f"/api/v1/merchant/stores/{store.pk}/credit-advice/").json()
    assert body["refused_amount_30d"] == "345.50"


@pytest.mark.django_db
def test_the_pre_assessment_notes_the_30_day_refused_amount(store, now):
    from merchants.applications.models import CreditApplicationPolicy
    from merchants.applications.services import pre_assess

    refusal(store, "1200.00")
    _recommendation, _suggested, notes = pre_assess(store=store, requested=Decimal("20000"),
                                                    effective=Decimal("5000"), rows=[],
                                                    policy=CreditApplicationPolicy.current())
    assert "¥1,200.00" in notes and ("30" in notes)


# --- the operators' list and export ---------------------------------------------------------------
@pytest.mark.django_db
def test_the_admin_list_filters_by_store_and_code_and_exports_in_chinese(admin_client, store, other_store, now):
    refusal(store, "1234.50", available="200.00")
    refusal(store, "10.00", code="buyer_not_eligible", available="500.00")
    refusal(other_store, "20.00")
    page = admin_client.get("/admin/paylater/refusal/", {"code__exact": "credit_limit_exceeded"},
                            HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and page.context["cl"].result_count == 2
    html = page.content.decode()
    assert "¥1,234.50" in html and "超出" in html and "2026-11-20 12:00" in html
    assert admin_client.get("/admin/paylater/refusal/", {"store__id__exact": store.pk}).context[
        "cl"].result_count == 2
    url = "/admin/paylater/refusal/export/{}/?store__id__exact=" + str(store.pk)
    rows = csv_rows(admin_client, url.format("csv"))
    assert rows[0][:4] == ["编号", "店铺 ID", "店铺名称", rows[0][3]] and len(rows) == 3
    assert same_rows(rows, xlsx_rows(admin_client, url.format("xlsx")))
    assert admin_client.get("/admin/paylater/refusal/add/").status_code == 403
