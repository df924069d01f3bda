"""Credit advisor and eco-packaging bonus (SPEC §5)."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from merchants.credit.advisor import credit_advice
from merchants.credit.services import evaluate_month
from merchants.models import CreditEvaluation, CreditScorePolicy, EcoPackaging, Store, StoreMetrics
from tests.factories import StoreMetricsFactory

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOV_2 = dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def _only_ingested_metrics(no_metric_providers):
    """Only the ingested metrics count here: the fixture is computed by hand from them."""


@pytest.fixture
def evaluated(store):
    """Sales 10,000; repeat rate 0.15 (scores 50) and DSR 4.5 (scores 50); the rest missing.
    Store health = (50 + 50 + 0) ÷ 3 = 33.33; S = 33.33 × 40% = 13.33;
    base limit = 10,000 × (3 + 2 × 0.1333) = 32,666 → 32,600."""
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("10000.00"), dsr_score=Decimal("4.5"),
                        repeat_rate=Decimal("0.15"))
    with time_machine.travel(NOV_2):
        evaluate_month(month=OCT)
    return store


def advice_url(store):
    return f"/api/v1/merchant/stores/{store.pk}/credit-advice/"


def test_advice_fixture_computed_by_hand(evaluated, merchant_api):
    body = merchant_api.get(advice_url(evaluated)).json()
    assert (body["month"], body["score"], body["base_limit"]) == ("2026-10", "13.33", "32600.00")
    assert body["eco_packaging"] == {"verified": False, "bonus_rate": "0.0050"}
    assert "on_time_rate" in body["missing"] and "dsr_score" not in body["missing"] and len(body["missing"]) == 10
    by_name = {s["indicator"]: s for s in body["suggestions"]}
    # on-time 1.0 → store health (50+50+100)/3 = 66.67, S = 26.67, 10,000 × 3.5334 → 35,300: +2,700
    assert body["suggestions"][0] == {"indicator": "on_time_rate", "dimension": "store_health", "value": None,
                                      "target": "1", "score_gain": "13.34", "limit_gain": "2700.00"}
    # any capital-turnover indicator at 100 → that dimension 33.33, S = 23.33 → 34,600: +2,000
    assert [s["indicator"] for s in body["suggestions"][1:4]] == ["cash_flow_ratio", "collection_cycle_days",
                                                                  "inventory_turnover_days"]
    assert by_name["collection_cycle_days"]["limit_gain"] == "2000.00"
    assert by_name["collection_cycle_days"]["target"] == "7"
    # DSR 4.5 → 5: store health 50.00, S = 20.00 → 34,000: +1,400
    assert by_name["dsr_score"] == {"indicator": "dsr_score", "dimension": "store_health", "value": "4.5",
                                    "target": "5", "score_gain": "6.67", "limit_gain": "1400.00"}
    gains = [Decimal(s["limit_gain"]) for s in body["suggestions"]]
    assert gains == sorted(gains, reverse=True) and len(gains) == 12


def test_applying_a_suggestion_and_re_evaluating_gives_exactly_the_predicted_limit(evaluated):
    for name in ("dsr_score", "repeat_rate", "return_rate", "complaint_response_hours"):
        suggestion = next(s for s in credit_advice(store=evaluated).suggestions if s.indicator == name)
        before = Store.objects.get(pk=evaluated.pk).base_limit
        StoreMetrics.objects.filter(store=evaluated, month=OCT).update(**{name: suggestion.target})
        with time_machine.travel(NOV_2):
            evaluate_month(month=OCT)
        after = Store.objects.get(pk=evaluated.pk).base_limit
        assert suggestion.limit_gain > 0 and after - before == suggestion.limit_gain


def test_an_indicator_already_at_100_is_not_suggested(store):
    StoreMetricsFactory(store=store, month=OCT, monthly_sales=Decimal("10000.00"), dsr_score=Decimal("5"))
    with time_machine.travel(NOV_2):
        evaluate_month(month=OCT)
    names = [s.indicator for s in credit_advice(store=store).suggestions]
    assert "dsr_score" not in names and len(names) == 11


def test_no_advice_before_the_first_evaluation_and_another_stores_is_not_found(store, other_store, merchant_api):
    assert merchant_api.get(advice_url(store)).status_code == 404
    CreditEvaluation.objects.create(store=other_store, month=OCT, monthly_sales=Decimal("1"), sales_source="orders",
                                    score=0, store_health=0, capital_turnover=0, risk_control=0, market=0,
                                    base_limit=0)
    r = merchant_api.get(advice_url(other_store))
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_eco_packaging_verified_adds_half_a_percent_before_rounding_down_to_100(evaluated, platform_api):
    r = platform_api.post(f"/api/v1/platform/stores/{evaluated.pk}/eco-packaging/", {"verified": True},
                          format="json")
    assert r.status_code == 200 and r.json() == {"verified": True}
    eco = EcoPackaging.objects.get(store=evaluated)
    assert eco.verified and eco.history.count() == 1
    assert Store.objects.get(pk=evaluated.pk).base_limit == Decimal("32600.00")  # from the next evaluation
    with time_machine.travel(NOV_2):
        evaluate_month(month=OCT)
    ev = CreditEvaluation.objects.get(store=evaluated, month=OCT)
    # 32,666 × 1.005 = 32,829.33 → 32,800
    assert ev.base_limit == Decimal("32800.00") and ev.eco_bonus_rate == Decimal("0.0050")
    assert Store.objects.get(pk=evaluated.pk).base_limit == Decimal("32800.00")


def test_eco_packaging_bonus_rate_is_a_policy(evaluated):
    EcoPackaging.objects.create(store=evaluated, verified=True)
    policy = CreditScorePolicy.current()
    policy.eco_packaging_bonus_rate = Decimal("0.0100")
    policy.save()
    with time_machine.travel(NOV_2):
        evaluate_month(month=OCT)
    # 32,666 × 1.01 = 32,992.66 → 32,900
    assert CreditEvaluation.objects.get(store=evaluated).base_limit == Decimal("32900.00")
    assert credit_advice(store=evaluated).eco_verified


def test_withdrawn_verification_gives_no_bonus_and_merchants_cannot_verify(evaluated, platform_api, merchant_api):
    url = f"/api/v1/platform/stores/{evaluated.pk}/eco-packaging/"
    assert merchant_api.post(url, {"verified": True}, format="json").status_code == 403
    platform_api.post(url, {"verified": True}, format="json")
    platform_api.post(url, {"verified": False}, format="json")
    assert EcoPackaging.objects.get(store=evaluated).history.count() == 2
    assert platform_api.post(url, {}, format="json").status_code == 400
    with time_machine.travel(NOV_2):
        evaluate_month(month=OCT)
    assert CreditEvaluation.objects.get(store=evaluated).base_limit == Decimal("32600.00")


def test_store_admin_page_shows_the_advisor(evaluated, client):
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "pw"))
    page = client.get(f"/admin/merchants/store/{evaluated.pk}/change/")
    assert page.status_code == 200
    assert b"on-time shipping rate" in page.content and "<td>+¥2,700.00</td>".encode() in page.content
    assert "next evaluation with the same values ¥32,600.00".encode() in page.content

